package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bits-and-blooms/bitset"
)

// scanRange is the filter's scan: the rows whose x has lo <= x <= hi.
func scanRange(nums []float64, lo, hi float64, n int) []uint64 {
	words := make([]uint64, (n+63)/64)
	for s, x := range nums[:min(len(nums), n)] {
		if x >= lo && x <= hi {
			words[s/64] |= 1 << (s % 64)
		}
	}
	return words
}

// rangeCases are bounds as the filter operators make them (<, <=, >, >=,
// ranges, equality), at bucket bounds and values held, empty and
// unbounded, from values drawn like vals.
func rangeCases(r *rand.Rand, held []float64) [][2]float64 {
	inf := math.Inf(1)
	pick := func() float64 {
		if r.IntN(2) == 0 {
			return held[r.IntN(len(held))] // a value some row holds
		}
		return r.Float64()*1200 - 100
	}
	cases := [][2]float64{{-inf, inf}, {0, 0}, {5, 5}, {1000, 1000}, {3, 2}, {math.NaN(), 10}, {-inf, -1}, {1e9, inf}}
	for range 300 {
		y, z := pick(), pick()
		cases = append(cases,
			[2]float64{math.Nextafter(y, inf), inf},   // > y
			[2]float64{y, inf},                        // >= y
			[2]float64{-inf, math.Nextafter(y, -inf)}, // < y
			[2]float64{-inf, y},                       // <= y
			[2]float64{min(y, z), max(y, z)},          // a window
			[2]float64{y, y},                          // == y
		)
	}
	return cases
}

// The range index selects exactly the rows a scan of the column selects,
// for every operator's bounds, through inserts, updates (to other values,
// to strings, to missing), deletes whose slots are reused, growth that
// rebuilds its buckets, and a reopen.
func TestNumberRangeMatchesScan(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{NoSync: true, FilterFields: []string{"price"}}
	c, err := Open(dir, 2, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close() }()
	r := rand.New(rand.NewPCG(8, 9))
	var held []float64
	value := func() any {
		switch r.IntN(20) {
		case 0:
			return nil // missing
		case 1:
			return "n/a" // not a number
		case 2:
			return float64(r.IntN(4)) * 5 // many equal values
		}
		x := math.Round(r.ExpFloat64()*20000) / 100 // a skewed price
		held = append(held, x)
		return x
	}
	check := func(when string) {
		t.Helper()
		ranged := false
		c.Search(ctx, []float32{1, 0}, 1, SearchOptions{Select: func(cols Columns, sel *bitset.BitSet) {
			nums := cols.Numbers("price")
			n := int(sel.Len())
			for _, b := range rangeCases(r, held) {
				got := bitset.New(uint(n))
				if !cols.NumberRange("price", b[0], b[1], got) {
					return
				}
				ranged = true
				words := got.Words()
				if want := scanRange(nums, b[0], b[1], n); !slices.Equal(words, want) {
					t.Fatalf("%s: price in [%v, %v]: range index passes %d rows, the scan %d (first difference at slot %d)",
						when, b[0], b[1], got.Count(), bitset.From(want).Count(), firstDiff(words, want))
				}
				// A shorter selection gets no bit past its end.
				short := bitset.New(uint(n/2 + 5))
				cols.NumberRange("price", b[0], b[1], short)
				if want := scanRange(nums, b[0], b[1], n/2+5); !slices.Equal(short.Words(), want) {
					t.Fatalf("%s: price in [%v, %v] over the first %d rows: range index passes %d rows, the scan %d",
						when, b[0], b[1], short.Len(), short.Count(), bitset.From(want).Count())
				}
			}
		}})
		if !ranged {
			t.Fatalf("%s: no range index over %d rows", when, c.Len())
		}
	}
	apply := func(n int, ids int) {
		t.Helper()
		var recs []Record
		for range n {
			id := fmt.Sprintf("d%d", r.IntN(ids))
			if r.IntN(8) == 0 {
				recs = append(recs, Record{ID: id, Deleted: true})
				continue
			}
			f := map[string]any{}
			if v := value(); v != nil {
				f["price"] = v
			}
			recs = append(recs, Record{ID: id, Fields: f, Vector: []float32{1, 0}})
		}
		if _, err := c.Apply(ctx, recs, nil); err != nil {
			t.Fatal(err)
		}
	}
	apply(rangeMinRows*3, rangeMinRows*2) // past the minimum: built
	check("after the first build")
	apply(rangeMinRows, rangeMinRows*2) // updates and deletes move rows between buckets
	check("after updates")
	apply(rangeMinRows*4, rangeMinRows*8) // growth: rebuilt
	check("after growth")
	if err := c.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c, err = Open(dir, 2, opts); err != nil {
		t.Fatal(err)
	}
	check("after reopening")
}

// A short column keeps no range index: the filter scans it.
func TestNumberRangeNeedsRows(t *testing.T) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), 2, Options{NoSync: true, FilterFields: []string{"price"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var recs []Record
	for i := range rangeMinRows - 1 {
		recs = append(recs, Record{ID: fmt.Sprint(i), Fields: map[string]any{"price": float64(i)}, Vector: []float32{1, 0}})
	}
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	c.Search(ctx, []float32{1, 0}, 1, SearchOptions{Select: func(cols Columns, sel *bitset.BitSet) {
		if cols.NumberRange("price", 0, 10, sel) {
			t.Errorf("a range index over %d rows", rangeMinRows-1)
		}
		if cols.NumberRange("absent", 0, 10, sel) {
			t.Error("a range index over a field no row has")
		}
	}})
}

func firstDiff(a, b []uint64) int {
	for i := range a {
		if d := a[i] ^ b[i]; d != 0 {
			for j := range 64 {
				if d&(1<<j) != 0 {
					return i*64 + j
				}
			}
		}
	}
	return -1
}

// BenchmarkNumberRange selects a price window passing about a quarter of
// 1M rows, from the range index and by the scan it replaces (one pass:
// a window is two).
func BenchmarkNumberRange(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	nums := make([]float64, 1_000_000)
	for i := range nums {
		nums[i] = math.Round(r.ExpFloat64()*20000) / 100
	}
	rg := newNumberRanges(nums)
	lo, hi := 50.0, 120.0 // about 23 % of the rows
	words := make([]uint64, (len(nums)+63)/64)
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			clear(words)
			rg.selectRange(lo, hi, words)
		}
	})
	// The scan as query's compareColumn runs it: branch-free, a word at
	// a time.
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			clear(words)
			for base := 0; base < len(nums); base += 64 {
				var w uint64
				for j, x := range nums[base:min(base+64, len(nums))] {
					var atLeast, over uint64
					if x >= lo {
						atLeast = 1
					}
					if x > hi {
						over = 1
					}
					w |= (atLeast &^ over) << j
				}
				words[base/64] |= w
			}
		}
	})
	if got := bitset.From(words).Count(); got < 200_000 || got > 300_000 {
		b.Fatalf("the window passes %d rows", got)
	}
}
