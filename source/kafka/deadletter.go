package kafka

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Headers on a dead-lettered record: why, and where the original was.
const (
	HeaderReason    = "tessera-reason"
	HeaderTopic     = "tessera-topic"
	HeaderPartition = "tessera-partition"
	HeaderOffset    = "tessera-offset"
)

// deadLetter is a message that is not a valid event, and why.
type deadLetter struct {
	rec    *kgo.Record
	reason string
}

// deadLetter sends bad messages to the dead-letter topic and waits for the
// brokers' acknowledgement, retrying until it comes or ctx ends: the caller
// commits the position past them only afterwards, so a crash cannot lose
// one. Without a dead-letter topic each is logged with its partition and
// offset. Either way the partition moves on.
func (s *Source) deadLetter(ctx context.Context, cl *kgo.Client, bad []deadLetter) error {
	for _, b := range bad {
		s.logger.Warn("kafka message rejected", "partition", b.rec.Partition, "offset", b.rec.Offset, "reason", b.reason,
			"dead_letter_topic", s.opts.DeadLetterTopic)
	}
	if s.opts.DeadLetterTopic == "" {
		return nil
	}
	recs := make([]*kgo.Record, len(bad))
	for i, b := range bad {
		recs[i] = &kgo.Record{Topic: s.opts.DeadLetterTopic, Key: b.rec.Key, Value: b.rec.Value, Headers: append(append([]kgo.RecordHeader(nil), b.rec.Headers...),
			kgo.RecordHeader{Key: HeaderReason, Value: []byte(b.reason)},
			kgo.RecordHeader{Key: HeaderTopic, Value: []byte(b.rec.Topic)},
			kgo.RecordHeader{Key: HeaderPartition, Value: []byte(strconv.Itoa(int(b.rec.Partition)))},
			kgo.RecordHeader{Key: HeaderOffset, Value: []byte(strconv.FormatInt(b.rec.Offset, 10))},
		)}
	}
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		err := cl.ProduceSync(ctx, recs...).FirstErr()
		if err == nil {
			s.meter.DeadLettered(len(recs))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("dead-letter topic %s: %w", s.opts.DeadLetterTopic, ctx.Err())
		}
		s.meter.SetError(fmt.Errorf("dead-letter topic %s: %w", s.opts.DeadLetterTopic, err))
		s.logger.Error("dead-letter produce failed; retrying before moving past the messages", "topic", s.opts.DeadLetterTopic, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return fmt.Errorf("dead-letter topic %s: %w", s.opts.DeadLetterTopic, ctx.Err())
		case <-time.After(backoff):
		}
		// ProduceSync fills in the records it sent; resend fresh copies.
		for i, r := range recs {
			recs[i] = &kgo.Record{Topic: r.Topic, Key: r.Key, Value: r.Value, Headers: r.Headers}
		}
	}
}
