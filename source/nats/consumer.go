package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
)

// openConsumer returns the durable pull consumer, positioned so that the
// next message it delivers for the first time is the one after committed —
// Tessera's WAL, not the broker, says where to resume.
//
// An existing durable is kept when it has delivered nothing past the
// committed sequence: whatever it still redelivers is at or below it and is
// acked and skipped. Otherwise (a kill -9 after a fetch, an index restored
// from an older snapshot, a changed subject) it is deleted and created
// again from committed+1: messages it delivered past the position would
// otherwise wait out the ack timeout, or never come back at all when the
// broker had acked them for an index that no longer has them.
//
// fresh forces the recreation: the source lost a delivery in transit (see
// run.take) and must hear again everything after what it has handed on.
func openConsumer(ctx context.Context, js jetstream.JetStream, o Options, committed uint64, fresh bool, logger *slog.Logger) (jetstream.Consumer, error) {
	stream, err := js.Stream(ctx, o.Stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", o.Stream, err)
	}
	cons, err := stream.Consumer(ctx, o.Durable)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	case err != nil:
		return nil, fmt.Errorf("consumer %s: %w", o.Durable, err)
	default:
		info := cons.CachedInfo()
		if !fresh && info.Delivered.Stream <= committed && info.Config.FilterSubject == o.Subject && info.Config.AckPolicy == jetstream.AckExplicitPolicy {
			return cons, nil
		}
		logger.Info("nats consumer recreated at the index's position", "stream", o.Stream, "durable", o.Durable,
			"delivered", info.Delivered.Stream, "ack_floor", info.AckFloor.Stream, "committed", committed)
		if err := stream.DeleteConsumer(ctx, o.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("consumer %s: delete to resume from %d: %w", o.Durable, committed+1, err)
		}
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "Tessera index feed; the index's WAL holds the position",
		FilterSubject: o.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		// Enough for every batch the source may hold at once, and a bound
		// on what the broker pushes at a paused consumer.
		MaxAckPending: o.Batch * (o.InFlight + 2),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if committed > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = committed + 1
	}
	cons, err = stream.CreateConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %s: create from sequence %d: %w", o.Durable, committed+1, err)
	}
	return cons, nil
}
