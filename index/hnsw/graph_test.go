package hnsw

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/internal/vec"
)

func TestRecallClustered(t *testing.T) {
	g, data, queries := sharedGraph(t)
	if g.Len() != len(data) {
		t.Fatalf("Len = %d, want %d", g.Len(), len(data))
	}
	r := recall(g, queries, 10, SearchOptions{Ef: 64})
	t.Logf("recall@10 ef=64 on %d vectors: %.4f", len(data), r)
	if r < 0.95 {
		t.Fatalf("recall@10 = %.4f, want >= 0.95", r)
	}
	// Results are sorted by descending score and scores are the real dots.
	res := g.Search(queries[0], 10, SearchOptions{})
	for i, x := range res {
		if i > 0 && x.Score > res[i-1].Score {
			t.Fatalf("results not sorted: %v", res)
		}
		if want := dotF(queries[0], data[x.ID]); abs32(want-x.Score) > 1e-4 {
			t.Fatalf("score of %d = %v, want %v", x.ID, x.Score, want)
		}
	}
}

func dotF(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func TestSearchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random, so allocations are not representative")
	}
	g, _, queries := sharedGraph(t)
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		g.Search(queries[i%len(queries)], 10, SearchOptions{Ef: 64})
		i++
	})
	if allocs > 5 {
		t.Fatalf("%.1f allocs per Search, want <= 5", allocs)
	}
	t.Logf("%.1f allocs per Search", allocs)
}

func TestDeleteKeepsRecall(t *testing.T) {
	g, data, queries := cloneShared(t)
	r := rand.New(rand.NewPCG(9, 9))
	deleted := map[uint32]bool{}
	for _, i := range r.Perm(len(data))[:len(data)*3/10] {
		g.Delete(uint32(i))
		deleted[uint32(i)] = true
	}
	if g.Len() != len(data)-len(deleted) || g.Tombstones() != len(deleted) {
		t.Fatalf("Len %d Tombstones %d after %d deletes", g.Len(), g.Tombstones(), len(deleted))
	}
	for _, q := range queries {
		for _, x := range g.Search(q, 10, SearchOptions{Ef: 64}) {
			if deleted[x.ID] {
				t.Fatalf("deleted id %d returned", x.ID)
			}
		}
	}
	rc := recall(g, queries, 10, SearchOptions{Ef: 64})
	t.Logf("recall@10 after deleting 30%%: %.4f", rc)
	if rc < 0.95 {
		t.Fatalf("recall after deletes = %.4f", rc)
	}
	if g.Vector(first(deleted)) != nil {
		t.Fatal("Vector of a deleted id is not nil")
	}
}

func first(m map[uint32]bool) uint32 {
	for k := range m {
		return k
	}
	return 0
}

func TestCompactAfterHeavyDeletes(t *testing.T) {
	g, data, queries := cloneShared(t)
	r := rand.New(rand.NewPCG(10, 10))
	perm := r.Perm(len(data))
	deleted := map[uint32]bool{}
	// 70% deletes: the automatic compaction fires at 50%.
	for _, i := range perm[:len(data)*7/10] {
		g.Delete(uint32(i))
		deleted[uint32(i)] = true
	}
	g.Compact()
	if g.Tombstones() != 0 {
		t.Fatalf("Tombstones = %d after Compact", g.Tombstones())
	}
	for i := range g.state {
		if g.state[i] == slotEmpty {
			continue
		}
		for l := 0; l <= int(g.level[i]); l++ {
			lst := g.links(uint32(i), l)
			for _, x := range lst[1 : 1+lst[0]] {
				if g.state[x] != slotLive {
					t.Fatalf("node %d layer %d still links to freed %d", i, l, x)
				}
			}
		}
	}
	rc := recall(g, queries, 10, SearchOptions{Ef: 64})
	t.Logf("recall@10 after deleting 70%% + compact: %.4f", rc)
	if rc < 0.95 {
		t.Fatalf("recall after compaction = %.4f", rc)
	}
	// Freed slots can be reused.
	id := first(deleted)
	if err := g.Add(id, queries[0]); err != nil {
		t.Fatal(err)
	}
	if res := g.Search(queries[0], 1, SearchOptions{}); len(res) == 0 || res[0].ID != id {
		t.Fatalf("re-added id %d not found first: %v", id, res)
	}
}

