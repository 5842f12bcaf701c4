package hnsw

import (
	"bytes"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// clustered returns n unit vectors drawn from Gaussian clusters with both
// isotropic and low-rank noise: hard enough that a broken graph shows.
func clustered(seed uint64, n, dim, clusters int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	centers := make([][]float32, clusters)
	for i := range centers {
		centers[i] = randUnit(r, dim)
	}
	const rank = 8
	basis := make([][]float32, rank)
	for i := range basis {
		basis[i] = randUnit(r, dim)
	}
	out := make([][]float32, n)
	for i := range out {
		c := centers[r.IntN(clusters)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64()*0.6/math.Sqrt(float64(dim)))
		}
		for _, b := range basis {
			a := float32(r.NormFloat64() * 0.3)
			for j := range v {
				v[j] += a * b[j]
			}
		}
		normalize(v)
		out[i] = v
	}
	return out
}

func randUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for j := range v {
		v[j] = float32(r.NormFloat64())
	}
	normalize(v)
	return v
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for j := range v {
		v[j] *= inv
	}
}

func build(t testing.TB, data [][]float32, cfg Config) *Graph {
	t.Helper()
	g := New(len(data[0]), cfg)
	for i, v := range data {
		if err := g.Add(uint32(i), v); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// recall is |approx ∩ exact| / |exact| summed over queries.
func recall(g *Graph, queries [][]float32, k int, opt SearchOptions) float64 {
	hit, total := 0, 0
	for _, q := range queries {
		want := g.SearchExact(q, k, opt.Filter)
		got := g.Search(q, k, opt)
		set := make(map[uint32]bool, len(got))
		for _, r := range got {
			set[r.ID] = true
		}
		for _, r := range want {
			if set[r.ID] {
				hit++
			}
		}
		total += len(want)
	}
	if total == 0 {
		return 1
	}
	return float64(hit) / float64(total)
}

// shared is one 20k graph reused by read-only tests; mutating tests clone it
// through WriteTo/ReadFrom.
var shared struct {
	once    sync.Once
	g       *Graph
	data    [][]float32
	queries [][]float32
	blob    []byte
}

const sharedDim = 96

func sharedGraph(t testing.TB) (*Graph, [][]float32, [][]float32) {
	t.Helper()
	shared.once.Do(func() {
		n := 20000
		if raceEnabled {
			n = 4000
		}
		all := clustered(42, n+200, sharedDim, 100)
		shared.data, shared.queries = all[:n], all[n:]
		shared.g = build(t, shared.data, DefaultConfig())
		var buf bytes.Buffer
		if _, err := shared.g.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		shared.blob = buf.Bytes()
	})
	if shared.g == nil {
		t.Fatal("shared graph build failed")
	}
	return shared.g, shared.data, shared.queries
}

// cloneShared returns a private copy of the shared graph.
func cloneShared(t testing.TB) (*Graph, [][]float32, [][]float32) {
	t.Helper()
	_, data, queries := sharedGraph(t)
	g, err := ReadFrom(bytes.NewReader(shared.blob))
	if err != nil {
		t.Fatal(err)
	}
	return g, data, queries
}
