package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tessera-search/tessera/source/kafka"
)

// kafkaBenchLog is a Kafka topic for benchStreamSource: kfake's when the
// URL's host is "kfake", else a real cluster's.
type kafkaBenchLog struct {
	opts    kafka.Options
	cluster *kfake.Cluster // nil for a real cluster
	prod    *kgo.Client

	mu  sync.Mutex
	err error // the first failed asynchronous produce
}

func openKafkaBenchLog(_ context.Context, u *url.URL, partitions int) (*kafkaBenchLog, error) {
	l := &kafkaBenchLog{}
	if u.Host == "kfake" {
		topic := strings.Trim(u.Path, "/")
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topic))
		if err != nil {
			return nil, fmt.Errorf("kfake: %w", err)
		}
		l.cluster = c
		cu := *u
		cu.Host = strings.Join(c.ListenAddrs(), ",")
		u = &cu
	}
	opts, err := kafka.ParseURL(u)
	if err != nil {
		l.close()
		return nil, fmt.Errorf("--source: %w", err)
	}
	l.opts = opts
	l.prod, err = kgo.NewClient(kgo.SeedBrokers(opts.Brokers...), kgo.DefaultProduceTopic(opts.Topic),
		kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		l.close()
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	return l, nil
}

func kafkaRecords(evs []benchEvent) []*kgo.Record {
	out := make([]*kgo.Record, len(evs))
	for i, e := range evs {
		out[i] = &kgo.Record{Key: []byte(e.id), Value: e.data}
	}
	return out
}

func (l *kafkaBenchLog) produceSync(ctx context.Context, evs []benchEvent) error {
	return l.prod.ProduceSync(ctx, kafkaRecords(evs)...).FirstErr()
}

func (l *kafkaBenchLog) produce(ctx context.Context, evs []benchEvent) {
	for _, r := range kafkaRecords(evs) {
		l.prod.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				l.mu.Lock()
				l.err = cmpErr(l.err, err)
				l.mu.Unlock()
			}
		})
	}
}

func (l *kafkaBenchLog) flush(ctx context.Context) error {
	if err := l.prod.Flush(ctx); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *kafkaBenchLog) newSource() (benchSource, error) { return kafka.New(l.opts, nil) }

func (l *kafkaBenchLog) close() {
	if l.prod != nil {
		l.prod.Close()
	}
	if l.cluster != nil {
		l.cluster.Close()
	}
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