func TestUpsertReplacesVector(t *testing.T) {
	g, data, queries := cloneShared(t)
	target := uint32(123)
	q := queries[5]
	if err := g.Add(target, q); err != nil {
		t.Fatal(err)
	}
	if g.Len() != len(data) {
		t.Fatalf("Len = %d after upsert, want %d", g.Len(), len(data))
	}
	if !slices.Equal(g.Vector(target), q) {
		t.Fatal("Vector does not return the new vector")
	}
	res := g.Search(q, 10, SearchOptions{})
	if res[0].ID != target {
		t.Fatalf("upserted id not first: %v", res)
	}
	// The old vector no longer matches id 123 best.
	for _, x := range g.Search(data[123], 10, SearchOptions{}) {
		if x.ID == target && x.Score > 0.99 {
			t.Fatalf("old vector still scores %v", x.Score)
		}
	}
	// Upserting a deleted id revives it.
	g.Delete(77)
	if err := g.Add(77, data[77]); err != nil {
		t.Fatal(err)
	}
	if res := g.Search(data[77], 1, SearchOptions{}); res[0].ID != 77 {
		t.Fatalf("revived id not found: %v", res)
	}
	rc := recall(g, queries, 10, SearchOptions{Ef: 64})
	if rc < 0.95 {
		t.Fatalf("recall after upserts = %.4f", rc)
	}
}

func TestFilteredRecall(t *testing.T) {
	g, data, queries := sharedGraph(t)
	n := len(data)
	for _, sel := range []float64{0.001, 0.01, 0.1, 0.5} {
		// Hash-like membership so matches are spread over all clusters.
		mod := int(1 / sel)
		filter := func(id uint32) bool { return int(id*2654435761%uint32(n))%mod == 0 }
		count := 0
		for i := range n {
			if filter(uint32(i)) {
				count++
			}
		}
		// -1: sampled estimate; count: told; n: claims everything passes,
		// which forces the filtered graph walk instead of the exact scan.
		fcs := []int{-1, count, n}
		if sel < 0.01 {
			fcs = fcs[:2] // a forced walk for 20 rows visits the whole graph
		}
		for _, fc := range fcs {
			opt := SearchOptions{Ef: 64, Filter: filter, FilterCount: fc}
			for _, q := range queries[:20] {
				for _, x := range g.Search(q, 10, opt) {
					if !filter(x.ID) {
						t.Fatalf("selectivity %v: id %d fails the filter", sel, x.ID)
					}
				}
			}
			rc := recall(g, queries, 10, opt)
			t.Logf("selectivity %.3f (%d rows, FilterCount %d): recall@10 %.4f", sel, count, fc, rc)
			if rc < 0.95 {
				t.Fatalf("selectivity %v: recall %.4f", sel, rc)
			}
		}
	}
}

func TestSmallGraphIsExact(t *testing.T) {
	data := clustered(5, 500, 16, 10)
	g := build(t, data, DefaultConfig())
	for _, q := range data[:20] {
		got, want := g.Search(q, 10, SearchOptions{}), g.SearchExact(q, 10, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("small graph Search %v != exact %v", got, want)
		}
	}
}

func TestL2Metric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	n, dim := 3000, 24
	data := make([][]float32, n)
	for i := range data {
		data[i] = make([]float32, dim)
		for j := range data[i] {
			data[i][j] = float32(r.IntN(100)) // unnormalised, SIFT-like
		}
	}
	cfg := DefaultConfig()
	cfg.Metric = L2
	g := build(t, data, cfg)
	res := g.Search(data[10], 1, SearchOptions{})
	if res[0].ID != 10 || res[0].Score != 0 {
		t.Fatalf("nearest to itself = %v", res)
	}
	if rc := recall(g, data[:100], 10, SearchOptions{Ef: 64}); rc < 0.95 {
		t.Fatalf("L2 recall %.4f", rc)
	}
}

func TestBadInput(t *testing.T) {
	g := New(4, DefaultConfig())
	if err := g.Add(0, []float32{1, 2, 3}); err == nil || !strings.Contains(err.Error(), "3 dims") {
		t.Fatalf("dim mismatch error = %v", err)
	}
	if res := g.Search([]float32{1, 0, 0, 0}, 5, SearchOptions{}); res != nil {
		t.Fatalf("empty graph search = %v", res)
	}
	if err := g.Add(0, []float32{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if res := g.Search([]float32{1, 0}, 5, SearchOptions{}); res != nil {
		t.Fatalf("short query = %v", res)
	}
	g.Delete(99) // absent: no-op
	if g.Len() != 1 {
		t.Fatalf("Len = %d", g.Len())
	}
}

func TestConcurrentSearchWithWriter(t *testing.T) {
	n := 3000
	if raceEnabled {
		n = 2500
	}
	data := clustered(77, n+500, 32, 20)
	g := build(t, data[:n], DefaultConfig())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := data[(i*7+w)%len(data)]
				res := g.Search(q, 10, SearchOptions{Filter: func(id uint32) bool { return id%3 != 0 }})
				for _, x := range res {
					if x.ID%3 == 0 {
						t.Errorf("filter violated: %d", x.ID)
						return
					}
				}
			}
		}()
	}
	for i := n; i < len(data); i++ {
		if err := g.Add(uint32(i), data[i]); err != nil {
			t.Fatal(err)
		}
		g.Delete(uint32(i - n))
	}
	close(stop)
	wg.Wait()
	if g.Len() != n {
		t.Fatalf("Len = %d, want %d", g.Len(), n)
	}
}

