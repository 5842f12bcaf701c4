package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bits-and-blooms/bitset"
)

func vec3(a, b, c float32) []float32 { return []float32{a, b, c} }

func TestApplySearchAndOrdering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := Open(dir, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Apply(ctx, []Record{
		{ID: "a", Fields: map[string]any{"n": 1.0}, Vector: vec3(1, 0, 0), Version: 2},
		{ID: "b", Fields: map[string]any{"n": 2.0}, Vector: vec3(0, 1, 0), Version: 1},
		{ID: "c", Fields: map[string]any{"n": 3.0}, Vector: vec3(0.7, 0.7, 0)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != Inserted || out[2] != Inserted {
		t.Fatalf("outcomes %v", out)
	}
	// An older version never overwrites a newer one; a duplicate is stale.
	out, _ = c.Apply(ctx, []Record{{ID: "a", Vector: vec3(0, 0, 1), Version: 1}, {ID: "a", Vector: vec3(0, 0, 1), Version: 2}}, nil)
	if out[0] != Stale || out[1] != Stale {
		t.Fatalf("stale outcomes %v", out)
	}
	// A delete leaves a tombstone: a late upsert cannot resurrect the row.
	out, _ = c.Apply(ctx, []Record{{ID: "b", Deleted: true, Version: 5}, {ID: "b", Vector: vec3(0, 1, 0), Version: 4}}, nil)
	if out[0] != Deleted || out[1] != Stale {
		t.Fatalf("delete outcomes %v", out)
	}
	hits, err := c.Search(context.Background(), vec3(1, 0.1, 0), 10, SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].ID != "a" || hits[1].ID != "c" {
		t.Fatalf("hits %+v", hits)
	}
	hits, _ = c.Search(context.Background(), vec3(1, 0.1, 0), 10, SearchOptions{Select: valuesWhere("n", func(v any) bool { n, ok := v.(float64); return ok && n > 2 })})
	if len(hits) != 1 || hits[0].ID != "c" {
		t.Fatalf("filtered hits %+v", hits)
	}
	c.Close()

	// Restart from the WAL alone, then from a snapshot.
	for round := 0; round < 2; round++ {
		c, err = Open(dir, 3, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Len() != 2 {
			t.Fatalf("round %d: %d docs after restart", round, c.Len())
		}
		if v, ok := c.Version("b"); !ok || v != 5 {
			t.Fatalf("round %d: tombstone version %v %v", round, v, ok)
		}
		r, ok := c.Get("a")
		if !ok || r.Fields["n"].(float64) != 1 || r.Vector[0] != 1 {
			t.Fatalf("round %d: a = %+v", round, r)
		}
		if round == 0 {
			if err := c.Snapshot(); err != nil {
				t.Fatal(err)
			}
			if st, _ := os.Stat(filepath.Join(dir, "wal.log")); st.Size() != 0 {
				t.Fatalf("wal not emptied by the snapshot: %d bytes", st.Size())
			}
		}
		c.Close()
	}
}

func TestTornWALTailIsCut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, _ := Open(dir, 3, Options{})
	c.Apply(ctx, []Record{{ID: "a", Vector: vec3(1, 0, 0)}}, nil)
	c.Apply(ctx, []Record{{ID: "b", Vector: vec3(0, 1, 0)}}, nil)
	c.Close()
	path := filepath.Join(dir, "wal.log")
	st, _ := os.Stat(path)
	os.Truncate(path, st.Size()-5) // a crash in the middle of the second frame
	c, err := Open(dir, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.Get("a"); !ok || c.Len() != 1 {
		t.Fatalf("want only the intact first batch, have %d docs", c.Len())
	}
}

func TestCorruptSnapshotIsReported(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, _ := Open(dir, 3, Options{})
	c.Apply(ctx, []Record{{ID: "a", Vector: vec3(1, 0, 0), Fields: map[string]any{"t": "x"}}}, nil)
	c.Snapshot()
	c.Close()
	path := filepath.Join(dir, snapshotFile)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	os.WriteFile(path, data, 0o644)
	if _, err := Open(dir, 3, Options{}); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("want a checksum error, got %v", err)
	}
	os.WriteFile(path, data[:len(data)/2], 0o644)
	if _, err := Open(dir, 3, Options{}); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("want a truncation error, got %v", err)
	}
}

// valuesWhere is a Select over one field's stored values, for tests.
func valuesWhere(field string, keep func(any) bool) func(Columns, *bitset.BitSet) {
	return func(cols Columns, sel *bitset.BitSet) {
		for s, v := range cols.Values(field) {
			if keep(v) {
				sel.Set(uint(s))
			}
		}
	}
}

// The configured ef widens with the collection (efForRows), and only
// when the caller did not choose one.
func TestEfForRows(t *testing.T) {
	for _, c := range []struct{ ef, rows, want int }{
		{64, 0, 64}, {64, efRowsDouble - 1, 64}, {64, efRowsDouble, 128},
		{64, efRowsQuadruple - 1, 128}, {64, efRowsQuadruple, 256}, {16, 2_000_000, 64},
	} {
		if got := efForRows(c.ef, c.rows); got != c.want {
			t.Errorf("efForRows(%d, %d) = %d, want %d", c.ef, c.rows, got, c.want)
		}
	}
}

// TestSlotReusedAfterItsGraphDelete: a batch that deletes a row and adds
// another frees the deleted row's slot only after the graph has dropped
// it. Reused at once, the builder could insert the new row's vector into
// the slot before the batch's late graph delete, which then removed the
// new row from the graph for good (a search missed it; seen as a failure
// of query's TestSelectAgreesWithMatch under load).
func TestSlotReusedAfterItsGraphDelete(t *testing.T) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), 3, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Apply(ctx, []Record{{ID: "old", Vector: vec3(1, 0, 0)}}, nil); err != nil {
		t.Fatal(err)
	}
	waitBuilt(t, c)
	// The hook lets the builder insert whatever is pending before the
	// batch's graph delete runs, as a busy machine may.
	c.afterDocs = func() { waitBuilt(t, c) }
	if _, err := c.Apply(ctx, []Record{{ID: "old", Deleted: true}, {ID: "new", Vector: vec3(0, 1, 0)}}, nil); err != nil {
		t.Fatal(err)
	}
	c.afterDocs = nil
	waitBuilt(t, c)
	hits, err := c.Search(ctx, vec3(0, 1, 0), 10, SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != "new" {
		t.Fatalf("search after the batch: %v, want the new row", hits)
	}
}

// openTemp opens a collection in dir (a fresh temporary one when dir is
// "") and closes it when the test ends (Close is idempotent).
func openTemp(t *testing.T, dir string, dim int, opts Options) *Collection {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := Open(dir, dim, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitBuilt waits until the builder has inserted every pending vector.
func waitBuilt(t *testing.T, c *Collection) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.RLock()
		n := len(c.pending)
		c.mu.RUnlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d vectors still pending after 30s", n)
		}
		c.wakeBuilder()
		time.Sleep(time.Millisecond)
	}
}
