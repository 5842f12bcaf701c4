package index

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// waitBuckets is the number of power-of-two microsecond buckets of a
// waitHistogram: bucket i counts durations below 2^i µs (the last one
// everything longer, from 2^(waitBuckets-2) µs ≈ 0.5 s on).
const waitBuckets = 21

// waitHistogram counts durations in power-of-two microsecond buckets,
// lock-free: a search adds to it on every call.
type waitHistogram struct {
	counts [waitBuckets]atomic.Int64
	total  atomic.Int64 // nanoseconds
}

func (h *waitHistogram) add(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	h.counts[min(bits.Len64(us), waitBuckets-1)].Add(1)
	h.total.Add(int64(d))
}

func (h *waitHistogram) read() WaitHistogram {
	var out WaitHistogram
	for i := range out.Counts {
		out.Counts[i] = h.counts[i].Load()
	}
	out.Total = time.Duration(h.total.Load())
	return out
}

// WaitHistogram is a cumulative histogram of durations: Counts[i] is how
// many were shorter than 2^i µs and not shorter than 2^(i-1) µs (Counts[0]:
// under 1 µs); the last bucket holds everything longer.
type WaitHistogram struct {
	Counts [waitBuckets]int64
	Total  time.Duration
}

// N is how many durations the histogram holds.
func (h WaitHistogram) N() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Since subtracts an earlier reading of the same histogram.
func (h WaitHistogram) Since(prev WaitHistogram) WaitHistogram {
	out := WaitHistogram{Total: h.Total - prev.Total}
	for i := range out.Counts {
		out.Counts[i] = h.Counts[i] - prev.Counts[i]
	}
	return out
}

// Quantile is the upper bound of the bucket holding quantile q (0 when
// the histogram is empty): a power of two microseconds, so it can be up
// to twice the true value.
func (h WaitHistogram) Quantile(q float64) time.Duration {
	n := h.N()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.999999)
	var seen int64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			return time.Duration(1<<i) * time.Microsecond
		}
	}
	return time.Duration(1<<(waitBuckets-1)) * time.Microsecond
}

// SearchWaits says what searches waited for and what a stream's writes
// cost them, cumulatively since Open: what the stream benchmark reports
// per phase to tell a writer's locks from the exact scan of pending rows
// as the cause of a slow search while a source consumes.
type SearchWaits struct {
	// Searches is the number of searches (Search, SearchHybrid).
	Searches int64
	// ReadLock is how long searches waited for the collection's read lock.
	ReadLock WaitHistogram
	// WriteHold is how long stream writes (Apply's documents, the graph
	// builder's round end) held the collection's write lock, during which
	// no search can start.
	WriteHold WaitHistogram
	// PendingScanned sums, over searches, the pending rows (applied, not
	// yet in the graph) each scanned exactly; PendingMax is the most one
	// search saw.
	PendingScanned int64
	PendingMax     int64
}

// searchWaits is the collection's live SearchWaits.
type searchWaits struct {
	searches       atomic.Int64
	readLock       waitHistogram
	writeHold      waitHistogram
	pendingScanned atomic.Int64
	pendingMax     atomic.Int64
	// writeFrom is when the write lock was last taken through
	// lockForWrite; only its holder reads and writes it.
	writeFrom time.Time
}

// searched records one search that waited wait for its read lock and
// found pending rows pending.
func (w *searchWaits) searched(wait time.Duration, pending int) {
	w.searches.Add(1)
	w.readLock.add(wait)
	w.pendingScanned.Add(int64(pending))
	for p := int64(pending); ; {
		cur := w.pendingMax.Load()
		if p <= cur || w.pendingMax.CompareAndSwap(cur, p) {
			break
		}
	}
}

// SearchWaits reads the collection's search and write-lock counters.
func (c *Collection) SearchWaits() SearchWaits {
	w := &c.waits
	return SearchWaits{
		Searches:       w.searches.Load(),
		ReadLock:       w.readLock.read(),
		WriteHold:      w.writeHold.read(),
		PendingScanned: w.pendingScanned.Load(),
		PendingMax:     w.pendingMax.Load(),
	}
}

// rlockSearch takes c.mu for reading for a search and records how long
// that took and how many pending rows the search will scan.
func (c *Collection) rlockSearch() {
	t0 := time.Now()
	c.mu.RLock()
	c.waits.searched(time.Since(t0), len(c.pending))
}
