package kafka_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
	"github.com/tessera-search/tessera/source/kafka"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// cluster starts an in-process Kafka-protocol cluster (kfake) with the
// given topics (name → partitions).
func cluster(t *testing.T, topics map[string]int32) *kfake.Cluster {
	t.Helper()
	return streamtest.Kafka(t, topics)
}

// produce writes values to topic, keyed by key(i) (nil: no key), and waits
// for the acknowledgement.
func produce(t *testing.T, c *kfake.Cluster, topic string, values [][]byte, key func(i int) []byte) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Value: v}
		if key != nil {
			recs[i].Key = key(i)
		}
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// consumeAll reads every record of topic from the start, up to want.
func consumeAll(t *testing.T, c *kfake.Cluster, topic string, want int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%s: read %d records, want %d", topic, len(out), want)
		}
		out = append(out, f.Records()...)
	}
	return out
}

// openDB opens a fresh demo-schema index in a temporary directory.
func openDB(t *testing.T, opts tessera.Options) *tessera.DB {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	opts.NoSync = true
	db, err := tessera.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// running is a source consuming into a stream until stopped.
type running struct {
	src  *kafka.Source
	stop context.CancelFunc
	done chan error
}

func start(t *testing.T, stream *ingest.Stream, opts kafka.Options) *running {
	t.Helper()
	src, err := kafka.New(opts, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{src: src, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx, stream) }()
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { r.Stop(t) }) })
	return r
}

// Stop ends Run and checks it returned cleanly.
func (r *running) Stop(t *testing.T) {
	t.Helper()
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		r.done <- nil // a second Stop returns at once
	case <-time.After(30 * time.Second):
		t.Fatal("source did not stop in 30s")
	}
}

// eventually polls cond until it holds, failing after a generous limit
// (a hang, not a speed check).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// positions reads every partition's committed position.
func positions(t *testing.T, s *ingest.Stream, topic string, partitions int32) []kafka.Position {
	t.Helper()
	out := make([]kafka.Position, partitions)
	for p := range partitions {
		raw := s.Position(kafka.PositionKey(topic, p))
		if raw == nil {
			continue
		}
		pos, err := kafka.DecodePosition(raw)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = pos
	}
	return out
}

func event(id string, version int, title string) []byte {
	return fmt.Appendf(nil, `{"op":"upsert","id":%q,"version":%d,"fields":{"title":%q,"price":%d}}`, id, version, title, 5+version%100)
}
