package kafka_test

import (
	"context"
	"fmt"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/source/kafka"
)

// TestStoreModeWithKafka: with a MongoDB-protocol store (MONGODB_URI,
// FerretDB in CI), events consumed from Kafka reach the store as well as
// the index — the source uses the apply path, which writes the store first.
func TestStoreModeWithKafka(t *testing.T) {
	uri := sharedtest.MongoURI(t, "tessera_kafka")

	c := cluster(t, map[string]int32{"products": 2})
	const n = 40
	values := make([][]byte, n)
	for i := range values {
		values[i] = event(fmt.Sprintf("M-%d", i), 1, "walnut bookend")
	}
	produce(t, c, "products", values, nil)
	db := openDB(t, tessera.Options{Store: uri})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	r := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products"})
	eventually(t, "every event applied", func() bool { return r.src.Stats().Applied == n })
	if got, err := db.Store.Count(ctx); err != nil || got != n {
		t.Fatalf("the store holds %d documents (%v), want %d", got, err, n)
	}
	var consumed int64
	for _, pos := range positions(t, stream, "products", 2) {
		consumed += pos.Consumed
	}
	if consumed != n {
		t.Fatalf("positions count %d messages, want %d", consumed, n)
	}
}
