package index

import (
	"sort"
	"time"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/internal/vec"
)

// buildBatch is how many pending vectors the builder inserts per round;
// between rounds it takes the collection lock only briefly.
const buildBatch = 1024

// Pending is the number of documents whose vectors are searchable by exact
// scan but not yet in the graph.
func (c *Collection) Pending() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.pending)
}

// WaitIndexed blocks until every pending vector is in the graph or the
// timeout passes, and reports whether it got there.
func (c *Collection) WaitIndexed(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for c.Pending() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		c.wakeBuilder()
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func (c *Collection) wakeBuilder() {
	select {
	case c.buildWake <- struct{}{}:
	default:
	}
}

// buildLoop inserts pending vectors into the graph until Close.
func (c *Collection) buildLoop() {
	defer close(c.buildDone)
	for {
		select {
		case <-c.buildStop:
			return
		case <-c.buildWake:
		}
		for {
			select {
			case <-c.buildStop:
				return
			default:
			}
			if c.refreshing.Load() > 0 {
				// A refresh (at start-up) finishes first: inserts
				// would contend with it for both locks: a 1M-row
				// refresh took 4.8 s with 44k vectors pending, 1.6 s
				// with none, and 1.7 s with 50k pending once the
				// builder waited (tessera-bench startup).
				select {
				case <-c.buildStop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				continue
			}
			if c.buildRound() == 0 {
				break
			}
			// Yield to a busy writer: while batches keep arriving, insert
			// at most every other moment, so bulk ingestion keeps a core.
			if time.Since(time.Unix(0, c.lastApply.Load())) < 20*time.Millisecond {
				select {
				case <-c.buildStop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	}
}

type pendingVec struct {
	slot uint32
	vec  []float32
}

// buildRound inserts up to buildBatch pending vectors, in slot order, and
// returns how many it took.
func (c *Collection) buildRound() int {
	c.buildRoundMu.Lock()
	defer c.buildRoundMu.Unlock()
	c.mu.RLock()
	pending := len(c.pending)
	batch := make([]pendingVec, 0, min(pending, buildBatch))
	for s, v := range c.pending {
		batch = append(batch, pendingVec{s, v})
		if len(batch) == buildBatch {
			break
		}
	}
	c.mu.RUnlock()
	if len(batch) == 0 {
		return 0
	}
	sort.Slice(batch, func(i, j int) bool { return batch[i].slot < batch[j].slot })
	ids := make([]uint32, len(batch))
	vecs := make([][]float32, len(batch))
	for i, p := range batch {
		ids[i], vecs[i] = p.slot, p.vec
	}
	// All cores when writers are quiet; one while they are busy.
	opt := hnsw.BatchOptions{}
	if time.Since(time.Unix(0, c.lastApply.Load())) < 100*time.Millisecond {
		opt.Workers = 1
	}
	// Searches go first while the pending rows they scan are few, and
	// while writers are busy the builder works in slices (priority.go).
	if pending <= searchYieldPending {
		opt.Yield = c.yieldToSearches
		if opt.Workers == 1 && c.searches.servedRecently() {
			opt.Yield = c.yieldInSlices()
		}
	}
	if err := c.graph.AddBatchWith(ids, vecs, opt); err != nil {
		c.log.Error("graph insert failed", "vectors", len(ids), "err", err)
	}
	var gone []uint32
	c.lockForWrite()
	for _, p := range batch {
		// A newer vector for the slot may have arrived meanwhile: it stays
		// pending for the next round.
		if cur, ok := c.pending[p.slot]; ok && len(cur) > 0 && len(p.vec) > 0 && &cur[0] == &p.vec[0] {
			delete(c.pending, p.slot)
		}
		if c.ids[p.slot] == "" {
			gone = append(gone, p.slot) // deleted while we inserted it
		}
	}
	c.unlockWrite()
	for _, s := range gone {
		c.graph.Delete(s)
	}
	return len(batch)
}

// scanPending scores the pending vectors that pass filter; c.mu must be
// held.
func (c *Collection) scanPending(q []float32, k int, filter func(uint32) bool) []hnsw.Result {
	top := newBestK(k)
	for s, v := range c.pending {
		if filter(s) {
			top.offer(s, vec.Dot(q, v))
		}
	}
	return top.res
}

// mergeTop merges two best-first result lists into the best k.
func mergeTop(a, b []hnsw.Result, k int) []hnsw.Result {
	out := make([]hnsw.Result, 0, min(k, len(a)+len(b)))
	for len(out) < k && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && a[0].Score >= b[0].Score) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}
