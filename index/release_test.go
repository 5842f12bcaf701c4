package index

import (
	"context"
	"testing"
	"time"
)

// TestReleaseEmptiesAClosedCollection: after Close and Release the
// collection holds nothing, and searching or reading it is safe.
func TestReleaseEmptiesAClosedCollection(t *testing.T) {
	c, err := Open(t.TempDir(), 4, Options{NoSync: true, TextFields: []string{"title"}, FilterFields: []string{"n"}})
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for i := range 50 {
		recs = append(recs, Record{ID: string(rune('a'+i%26)) + string(rune('a'+i/26)), Fields: map[string]any{"title": "brass lamp", "n": float64(i)}, Vector: []float32{1, float32(i), 0, 1}})
	}
	if _, err := c.Apply(context.Background(), recs, nil); err != nil {
		t.Fatal(err)
	}
	c.WaitIndexed(10 * time.Second)
	before := c.MemoryBytes()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if c.Len() != 0 || c.MemoryBytes() >= before {
		t.Fatalf("after Release: %d documents, %d bytes (before %d)", c.Len(), c.MemoryBytes(), before)
	}
	if _, ok := c.Get(recs[0].ID); ok {
		t.Fatal("Get finds a released document")
	}
	hits, err := c.Search(context.Background(), []float32{1, 0, 0, 1}, 5, SearchOptions{})
	if err != nil || len(hits) != 0 {
		t.Fatalf("search after Release: %v %v", hits, err)
	}
}
