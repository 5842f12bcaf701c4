package kafka_test

import (
	"context"
	"fmt"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
	"github.com/tessera-search/tessera/source/kafka"
)

// TestFullQueuePausesTheConsumer: while the apply queue is full the source
// reports itself paused and reads no further than the batch it holds
// (nothing buffered without bound, no retry loop); once the queue drains it
// resumes and every event is applied.
func TestFullQueuePausesTheConsumer(t *testing.T) {
	emb := streamtest.NewGateEmbedder(t)
	db := openDB(t, tessera.Options{Embedder: emb})
	c := cluster(t, map[string]int32{"products": 1})
	const n, batch = 500, 25
	values := make([][]byte, n)
	for i := range values {
		values[i] = event(fmt.Sprintf("B-%d", i), 1, "marble chess set")
	}
	produce(t, c, "products", values, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{QueueSize: 1})
	// Other traffic: one batch held in the embedder, one filling the queue.
	ev := func(id string) ingest.SourceBatch {
		return ingest.SourceBatch{Events: []ingest.Event{{Op: ingest.OpUpsert, ID: id, Fields: map[string]any{"title": "quartz clock"}, Version: 1}}}
	}
	held, err := stream.Enqueue(ctx, ev("other-1"))
	if err != nil {
		t.Fatal(err)
	}
	<-emb.Entered
	if _, err := stream.Enqueue(ctx, ev("other-2")); err != nil {
		t.Fatal(err)
	}

	r := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products", MaxBatch: batch})
	eventually(t, "the source to pause", func() bool { return r.src.Stats().Paused })
	if st := r.src.Stats(); st.Consumed > batch || st.Applied != 0 {
		t.Fatalf("paused source read %d messages (applied %d), want at most one batch of %d", st.Consumed, st.Applied, batch)
	}

	emb.Open()
	if _, err := held(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every event applied after the queue drained", func() bool { return r.src.Stats().Applied == n })
	if st := r.src.Stats(); st.Paused || st.Consumed != n {
		t.Fatalf("after draining: %+v", st)
	}
}
