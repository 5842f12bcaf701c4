package nats

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
)

// A message the schema rejects is dead-lettered while the fetch is taken,
// before its batch is handed to the apply path: by the time the position
// after it can commit, the dead letter is already stored, so a crash in
// between cannot lose it.
func TestSchemaRejectDeadLetteredBeforeHandOver(t *testing.T) {
	srv := streamtest.NATS(t)
	ctx := context.Background()
	nc, js := streamtest.JetStream(t, srv)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "PRODUCTS", Subjects: []string{"products.>"}}); err != nil {
		t.Fatal(err)
	}
	dead, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "DEAD", Subjects: []string{"dead.>"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{
		`{"op":"upsert","id":"g1","version":1,"fields":{"title":"good lamp","price":10}}`,
		`{"op":"upsert","id":"b2","version":1,"fields":{"title":"lamp","price":"twelve"}}`,
	} {
		if _, err := js.Publish(ctx, "products.upsert", []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	db, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sctx, cancel := context.WithCancel(ctx)
	stream := ingest.NewStream(sctx, db.Applier, ingest.StreamOptions{})
	t.Cleanup(func() { cancel(); <-stream.Done() })

	src, err := New(Options{Server: srv.ClientURL(), Stream: "PRODUCTS", Durable: "t", DeadLetter: "dead.products"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{Source: src, to: stream, nc: nc, js: js, lag: newLagMeter(src.meter, "PRODUCTS/t")}
	if err := r.open(ctx, false); err != nil {
		t.Fatal(err)
	}
	batch, err := r.cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if len(msgs) != 2 {
		t.Fatalf("fetched %d messages, want 2", len(msgs))
	}
	f, _ := r.take(ctx, msgs)
	if f == nil || len(f.events) != 1 || f.events[0].ID != "g1" || len(f.applied) != 1 || len(f.produced) != 1 {
		t.Fatalf("taken batch %+v: want only g1 to go to the apply path", f)
	}
	if f.reasons[0] != "" || f.reasons[1] == "" {
		t.Fatalf("reasons %q: want the second message marked rejected", f.reasons)
	}
	info, err := dead.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("dead-letter stream holds %d messages before the hand-over, want 1", info.State.Msgs)
	}
	if p := stream.Position(src.key); p != nil {
		t.Fatalf("position %q committed before the hand-over", p)
	}
}
