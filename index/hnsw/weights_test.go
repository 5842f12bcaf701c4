package hnsw

import (
	"math/rand/v2"
	"testing"
)

// TestReweightedQueries builds on unit-weight vectors made of 5 segments
// and queries with segments scaled by random weights in [0,5]: with
// EfForWeights the recall stays within 2 points of unweighted queries.
func TestReweightedQueries(t *testing.T) {
	const segs, segDim = 5, 16
	n := 20000
	if raceEnabled {
		n = 4000
	}
	// Each segment is an independent clustered space, scaled so the whole
	// vector has unit norm.
	parts := make([][][]float32, segs)
	for s := range parts {
		parts[s] = clustered(uint64(100+s), n+100, segDim, 30)
	}
	join := func(i int) []float32 {
		v := make([]float32, 0, segs*segDim)
		for s := range segs {
			for _, x := range parts[s][i] {
				v = append(v, x*0.4472136) // 1/sqrt(5)
			}
		}
		return v
	}
	g := New(segs*segDim, DefaultConfig())
	for i := range n {
		if err := g.Add(uint32(i), join(i)); err != nil {
			t.Fatal(err)
		}
	}
	queries := make([][]float32, 100)
	for i := range queries {
		queries[i] = join(n + i)
	}
	const base = 64
	plain := recall(g, queries, 10, SearchOptions{Ef: base})

	r := rand.New(rand.NewPCG(4, 4))
	hit, fixed := 0.0, 0.0
	for i, q := range queries {
		w := make([]float64, segs)
		for s := range w {
			w[s] = r.Float64() * 5
		}
		if i%4 == 0 { // some queries lean on a single space
			for s := range w {
				w[s] = 0
			}
			w[i%segs] = 5
		}
		wq := make([]float32, len(q))
		for j := range q {
			wq[j] = q[j] * float32(w[j/segDim])
		}
		hit += recall(g, [][]float32{wq}, 10, SearchOptions{Ef: EfForWeights(base, w)})
		fixed += recall(g, [][]float32{wq}, 10, SearchOptions{Ef: base})
	}
	weighted := hit / float64(len(queries))
	t.Logf("recall@10: unweighted ef=%d %.4f, weighted with EfForWeights %.4f, weighted fixed ef %.4f",
		base, plain, weighted, fixed/float64(len(queries)))
	if weighted < plain-0.02 {
		t.Fatalf("weighted recall %.4f more than 2 points below unweighted %.4f", weighted, plain)
	}
}

func TestEfForWeights(t *testing.T) {
	cases := []struct {
		w    []float64
		want int
	}{
		{[]float64{1, 1, 1, 1, 1}, 64},
		{[]float64{3, 3, 3}, 64},
		{nil, 64},
		{[]float64{0, 0}, 64},
		{[]float64{5, 0, 0, 0, 0}, 64 * 16}, // (5/1)² = 25, capped at 16
		{[]float64{1, 0}, 64 * 4},
		{[]float64{1, 1, -1, 1, 1}, 64 * 4},  // a negated space: at least 4×
		{[]float64{5, 0, 0, 0, -1}, 64 * 16}, // still capped
	}
	for _, c := range cases {
		if got := EfForWeights(64, c.w); got != c.want {
			t.Errorf("EfForWeights(64, %v) = %d, want %d", c.w, got, c.want)
		}
	}
	if a, b := EfForWeights(64, []float64{1, 2, 1, 1, 1}), EfForWeights(64, []float64{1, 5, 0, 1, 1}); !(64 < a && a < b) {
		t.Errorf("ef should grow with non-uniformity: %d, %d", a, b)
	}
}
