package hnsw

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/internal/vec"
)

// SearchOptions tunes one Search call.
type SearchOptions struct {
	// Ef is the candidate-list size; 0 uses Config.EfSearch. It is raised to
	// k when smaller.
	Ef int
	// Filter, when set, restricts results to ids for which it returns true.
	// It is called while the graph's read lock is held, so it must not call
	// the graph's write methods.
	Filter func(id uint32) bool
	// Allow, when set, restricts results to ids whose bit is set (and
	// that pass Filter, when both are set). A scan visits only Allow's set
	// bits, so a selective Allow costs nothing per excluded id.
	Allow *bitset.BitSet
	// FilterCount estimates how many ids pass Filter and Allow; -1 (or 0
	// with a Filter) means unknown, and the graph estimates it by
	// sampling.
	FilterCount int
	// Rerank is the size of the candidate pool collected before the top k are
	// returned (a floor on Ef). The graph keeps full-precision vectors, so
	// every pooled candidate is already scored exactly; a large pool is what
	// keeps recall up for reweighted queries (see EfForWeights).
	Rerank int
	// Exact answers by scanning every passing row instead of walking the
	// graph (on an inner-product graph: the rows' byte codes, the best
	// re-scored exactly), for queries a walk would answer poorly.
	Exact bool
}

const (
	// exactBelow: graphs with fewer live vectors are scanned exactly, which
	// is both faster and perfectly accurate at that size.
	exactBelow = 2000
	// exactFilterRows / exactFilterFrac: a filter passing fewer rows than
	// either bound is answered by an exact scan, because a graph walk would
	// have to visit about ef/selectivity nodes to find enough matches.
	// Measured at 100k×476 (tessera-bench query, filtered queries): 15 %
	// cut the filtered p99 from 32 ms to 10 ms against 2 %. Re-measured
	// with typed columns: at 13 % (one category) a walk took 6–9 ms, the
	// float scan 3.5 ms (1.3–1.9 ms with column bitsets and int8 codes);
	// at 1M rows 77–102 ms against 14–18 ms. So 15 % stays.
	exactFilterRows = 2000
	exactFilterFrac = 0.15
	// scanFilterMax caps the rows a filter's scan visits: above it the
	// walk over passing rows (searchLayer0From) is cheaper, where it
	// applies (seededWalk). Measured at 1M×476 (tessera-bench scale,
	// busy 2-core machine, back to back): filters passing 11 % (110k
	// rows) took 47 ms p50 scanned, 5.8 ms walked.
	scanFilterMax = 32 << 10
	// filterSamples is how many slots are probed to estimate selectivity.
	filterSamples = 512
)

