package hnsw

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestNudgeSpansKeepsLinksAndCodes: a small change to a few dimensions is
// written in place (lists untouched) with byte codes within half a step of
// every element, whether or not the new values fit the old scale; a
// large change is refused and leaves the node as it was.
func TestNudgeSpansKeepsLinksAndCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, dim = 500, 12
	g := New(dim, DefaultConfig())
	for i := range n {
		v := make([]float32, dim)
		for d := range v {
			v[d] = float32(rng.NormFloat64())
		}
		if i%10 == 0 {
			v[1] = 5 // the largest magnitude, inside a span
		}
		if err := g.Add(uint32(i), v); err != nil {
			t.Fatal(err)
		}
	}
	links := func(id uint32) []uint32 { return slices.Clone(g.links(id, 0)) }
	spans := []Span{{Off: 1, Len: 2}, {Off: 10, Len: 1}}
	var ids []uint32
	var parts [][]float32
	for i := range 100 {
		v := g.Vector(uint32(i))
		p := []float32{v[1] + 0.01, v[2] - 0.01, v[10] + 0.01}
		if i%10 == 0 {
			p[0] = 5.05 // over the scale: every code is redone
		}
		ids, parts = append(ids, uint32(i)), append(parts, p)
	}
	before := make([][]uint32, n)
	for i := range before {
		before[i] = links(uint32(i))
	}
	old := make([][]float32, len(ids))
	for k, id := range ids {
		old[k] = g.Vector(id)
	}
	done := g.NudgeSpans(ids, spans, parts)
	for k, id := range ids {
		if !done[k] {
			t.Fatalf("id %d: a small nudge was refused", id)
		}
		got, want := g.Vector(id), old[k]
		SetSpans(want, spans, parts[k])
		if !slices.Equal(got, want) {
			t.Fatalf("id %d: vector %v, want %v", id, got, want)
		}
		sc, code := g.scales[id], g.code(id)
		for d, x := range got {
			if e := absf32(x - sc*float32(code[d])); e > sc*0.5001 {
				t.Fatalf("id %d dim %d: %v coded %d × %v (error %v over half a step)", id, d, x, code[d], sc, e)
			}
		}
		if k%10 == 0 && sc*127 < 5.05*0.9999 {
			t.Fatalf("id %d: scale %v does not cover the new largest value 5.05", id, sc)
		}
	}
	for i := range before {
		if !slices.Equal(before[i], links(uint32(i))) {
			t.Fatalf("node %d's links changed", i)
		}
	}
	// A large move is refused and changes nothing.
	prev := g.Vector(200)
	if done := g.NudgeSpans([]uint32{200}, spans, [][]float32{{50, -50, 50}}); done[0] {
		t.Fatal("a large move was nudged")
	}
	if !slices.Equal(g.Vector(200), prev) {
		t.Fatal("a refused nudge changed the vector")
	}
}

// TestAddBatchUpsertsRelinkAlongsideSearches re-adds existing ids with
// vectors moved a little or from elsewhere in the space (so they must be
// relinked, locally or fully, not nudged), revives deleted ids and inserts new ones in one AddBatch while
// searches run (under -race this checks the shared-lock relink): every id
// ends with its last vector, each moved id is found first by its new
// vector, its own lists now lead to its new neighbourhood, and recall
// holds.
func TestAddBatchUpsertsRelinkAlongsideSearches(t *testing.T) {
	n := 6000
	if raceEnabled {
		n = 2000
	}
	const dim = 32
	data := clustered(31, 2*n, dim, 20)
	g := New(dim, DefaultConfig())
	if err := g.AddBatch(seqIDs(n), data[:n], 2); err != nil {
		t.Fatal(err)
	}
	for id := range uint32(50) {
		g.Delete(uint32(n/2) + id)
	}
	// ids 0..n/4 move: the first half of them a little (a local relink),
	// the rest to vectors of the second half (a full one); 50 deleted ids
	// come back with theirs; n/4 new ids follow; id 0 appears twice.
	var ids []uint32
	var vecs [][]float32
	moved := n / 4
	r := rand.New(rand.NewPCG(2, 2))
	for i := range moved {
		v := data[n+i]
		if i < moved/2 {
			v = moveBy(r, data[i], 0.25)
			if k := relinkKind(data[i], v); k != replacedRelinkLocal {
				t.Fatalf("a move by 0.25 is relinked as %d, not locally", k)
			}
			data[n+i] = v // searched for below
		}
		ids, vecs = append(ids, uint32(i)), append(vecs, v)
	}
	for id := range uint32(50) {
		ids, vecs = append(ids, uint32(n/2)+id), append(vecs, data[n/2+int(id)])
	}
	for i := n; i < n+n/4; i++ {
		ids, vecs = append(ids, uint32(i)), append(vecs, data[n+moved+i-n])
	}
	last := data[n+moved+n/4]
	ids, vecs = append(ids, 0), append(vecs, last)
	want := map[uint32][]float32{}
	for i, id := range ids {
		want[id] = vecs[i]
	}
	before := slices.Clone(g.links(1, 0))

	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		searches atomic.Int64
	)
	for w := range 2 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				res := g.Search(data[(i*7+w)%len(data)], 10, SearchOptions{})
				searches.Add(1)
				for j := 1; j < len(res); j++ {
					if res[j].Score > res[j-1].Score {
						t.Errorf("results not sorted: %v", res)
						return
					}
				}
			}
		})
	}
	if err := g.AddBatch(ids, vecs, 2); err != nil {
		t.Fatal(err)
	}
	for searches.Load() < 20 && !t.Failed() {
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	if wantLen := n + n/4; g.Len() != wantLen {
		t.Fatalf("Len = %d, want %d", g.Len(), wantLen)
	}
	for id, v := range want {
		if !slices.Equal(g.Vector(id), v) {
			t.Fatalf("id %d does not hold its last vector", id)
		}
	}
	checkLinks(t, g)
	misses := 0
	for i := 1; i < moved; i++ {
		if res := g.Search(data[n+i], 1, SearchOptions{Ef: 64}); len(res) == 0 || res[0].ID != uint32(i) {
			misses++
		}
	}
	if misses > moved/100 {
		t.Fatalf("%d of %d moved ids not found first by their new vectors", misses, moved-1)
	}
	// Relinked, not just rewritten: id 1's layer-0 list was rebuilt.
	if slices.Equal(before, g.links(1, 0)) {
		t.Fatal("a moved node kept its old neighbour list")
	}
	if rc := recall(g, data[n:n+100], 10, SearchOptions{Ef: 64}); rc < 0.95 {
		t.Fatalf("recall after batch upserts = %.4f", rc)
	}
}