func BenchmarkSearch(b *testing.B) {
	g, _, queries := sharedGraph(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		g.Search(queries[i%len(queries)], 10, SearchOptions{Ef: 64})
		i++
	}
}

func BenchmarkAdd(b *testing.B) {
	data := clustered(3, 20000, sharedDim, 100)
	g := New(sharedDim, DefaultConfig())
	g.Reserve(len(data))
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == len(data) { // keep the graph size bounded: start over
			b.StopTimer()
			g, i = New(sharedDim, DefaultConfig()), 0
			b.StartTimer()
		}
		if err := g.Add(uint32(i), data[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// A selective Allow bitset sends Search to the quantized scan: it must
// return only allowed ids, with exact scores, and the exact top k (the
// rescored pool absorbs the quantization error). The same bitset with a
// FilterCount that claims most ids pass forces the filtered walk.
func TestAllowBitsetScanAndWalk(t *testing.T) {
	g, data, queries := sharedGraph(t)
	n := len(data)
	for _, sel := range []float64{0.01, 0.1, 0.5} {
		mod := int(1 / sel)
		allow := bitset.New(uint(n))
		for i := range n {
			if (i*7919)%mod == 0 {
				allow.Set(uint(i))
			}
		}
		pass := func(id uint32) bool { return allow.Test(uint(id)) }
		count := int(allow.Count())
		for _, fc := range []int{count, n} {
			hit, total := 0, 0
			for _, q := range queries[:50] {
				got := g.Search(q, 10, SearchOptions{Ef: 64, Allow: allow, FilterCount: fc})
				want := g.SearchExact(q, 10, pass)
				ids := map[uint32]bool{}
				for _, r := range got {
					if !pass(r.ID) {
						t.Fatalf("selectivity %v: id %d is not allowed", sel, r.ID)
					}
					if s := vec.Dot(q, data[r.ID]); math.Abs(float64(s-r.Score)) > 1e-5 {
						t.Fatalf("selectivity %v: id %d scored %v, exact %v", sel, r.ID, r.Score, s)
					}
					ids[r.ID] = true
				}
				for _, r := range want {
					if ids[r.ID] {
						hit++
					}
				}
				total += len(want)
			}
			rc := float64(hit) / float64(total)
			t.Logf("selectivity %.2f (%d allowed, FilterCount %d): recall@10 %.4f", sel, count, fc, rc)
			scanned := float64(fc) < exactFilterFrac*float64(n)
			if (scanned && rc < 0.999) || rc < 0.95 {
				t.Fatalf("selectivity %v, FilterCount %d: recall %.4f", sel, fc, rc)
			}
		}
	}
}

// A scan split across cores returns what the same scan on one core does.
func TestParallelScanMatchesSerial(t *testing.T) {
	g, data, queries := sharedGraph(t)
	n := len(data)
	defer func(v int) { parallelScanRows = v }(parallelScanRows)
	// Four workers whatever the machine: on one core the split would not
	// happen and the comparison would prove nothing.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, mod := range []int{3, 10, 97} {
		allow := bitset.New(uint(n))
		for i := 0; i < n; i += mod {
			allow.Set(uint(i))
		}
		sv := sieve{allow: allow}
		count := int(allow.Count())
		for _, q := range queries[:20] {
			parallelScanRows = 1 << 30
			serial := g.scan(q, 10, sv, count)
			parallelScanRows = 64 // every core, tiny parts
			par := g.scan(q, 10, sv, count)
			if !slices.Equal(serial, par) {
				t.Fatalf("1 in %d allowed: parallel %v, serial %v", mod, par, serial)
			}
		}
	}
}

// TestScoreIDs: ScoreIDs gives each live id its exact inner product, in
// chunks past the prefetch window, and -Inf to a deleted or unknown id.
func TestScoreIDs(t *testing.T) {
	vecs := clustered(7, 100, 8, 4)
	g := build(t, vecs, DefaultConfig())
	g.Delete(5)
	q := vecs[0]
	ids := []uint32{}
	for i := range uint32(100) {
		ids = append(ids, 99-i)
	}
	ids = append(ids, 500)
	out := make([]float32, len(ids))
	g.ScoreIDs(q, ids, out)
	for i, id := range ids {
		switch {
		case id == 5 || id == 500:
			if !math.IsInf(float64(out[i]), -1) {
				t.Errorf("id %d scored %v, want -Inf", id, out[i])
			}
		case math.Abs(float64(out[i]-dotF(q, vecs[id]))) > 1e-4:
			t.Errorf("id %d scored %v, want %v", id, out[i], dotF(q, vecs[id]))
		}
	}
}
