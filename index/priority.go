package index

import (
	"sync/atomic"
	"time"
)

// Searches go first: while a search is in flight, the background graph
// builder waits before each graph operation (an insert or a relink,
// tens of microseconds each) until no search is left, so on a machine with
// few cores the builder's CPU is not taken from the searches. Freshness is
// unaffected: a row is searchable once applied (pending rows are scanned
// exactly); only its graph insert comes later.
//
// Two bounds keep the builder from starving under a solid wall of
// searches: it waits at most searchYieldMax before each operation, and
// not at all in a round that starts with more than searchYieldPending rows
// pending, since every search scans the pending rows exactly and they must
// stay few.
const (
	// searchYieldMax is a few searches' time: a search spends about 0.7 ms
	// of CPU in the collection at the stream benchmark's 20,000 rows
	// (consuming-phase profile, 1.40 s over 2,000 searches).
	searchYieldMax = 5 * time.Millisecond
	// searchYieldPending is where scanning the pending rows in every
	// search starts to cost more than the builder's pauses save: a round
	// of the builder takes at most buildBatch rows.
	searchYieldPending = buildBatch
)

// searchFirst counts the searches in flight, for the builder to step
// aside for them. The zero value is ready.
type searchFirst struct {
	inFlight atomic.Int32
	// idle, while a builder worker waits, holds the channel that the
	// last search in flight closes when it ends.
	idle atomic.Pointer[chan struct{}]

	// Test hooks, nil outside tests: waiting is called when a worker
	// starts to wait, bound replaces the timer that ends a wait.
	waiting func()
	bound   func(time.Duration) <-chan time.Time
}

// begin marks a search in flight; end must follow.
func (p *searchFirst) begin() { p.inFlight.Add(1) }

// end marks a search done and, when it was the last, wakes the waiting
// builder workers.
func (p *searchFirst) end() {
	if p.inFlight.Add(-1) == 0 {
		if ch := p.idle.Swap(nil); ch != nil {
			close(*ch)
		}
	}
}

// yield returns once no search is in flight, or after max.
func (p *searchFirst) yield(max time.Duration) {
	if p.inFlight.Load() == 0 {
		return
	}
	// Workers share one channel: whichever search ends last wakes them all.
	ch := p.idle.Load()
	for ch == nil {
		fresh := make(chan struct{})
		if p.idle.CompareAndSwap(nil, &fresh) {
			ch = &fresh
		} else {
			ch = p.idle.Load()
		}
	}
	// The last search may have ended before the channel was in place, and
	// then nothing will close it.
	if p.inFlight.Load() == 0 {
		return
	}
	if p.waiting != nil {
		p.waiting()
	}
	if p.bound != nil {
		select {
		case <-*ch:
		case <-p.bound(max):
		}
		return
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-*ch:
	case <-t.C:
	}
}

// yieldToSearches is the builder's hnsw.BatchOptions.Yield.
func (c *Collection) yieldToSearches() { c.searches.yield(searchYieldMax) }
