// Package hnsw is Tessera's approximate nearest-neighbour index: a
// Hierarchical Navigable Small World graph (Malkov & Yashunin) over dense
// uint32 ids, with flat contiguous storage for vectors and links.
//
// Ids are slots chosen by the caller: keep them dense (0..n-1), because
// storage is sized by the largest id. Scores are "higher is closer": the
// inner product for [InnerProduct] and the negated squared Euclidean distance
// for [L2].
//
// Concurrency: any number of goroutines may call Search, SearchExact, Vector
// and Len while one goroutine at a time calls Add, Delete or Compact (a
// read/write lock serialises writers against readers).
package hnsw

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/tessera-search/tessera/index/vec"
)

// Metric selects how vectors are compared.
type Metric uint8

const (
	// InnerProduct scores by dot product; use it for normalised vectors
	// (cosine) and for Tessera's weighted multi-space vectors.
	InnerProduct Metric = iota
	// L2 scores by negated squared Euclidean distance (e.g. SIFT).
	L2
)

// String names the metric for logs and errors.
func (m Metric) String() string {
	switch m {
	case InnerProduct:
		return "ip"
	case L2:
		return "l2"
	}
	return fmt.Sprintf("metric(%d)", uint8(m))
}

// Config holds the graph's construction and search parameters.
type Config struct {
	// M is the number of links per node on upper layers; layer 0 keeps 2*M.
	M int
	// EfConstruction is the candidate-list size used while inserting.
	EfConstruction int
	// EfSearch is the default candidate-list size for Search.
	EfSearch int
	// Seed makes level assignment reproducible.
	Seed int64
	// Metric is the similarity; the zero value is InnerProduct.
	Metric Metric
}

// DefaultConfig returns M=16, EfConstruction=200, EfSearch=64, inner product.
func DefaultConfig() Config {
	return Config{M: 16, EfConstruction: 200, EfSearch: 64, Seed: 1}
}

// Result is one search hit.
type Result struct {
	ID    uint32
	Score float32
}

const (
	slotEmpty   uint8 = 0
	slotLive    uint8 = 1
	slotDeleted uint8 = 2 // tombstone: routes searches, never returned

	maxLevel = 16
	noID     = math.MaxUint32
)

// Graph is an HNSW index. The zero value is not usable; call New.
type Graph struct {
	mu  sync.RWMutex
	dim int
	cfg Config
	m0  int // links kept on layer 0

	vecs   []float32  // slot*dim .. (slot+1)*dim
	state  []uint8    // slotEmpty / slotLive / slotDeleted
	level  []uint8    // top layer of each node
	links0 []uint32   // per slot: [count, m0 links]
	upper  [][]uint32 // per slot with level>0: level blocks of [count, M links]

	entry    uint32
	top      int // level of entry; -1 when empty
	live     int
	deleted  int
	rng      *rand.Rand
	levelMul float64

	wbuf searchBuf // writer's scratch, guarded by mu (write)
	pool sync.Pool // *searchBuf for readers
}

// New returns an empty graph for vectors of dimension dim. Non-positive
// config values are replaced by DefaultConfig's.
func New(dim int, cfg Config) *Graph {
	def := DefaultConfig()
	if cfg.M <= 1 {
		cfg.M = def.M
	}
	if cfg.EfConstruction <= 0 {
		cfg.EfConstruction = def.EfConstruction
	}
	if cfg.EfSearch <= 0 {
		cfg.EfSearch = def.EfSearch
	}
	g := &Graph{dim: dim, cfg: cfg, m0: 2 * cfg.M, top: -1}
	g.levelMul = 1 / math.Log(float64(cfg.M))
	g.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	g.pool.New = func() any { return new(searchBuf) }
	return g
}

// Dim returns the vector dimension.
func (g *Graph) Dim() int { return g.dim }

// Config returns the parameters the graph was built with.
func (g *Graph) Config() Config { return g.cfg }

// Len returns the number of live (not deleted) vectors.
func (g *Graph) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.live
}

// Tombstones returns the number of deleted ids still used for routing.
func (g *Graph) Tombstones() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.deleted
}

// Vector returns a copy of id's vector, or nil when id is not live.
func (g *Graph) Vector(id uint32) []float32 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if int(id) >= len(g.state) || g.state[id] != slotLive {
		return nil
	}
	out := make([]float32, g.dim)
	copy(out, g.vec(id))
	return out
}

// Reserve grows storage to hold ids below n without further reallocation;
// call it before a bulk load to avoid append's over-allocation.
func (g *Graph) Reserve(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reserve(n, true)
}

// MemoryBytes returns the bytes held by vectors, links and per-slot state
// (capacity, not length), for capacity planning and benchmarks.
func (g *Graph) MemoryBytes() int64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	b := int64(cap(g.vecs))*4 + int64(cap(g.links0))*4 + int64(cap(g.state)) + int64(cap(g.level)) + int64(cap(g.upper))*24
	for _, u := range g.upper {
		b += int64(cap(u)) * 4
	}
	return b
}

func (g *Graph) vec(id uint32) []float32 {
	o := int(id) * g.dim
	return g.vecs[o : o+g.dim : o+g.dim]
}

// score compares a query with a stored node.
func (g *Graph) score(q []float32, id uint32) float32 {
	if g.cfg.Metric == L2 {
		return -vec.L2Sq(q, g.vec(id))
	}
	return vec.Dot(q, g.vec(id))
}

// links returns id's link block on layer l: [count, links...].
func (g *Graph) links(id uint32, l int) []uint32 {
	if l == 0 {
		o := int(id) * (g.m0 + 1)
		return g.links0[o : o+g.m0+1 : o+g.m0+1]
	}
	o := (l - 1) * (g.cfg.M + 1)
	return g.upper[id][o : o+g.cfg.M+1 : o+g.cfg.M+1]
}

// reserve makes room for n slots. exact avoids append's geometric growth.
func (g *Graph) reserve(n int, exact bool) {
	if n <= cap(g.state) {
		return
	}
	c := n
	if !exact {
		c = max(n, len(g.state)+len(g.state)/4+16)
	}
	if cap(g.state) < c {
		g.state = growTo(g.state, c)
		g.level = growTo(g.level, c)
		g.upper = growTo(g.upper, c)
		g.vecs = growTo(g.vecs, c*g.dim)
		g.links0 = growTo(g.links0, c*(g.m0+1))
	}
}

// growTo returns s with capacity at least c and unchanged length.
func growTo[T any](s []T, c int) []T {
	if cap(s) >= c {
		return s
	}
	ns := make([]T, len(s), c)
	copy(ns, s)
	return ns
}

// extend sets the slot count to n (n > len(state)), zero-filling new slots.
func (g *Graph) extend(n int) {
	g.reserve(n, false)
	old := len(g.state)
	g.state = g.state[:n]
	g.level = g.level[:n]
	g.upper = g.upper[:n]
	g.vecs = g.vecs[:n*g.dim]
	g.links0 = g.links0[:n*(g.m0+1)]
	clear(g.state[old:])
	clear(g.level[old:])
	clear(g.upper[old:])
	clear(g.vecs[old*g.dim:])
	clear(g.links0[old*(g.m0+1):])
}

func (g *Graph) randomLevel() int {
	l := int(-math.Log(1-g.rng.Float64()) * g.levelMul)
	return min(l, maxLevel-1)
}
