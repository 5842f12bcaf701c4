package index

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestApplyWritesLargeBatchesInPieces checks that Apply releases the
// collection's write lock every applyPiece records, so a search can start
// inside a large batch instead of waiting for all of it, and that the
// batch's metadata (a stream's position) arrives with its last piece.
func TestApplyWritesLargeBatchesInPieces(t *testing.T) {
	ctx := context.Background()
	c := openTemp(t, "", 8, Options{NoSync: true})
	recs := randomRecords(rand.New(rand.NewPCG(7, 8)), 3*applyPiece+5, 8, "r")
	var seen []int
	c.betweenPieces = func() {
		// The lock is free: a search runs here, between two pieces.
		if !c.mu.TryLock() {
			t.Error("the collection lock is held between two pieces of a batch")
		} else {
			c.mu.Unlock()
		}
		hits, err := c.Search(ctx, recs[0].Vector, 1, SearchOptions{})
		if err != nil || len(hits) != 1 || hits[0].ID != recs[0].ID {
			t.Errorf("search between pieces: %v %v, want %s", ids(hits), err, recs[0].ID)
		}
		if m := c.Meta("kafka/t/0"); m != nil {
			t.Errorf("the batch's metadata is visible before its last piece: %q", m)
		}
		seen = append(seen, c.Len())
	}
	if _, err := c.Apply(ctx, recs, map[string][]byte{"kafka/t/0": []byte("42")}); err != nil {
		t.Fatal(err)
	}
	want := []int{applyPiece, 2 * applyPiece, 3 * applyPiece}
	if len(seen) != len(want) {
		t.Fatalf("%d pauses between pieces (documents then: %v), want %d", len(seen), seen, len(want))
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("documents at each pause %v, want %v", seen, want)
		}
	}
	if c.Len() != len(recs) || string(c.Meta("kafka/t/0")) != "42" {
		t.Fatalf("after the batch: %d documents, meta %q; want %d and 42", c.Len(), c.Meta("kafka/t/0"), len(recs))
	}
}

// TestSearchWaitsCountSearchesAndWrites checks the counters the stream
// benchmark reports: searches, the pending rows each scanned, and one
// write-lock hold per piece of a batch and per builder round.
func TestSearchWaitsCountSearchesAndWrites(t *testing.T) {
	ctx := context.Background()
	c := openTemp(t, "", 8, Options{NoSync: true})
	probe := probeYields(c)
	c.searches.begin() // holds the builder off: the rows stay pending
	recs := randomRecords(rand.New(rand.NewPCG(9, 10)), applyPiece+1, 8, "r")
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	receive(t, probe.waiting, "the builder's wait")
	w0 := c.SearchWaits()
	if got := w0.WriteHold.N(); got != 2 {
		t.Fatalf("%d write-lock holds for a batch of applyPiece+1 records, want 2", got)
	}
	for range 3 {
		if _, err := c.Search(ctx, recs[1].Vector, 2, SearchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.SearchHybrid(ctx, []DenseQuery{{Vector: recs[2].Vector}}, 2, nil, SearchOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	w := c.SearchWaits()
	if n := w.Searches - w0.Searches; n != 4 {
		t.Fatalf("%d searches counted, want 4", n)
	}
	if got := w.ReadLock.Since(w0.ReadLock).N(); got != 4 {
		t.Fatalf("%d read-lock waits recorded, want 4", got)
	}
	if got, want := w.PendingScanned-w0.PendingScanned, int64(4*len(recs)); got != want {
		t.Fatalf("pending rows scanned %d, want %d (every row pending, four searches)", got, want)
	}
	if w.PendingMax != int64(len(recs)) {
		t.Fatalf("most pending rows a search saw %d, want %d", w.PendingMax, len(recs))
	}
	c.searches.end()
	if !c.WaitIndexed(time.Minute) {
		t.Fatalf("builder still waiting: %d pending", c.Pending())
	}
	if got := c.SearchWaits().WriteHold.N(); got < 3 {
		t.Fatalf("%d write-lock holds after the builder's round, want at least 3", got)
	}
}
