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

// While a stream writes (the builder then runs one worker), the builder
// also works in slices: before a graph operation, once builderSlice has
// passed since its last pause, it pauses for builderPause. A search counts
// as in flight only inside the collection, not while its request is read,
// its query encoded and its answer written; a builder round (about twenty
// relinks every 20 ms at 1,000 updates/s) ran as one 2–3 ms burst, and the
// searches whose outside part it overlapped were the slow 1%. Sliced, a
// search meets at most a slice of builder work at a time. At most two
// thirds of the time paused: a round of the stream benchmark's relinks
// (about 100 µs each) still ends long before the next. A bulk load is
// not slowed: its rounds start with more than searchYieldPending rows
// pending, and no round pauses unless a search began within the last
// slicesAfterSearch — with no one searching, pauses would only delay the
// graph (a backlog drained with them ran at 19.0–20.0k events/s against
// 19.3–24.0k without, on 0.4–1.6 s more CPU).
//
// Measured (`tessera-bench stream --source kafka://kfake/bench --duration
// 5s --rounds 4`, alternating with the build without slices): search p99
// ratio over all rounds 1.26 / 1.30 / 1.26× against 1.60 / 1.38 / 1.31×
// (slices of 250 µs, pauses of 1 ms), and 1.19 / 1.32× against 1.38 /
// 1.41× (pauses of 500 µs, kept); the same CPU; pending rows scanned per
// search 33–39 against 14, freshness p99 5.2–5.4 ms against 5.8–7.4. As
// committed, `--duration 10s --rounds 3`: 1.39 / 1.37 / 1.46× against
// 1.47 / 1.53 / 1.41× (README, "The builder works in slices").
const (
	builderSlice      = 250 * time.Microsecond
	builderPause      = 500 * time.Microsecond
	slicesAfterSearch = time.Second
)

// workSlices paces one builder round's operations (see builderSlice).
type workSlices struct {
	start time.Time // when the current slice began
	now   func() time.Time
	sleep func(time.Duration)
}

// next is called before each operation: it pauses once the current slice
// is used up.
func (w *workSlices) next() {
	if w.now().Sub(w.start) >= builderSlice {
		w.sleep(builderPause)
		w.start = w.now()
	}
}

// searchFirst counts the searches in flight, for the builder to step
// aside for them. The zero value is ready.
type searchFirst struct {
	inFlight atomic.Int32
	// lastBegun is when the last search began (Unix nanoseconds).
	lastBegun atomic.Int64
	// idle, while a builder worker waits, holds the channel that the
	// last search in flight closes when it ends.
	idle atomic.Pointer[chan struct{}]

	// Test hooks, nil outside tests: waiting is called when a worker
	// starts to wait, bound replaces the timer that ends a wait.
	waiting func()
	bound   func(time.Duration) <-chan time.Time
	// pause replaces time.Sleep for the builder's pauses between slices.
	pause func(time.Duration)
}

// begin marks a search in flight; end must follow.
func (p *searchFirst) begin() {
	p.inFlight.Add(1)
	p.lastBegun.Store(time.Now().UnixNano())
}

// servedRecently reports whether a search began within the last
// slicesAfterSearch.
func (p *searchFirst) servedRecently() bool {
	return time.Since(time.Unix(0, p.lastBegun.Load())) < slicesAfterSearch
}

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

// yieldInSlices is yieldToSearches for a round while a stream writes: it
// also pauses between slices of work (see builderSlice). One worker only:
// the slice is the round's.
func (c *Collection) yieldInSlices() func() {
	w := workSlices{start: time.Now(), now: time.Now, sleep: time.Sleep}
	if c.searches.pause != nil {
		w.sleep = c.searches.pause
	}
	return func() {
		w.next()
		c.yieldToSearches()
	}
}