// Search returns up to k live ids with the highest scores for q, sorted by
// descending score. It is safe to call concurrently with inserts and deletes.
func (g *Graph) Search(q []float32, k int, opt SearchOptions) []Result {
	if k <= 0 || len(q) != g.dim {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	entry, top := g.entry()
	if g.live.Load() == 0 {
		return nil
	}
	sv := sieve{allow: opt.Allow, filter: opt.Filter}
	if top < 0 || g.live.Load() < exactBelow {
		return g.exact(q, k, sv)
	}
	if opt.Exact {
		passing := opt.FilterCount
		if passing <= 0 {
			passing = int(g.live.Load())
		}
		return g.scan(q, k, sv, passing)
	}
	if scan, passing := g.useScan(opt, sv); scan {
		return g.scan(q, k, sv, passing)
	}
	ef := opt.Ef
	if ef <= 0 {
		ef = g.cfg.EfSearch
	}
	ef = max(ef, k, opt.Rerank)

	b := g.pool.Get().(*searchBuf)
	defer g.pool.Put(b)
	ep := cand{id: entry, score: g.score(q, entry)}
	for l := top; l > 0; l-- {
		ep = g.greedy(b, q, ep, l)
	}
	filter := sv.walkFilter()
	filtered := filter != nil || g.deleted.Load() > 0
	// Counted, not estimated (a popcount: microseconds at 1M rows): a
	// walk over too few passing rows would lose them.
	if sv.allow != nil && g.seededWalk(int(sv.allow.Count())) {
		// Twice the breadth: the walk over passing rows visits a few
		// times fewer nodes than the plain one, and at ef 64 it found
		// 0.96 of the filtered top 10 (TestSeededWalkFindsAFarFilter),
		// at 128 0.98–0.99 for 1.6× the nodes (723 → 1,154 at 10 %,
		// where the plain walk visits 8,205).
		g.searchLayer0From(b, q, append(g.filterSeeds(b, q, sv), ep), 2*ef, filter)
	} else {
		g.searchLayer(b, q, ep, ef, 0, filter, filtered, noID)
	}
	b.sorted = b.res.drainDesc(b.sorted[:0])
	if len(b.sorted) < k && int64(len(b.sorted)) < g.live.Load() {
		// The walk ran out of reachable matches (a very selective filter or
		// a region cut off by deletes): only a scan can prove the answer.
		return g.scan(q, k, sv, 0)
	}
	return results(b.sorted, k)
}

// useScan decides between the graph walk and a scan of the rows a filter
// passes, and returns its estimate of how many pass.
func (g *Graph) useScan(opt SearchOptions, sv sieve) (bool, int) {
	live := g.live.Load()
	if sv.none() {
		return false, int(live)
	}
	est := opt.FilterCount
	if est < 0 || (est == 0 && opt.Allow == nil) {
		est = g.estimatePassing(sv.pass)
	}
	small := float64(est) < exactFilterFrac*float64(live) && (est < scanFilterMax || !g.seededWalk(est))
	return est < exactFilterRows || small, est
}

// estimatePassing samples evenly spaced slots to estimate how many live ids
// pass filter.
func (g *Graph) estimatePassing(filter func(uint32) bool) int {
	n := len(g.state)
	step := max(1, n/filterSamples)
	seen, pass := 0, 0
	for i := step / 2; i < n; i += step {
		if g.stateOf(uint32(i)) != slotLive {
			continue
		}
		seen++
		if filter(uint32(i)) {
			pass++
		}
	}
	if seen == 0 {
		return 0
	}
	return int(float64(pass) / float64(seen) * float64(g.live.Load()))
}

// SearchExact scans every live vector (filtered when filter is set) and
// returns the exact top k by descending score.
func (g *Graph) SearchExact(q []float32, k int, filter func(id uint32) bool) []Result {
	if k <= 0 || len(q) != g.dim {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.exact(q, k, sieve{filter: filter})
}

func (g *Graph) exact(q []float32, k int, sv sieve) []Result {
	b := g.pool.Get().(*searchBuf)
	defer g.pool.Put(b)
	b.res = b.res[:0]
	sc := b.scores(exactChunk)
	g.eachPassing(b, sv, 0, len(g.state), func(ids []uint32) {
		g.prefetch(ids)
		g.scoreMany(q, ids, sc)
		for j, id := range ids {
			b.res.keep(cand{id: id, score: sc[j]}, k)
		}
	})
	b.sorted = b.res.drainDesc(b.sorted[:0])
	return results(b.sorted, k)
}

// scan answers a search whose filter passes few rows by scoring every
// passing row. An inner-product graph scores the rows' byte codes (a
// quarter of the memory of their vectors) and rescores the best
// 4k+scanRerank candidates exactly, so the results carry exact scores and
// the pool absorbs the quantization error (TestAllowBitsetScanAndWalk
// checks the top k against an exact scan).
func (g *Graph) scan(q []float32, k int, sv sieve, passing int) []Result {
	if !g.quantized() {
		return g.exact(q, k, sv)
	}
	pool := 4*k + scanRerank
	// A large scan splits the id range across cores, each part keeping its
	// own candidate pool; the pools are merged and rescored below.
	workers := 1
	if passing >= parallelScanRows {
		workers = min(runtime.GOMAXPROCS(0), passing/(parallelScanRows/2))
	}
	n := len(g.state)
	per := (n + workers - 1) / workers
	bufs := make([]*searchBuf, workers)
	var wg sync.WaitGroup
	for w := range bufs {
		b := g.pool.Get().(*searchBuf)
		defer g.pool.Put(b)
		bufs[w] = b
		lo, hi := min(w*per, n), min((w+1)*per, n)
		if w == len(bufs)-1 {
			g.scanRange(b, q, sv, pool, lo, hi)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.scanRange(b, q, sv, pool, lo, hi)
		}()
	}
	wg.Wait()
	all := bufs[0].sorted[:0]
	for _, b := range bufs {
		all = append(all, b.res...)
	}
	for i := range all {
		all[i].score = g.score(q, all[i].id)
	}
	slices.SortFunc(all, func(x, y cand) int { return cmp.Compare(y.score, x.score) })
	bufs[0].sorted = all
	return results(all, k)
}

// scanRange keeps in b.res the pool passing ids in [lo, hi) that score
// best on their byte codes.
func (g *Graph) scanRange(b *searchBuf, q []float32, sv sieve, pool, lo, hi int) {
	b.res = b.res[:0]
	base := unsafe.Pointer(unsafe.SliceData(g.codes))
	g.eachPassing(b, sv, lo, hi, func(ids []uint32) {
		prefetchVecs(base, ids[:min(len(ids), scanAhead)], uintptr(g.dim), uintptr(g.dim))
		for j, id := range ids {
			if j+scanAhead < len(ids) {
				prefetchVecs(base, ids[j+scanAhead:j+scanAhead+1], uintptr(g.dim), uintptr(g.dim))
			}
			b.res.keep(cand{id: id, score: g.scales[id] * vec.DotInt8(q, g.code(id))}, pool)
		}
	})
}

// parallelScanRows is how many passing rows make a scan worth splitting
// across cores: below it, starting goroutines costs more than it saves.
var parallelScanRows = 32 << 10

// scanAhead is how many rows ahead of the kernel a scan prefetches.
const scanAhead = 4

// scanRerank is how many candidates beyond 4k a quantized scan rescores.
const scanRerank = 64

// exactChunk is how many passing ids a scan gathers before scoring them:
// their rows are prefetched together, so the cache misses of a sparse
// (filtered) scan overlap instead of each stalling the kernel. Measured at
// 100k×476 with 12 % passing: 3.7 ms → 2.6 ms per float scan.
const exactChunk = 32

// eachPassing calls fn with the live ids in [lo, hi) that pass sv, in id
// order, exactChunk at a time.
func (g *Graph) eachPassing(b *searchBuf, sv sieve, lo, hi int, fn func(ids []uint32)) {
	ids := b.nbr[:0]
	add := func(id uint32) {
		if g.stateOf(id) != slotLive || (sv.filter != nil && !sv.filter(id)) {
			return
		}
		if ids = append(ids, id); len(ids) == exactChunk {
			fn(ids)
			ids = ids[:0]
		}
	}
	if sv.allow == nil {
		for i := lo; i < hi; i++ {
			add(uint32(i))
		}
	} else if lo < hi {
		if cap(b.bits) < 256 {
			b.bits = make([]uint, 256)
		}
		n := uint(hi)
		for i, set := sv.allow.NextSetMany(uint(lo), b.bits[:256]); len(set) > 0; i, set = sv.allow.NextSetMany(i+1, set) {
			for _, x := range set {
				if x >= n {
					break
				}
				add(uint32(x))
			}
			if set[len(set)-1] >= n {
				break
			}
		}
	}
	if len(ids) > 0 {
		fn(ids)
	}
	b.nbr = ids
}

// sieve is what a search may return: ids that pass filter and, when allow
// is set, have their bit set.
type sieve struct {
	allow  *bitset.BitSet
	filter func(uint32) bool
}

func (s sieve) none() bool { return s.allow == nil && s.filter == nil }

func (s sieve) pass(id uint32) bool {
	return (s.allow == nil || s.allow.Test(uint(id))) && (s.filter == nil || s.filter(id))
}

// walkFilter is the per-id test a graph walk applies (nil: none).
func (s sieve) walkFilter() func(uint32) bool {
	if s.allow == nil {
		return s.filter
	}
	return s.pass
}

// results copies the best k candidates out of the pooled buffer.
func results(sorted []cand, k int) []Result {
	out := make([]Result, min(k, len(sorted)))
	for i := range out {
		out[i] = Result{ID: sorted[i].id, Score: sorted[i].score}
	}
	return out
}
