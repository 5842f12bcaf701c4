package hnsw

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// BatchOptions tune AddBatchWith.
type BatchOptions struct {
	// Workers is how many goroutines insert (0 or less: GOMAXPROCS).
	Workers int
	// Yield, when set, is called by every worker before each graph
	// operation (an insert or a relink) and once before the batch's
	// vectors are written, never with a lock of the graph's held. It may
	// block: a caller whose searches matter more than the batch's speed
	// waits in it while searches run (Tessera's collection does, see
	// index/priority.go).
	Yield func()
}

// AddBatch inserts vecs[i] under ids[i] for every i using workers goroutines
// (0 or less means GOMAXPROCS): AddBatchWith with only Workers set.
func (g *Graph) AddBatch(ids []uint32, vecs [][]float32, workers int) error {
	return g.AddBatchWith(ids, vecs, BatchOptions{Workers: workers})
}

// AddBatchWith inserts vecs[i] under ids[i] for every i, with the same
// per-id semantics as Add. When an id appears more than once, its last
// vector wins, as it would with sequential Adds. Every vector is checked before anything is inserted, so
// a bad batch changes nothing. Searches may run while it works.
//
// Workers pick ids in batch order; each insert links against whatever the
// graph holds at that moment, as in hnswlib's parallel build, so the graph
// differs from a sequential build's but has the same quality.
func (g *Graph) AddBatchWith(ids []uint32, vecs [][]float32, opt BatchOptions) error {
	if len(ids) != len(vecs) {
		return fmt.Errorf("hnsw: add batch: %d ids but %d vectors", len(ids), len(vecs))
	}
	if len(ids) == 0 {
		return nil
	}
	maxID := uint32(0)
	for i, v := range vecs {
		if len(v) != g.dim {
			return fmt.Errorf("hnsw: add batch: item %d (id %d): vector has %d dims, graph has %d", i, ids[i], len(v), g.dim)
		}
		if ids[i] == noID {
			return fmt.Errorf("hnsw: add batch: item %d: id %d is reserved", i, ids[i])
		}
		maxID = max(maxID, ids[i])
	}
	// Last occurrence wins: walk backwards, skipping ids already seen.
	seen := make([]uint64, int(maxID)/64+1)
	skip := make([]bool, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		w, bit := ids[i]/64, uint64(1)<<(ids[i]%64)
		skip[i] = seen[w]&bit != 0
		seen[w] |= bit
	}
	g.grow(int(maxID) + 1)
	yield := opt.Yield
	if yield == nil {
		yield = func() {}
	}
	yield()
	// Existing ids get their new vectors in one hold of the write lock;
	// the workers then relink them (or insert the new ids) alongside
	// searches.
	done := g.replace(ids, vecs, skip)

	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(ids))
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		err     error
	)
	work := func() {
		defer wg.Done()
		for {
			i := int(next.Add(1) - 1)
			if i >= len(ids) {
				return
			}
			switch done[i] {
			case replacedNudged, replacedDone:
				continue
			case replacedRelink, replacedRelinkLocal:
				yield()
				g.relinkShared(ids[i], done[i])
				continue
			}
			if skip[i] {
				continue
			}
			yield()
			if e := g.Add(ids[i], vecs[i]); e != nil {
				errOnce.Do(func() { err = fmt.Errorf("hnsw: add batch: item %d: %w", i, e) })
				return
			}
		}
	}
	wg.Add(workers)
	for range workers - 1 {
		go work()
	}
	work()
	wg.Wait()
	return err
}
