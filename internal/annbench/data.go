// Package annbench measures Tessera's HNSW index (and, for comparison,
// coder/hnsw) on synthetic clustered vectors or TEXMEX files: recall@10
// against exact search, single-thread QPS and latency, allocations per
// query, build rate, memory per vector and save/load throughput.
package annbench

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/tessera-search/tessera/internal/texmex"
	"github.com/tessera-search/tessera/internal/vec"
)

// Synthetic returns n+queries unit vectors drawn from many Gaussian clusters
// (about one per 200 vectors). Each vector is its cluster's centre plus
// isotropic noise plus noise along the cluster's own 8-dimensional subspace
// (low-rank), then normalised — the shape of real embedding data, where
// naive graph searches get trapped inside clusters.
func Synthetic(n, queries, dim int, seed int64) (base, query texmex.Matrix) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	clusters := max(16, n/200)
	const rank = 8
	centres := make([][]float32, clusters)
	bases := make([][]float32, clusters*rank)
	for c := range centres {
		centres[c] = unit(r, dim)
		for k := range rank {
			bases[c*rank+k] = unit(r, dim)
		}
	}
	gen := func(rows int) texmex.Matrix {
		m := texmex.Matrix{Dim: dim, Data: make([]float32, rows*dim)}
		iso := 0.5 / math.Sqrt(float64(dim))
		for i := range rows {
			v := m.Row(i)
			c := r.IntN(clusters)
			copy(v, centres[c])
			for j := range v {
				v[j] += float32(r.NormFloat64() * iso)
			}
			for k := range rank {
				a := float32(r.NormFloat64() * 0.25)
				for j, b := range bases[c*rank+k] {
					v[j] += a * b
				}
			}
			normalize(v)
		}
		return m
	}
	return gen(n), gen(queries)
}

func unit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for j := range v {
		v[j] = float32(r.NormFloat64())
	}
	normalize(v)
	return v
}

func normalize(v []float32) {
	s := vec.Dot(v, v)
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(float64(s)))
	for j := range v {
		v[j] *= inv
	}
}

// scorer returns "higher is closer" for the metric.
func scorer(l2 bool) func(a, b []float32) float32 {
	if l2 {
		return func(a, b []float32) float32 { return -vec.L2Sq(a, b) }
	}
	return vec.Dot
}

type scored struct {
	id    int32
	score float32
}

type topK []scored

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].score < h[j].score }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *topK) Pop() any          { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

// ExactTopK returns, for each query, the ids (firstID + row) of its k best
// base rows by brute force, in parallel over all CPUs.
func ExactTopK(base, queries texmex.Matrix, k int, l2 bool, firstID int) texmex.IntMatrix {
	out := texmex.IntMatrix{Dim: k, Data: make([]int32, queries.Rows()*k)}
	score := scorer(l2)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := make(topK, 0, k+1)
			for qi := range next {
				q := queries.Row(qi)
				h = h[:0]
				for i := range base.Rows() {
					s := score(q, base.Row(i))
					if len(h) < k {
						heap.Push(&h, scored{int32(i + firstID), s})
					} else if s > h[0].score {
						h[0] = scored{int32(i + firstID), s}
						heap.Fix(&h, 0)
					}
				}
				row := out.Row(qi)
				for j := len(h) - 1; j >= 0; j-- {
					row[j] = heap.Pop(&h).(scored).id
				}
			}
		}()
	}
	for qi := range queries.Rows() {
		next <- qi
	}
	close(next)
	wg.Wait()
	return out
}

// Sets of synthetic vectors.
const (
	SetClustered   = "clustered"   // Synthetic: many tight clusters
	SetAnisotropic = "anisotropic" // Anisotropic: one low-rank cloud, decaying spectrum
)

// Anisotropic returns n+queries unit vectors from one Gaussian cloud whose
// variance lies mostly in a low-rank subspace with a decaying spectrum
// (component k has standard deviation 1/√(k+1) over 64 components), plus
// isotropic noise. There are no clusters to fall into, neighbours are
// nearly as far as non-neighbours in the noise dimensions, and queries are
// drawn independently of the base: graph search needs a much larger ef for
// the same recall than on Synthetic's clusters, which is what separates
// one engine from another (on the clusters every engine reaches 0.97 at
// ef 16).
func Anisotropic(n, queries, dim int, seed int64) (base, query texmex.Matrix) {
	r := rand.New(rand.NewPCG(uint64(seed), 0xa150))
	rank := min(64, dim)
	bases := make([][]float32, rank)
	for k := range bases {
		bases[k] = unit(r, dim)
	}
	iso := 0.35 / math.Sqrt(float64(dim))
	gen := func(rows int) texmex.Matrix {
		m := texmex.Matrix{Dim: dim, Data: make([]float32, rows*dim)}
		for i := range rows {
			v := m.Row(i)
			for j := range v {
				v[j] = float32(r.NormFloat64() * iso)
			}
			for k, b := range bases {
				a := float32(r.NormFloat64() / math.Sqrt(float64(k+1)))
				for j, x := range b {
					v[j] += a * x
				}
			}
			normalize(v)
		}
		return m
	}
	return gen(n), gen(queries)
}
