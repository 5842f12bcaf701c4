package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bits-and-blooms/bitset"
)

// A small dictionary's per-value bitsets hold exactly the slots of each
// code through inserts, updates to another value or type, deletes whose
// slots are reused, and a reopen; a dictionary past valueSetsMax drops
// them and filters fall back to the codes.
func TestValueSetsFollowCodes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, err := Open(dir, 2, Options{NoSync: true, FilterFields: []string{"cat"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close() }()
	r := rand.New(rand.NewPCG(5, 6))
	values := []any{"Kitchen", "Toys", "Books", []string{"Toys"}, 7.0, nil}
	for range 5 {
		var recs []Record
		for range 200 {
			id := fmt.Sprintf("d%d", r.IntN(400))
			if r.IntN(5) == 0 {
				recs = append(recs, Record{ID: id, Deleted: true})
				continue
			}
			f := map[string]any{}
			if v := values[r.IntN(len(values))]; v != nil {
				f["cat"] = v
			}
			recs = append(recs, Record{ID: id, Fields: f, Vector: []float32{1, 0}})
		}
		if _, err := c.Apply(ctx, recs, nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, wantSets bool) {
		t.Helper()
		c.Search(ctx, []float32{1, 0}, 1, SearchOptions{Select: func(cols Columns, _ *bitset.BitSet) {
			codes, dict := cols.Strings("cat")
			sets := cols.ValueSets("cat")
			if !wantSets {
				if sets != nil {
					t.Errorf("%s: %d values kept value sets", when, len(dict))
				}
				return
			}
			if len(sets) != len(dict) {
				t.Fatalf("%s: %d value sets for %d values", when, len(sets), len(dict))
			}
			for s, code := range codes {
				for v, set := range sets {
					if set.Test(uint(s)) != (uint32(v) == code) {
						t.Fatalf("%s: slot %d has code %d (%q), value set %d says %v", when, s, code, dict[code], v, set.Test(uint(s)))
					}
				}
			}
		}})
	}
	check("after writes", true)
	if err := c.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c, err = Open(dir, 2, Options{NoSync: true, FilterFields: []string{"cat"}}); err != nil {
		t.Fatal(err)
	}
	check("after reopening", true)
	var many []Record
	for i := range valueSetsMax + 1 {
		many = append(many, Record{ID: fmt.Sprintf("m%d", i), Fields: map[string]any{"cat": fmt.Sprintf("v%d", i)}, Vector: []float32{0, 1}})
	}
	if _, err := c.Apply(ctx, many, nil); err != nil {
		t.Fatal(err)
	}
	check("past the dictionary bound", false)
}
