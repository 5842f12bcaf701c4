package ingest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
)

func openDemo(t *testing.T, emb *streamtest.GateEmbedder) *tessera.DB {
	t.Helper()
	opts := tessera.Options{DataDir: t.TempDir(), NoSync: true}
	if emb != nil {
		opts.Embedder = emb
	}
	db, err := tessera.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openGated opens the demo database with the built-in embedder behind a
// closed gate: every Embed call waits until the test opens it.
func openGated(t *testing.T) (*tessera.DB, *streamtest.GateEmbedder) {
	t.Helper()
	emb := streamtest.NewGateEmbedder(t)
	return openDemo(t, emb), emb
}

func TestStreamBackpressure(t *testing.T) {
	db, emb := openGated(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{QueueSize: 2})
	ev := func(id string) []ingest.Event {
		return []ingest.Event{{Op: "upsert", ID: id, Fields: map[string]any{"title": "lamp " + id, "price": 10.0}}}
	}
	var wg sync.WaitGroup
	results := make(chan error, 3)
	// One submission is taken by the loop (blocked in Embed), two fill the queue.
	for i, id := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Submit(ctx, ev(id))
			results <- err
		}()
		if i == 0 {
			<-emb.Entered // the loop is now busy with "a"
		}
	}
	for s.QueueDepth() < 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Submit(ctx, ev("d")); !errors.Is(err, ingest.ErrQueueFull) {
		t.Fatalf("a full queue must refuse at once with ErrQueueFull, got %v", err)
	}
	emb.Open()
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Fatalf("queued submission failed: %v", err)
		}
	}
	if db.Collection.Len() != 3 {
		t.Fatalf("%d documents, want the 3 accepted", db.Collection.Len())
	}
	if st := s.Stats(); st.Applied != 3 || st.FreshP99MS <= 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestPartialUpsertReencodesOnlyChangedSpaces: a price-only update leaves
// every other space's vector part bit-identical.
func TestPartialUpsertReencodesOnlyChangedSpaces(t *testing.T) {
	db := openDemo(t, nil)
	ctx := context.Background()
	_, err := db.Applier.Apply(ctx, []ingest.Event{{Op: "upsert", ID: "P1", Version: 1, Fields: map[string]any{
		"title": "Aurora desk lamp", "description": "LED, dimmable", "category": "Office Products", "price": "40", "rating": "4.2", "added_at": "2026-11-01T00:00:00Z"}}})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := db.Collection.Get("P1")
	res, err := db.Applier.Apply(ctx, []ingest.Event{{Op: "upsert", ID: "P1", Version: 2, Fields: map[string]any{"price": 25.0}}})
	if err != nil || res[0].Status != "applied" {
		t.Fatalf("%v %+v", err, res)
	}
	after, _ := db.Collection.Get("P1")
	if after.Fields["title"] != "Aurora desk lamp" || after.Fields["price"] != 25.0 {
		t.Fatalf("merged fields %v", after.Fields)
	}
	for i, seg := range db.Encoder.Segments() {
		same := slices.Equal(db.Encoder.Part(before.Vector, i), db.Encoder.Part(after.Vector, i))
		if seg.Name == "price" && same {
			t.Errorf("price part unchanged after a price update")
		}
		if seg.Name != "price" && !same {
			t.Errorf("space %s changed on a price-only update", seg.Name)
		}
	}
}

// TestEncodeOnlyLearnsNothing: the encode-only API must not let callers
// fill a learned category vocabulary; stored rows still learn.
func TestEncodeOnlyLearnsNothing(t *testing.T) {
	schema := `
name: shop
id: id
fields: {id: {type: text}, title: {type: text}, kind: {type: category}}
spaces:
  - {name: title, kind: text, field: title}
  - {name: kind, kind: category, field: kind}
`
	ctx := context.Background()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), Schema: []byte(schema), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vecs, problems, err := db.Applier.EncodeOnly(ctx, []map[string]any{{"title": "mystery", "kind": "Junk"}})
	if err != nil || vecs[0] == nil || len(problems[0]) != 0 {
		t.Fatalf("encode: %v %v %v", err, vecs, problems)
	}
	if got := db.Encoder.Categories("kind"); len(got) != 0 {
		t.Fatalf("encode-only learned %v", got)
	}
	if _, err := db.Applier.Apply(ctx, []ingest.Event{{ID: "1", Fields: map[string]any{"title": "lamp", "kind": "Lamps"}}}); err != nil {
		t.Fatal(err)
	}
	if got := db.Encoder.Categories("kind"); len(got) != 1 || got[0] != "Lamps" {
		t.Fatalf("a stored row did not learn its category: %v", got)
	}
}
