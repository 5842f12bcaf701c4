package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// yieldProbe replaces the builder's wait with channels the test drives:
// waiting receives a signal each time a builder worker starts to wait for
// the searches in flight, and a send on expire ends that wait as the
// bound (searchYieldMax) would.
type yieldProbe struct {
	waiting chan struct{}
	expire  chan time.Time
}

// probeYields installs a yieldProbe on c; call it before the Apply whose
// rows the builder is to take (Apply's wake-up orders it before the
// builder's reads).
func probeYields(c *Collection) yieldProbe {
	p := yieldProbe{waiting: make(chan struct{}, 64), expire: make(chan time.Time)}
	c.searches.waiting = func() { p.waiting <- struct{}{} }
	c.searches.bound = func(time.Duration) <-chan time.Time { return p.expire }
	return p
}

// receive receives from ch, failing the test if nothing comes within a
// minute (a builder that never waits, instead of a hung test).
func receive[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("no %s within a minute", what)
	}
}

// TestBuilderWaitsForSearchesInFlight checks that while a search is in
// flight the graph builder runs no graph operation until the search ends
// or the wait's bound passes, and then only one: the rows stay pending
// (searchable by exact scan) meanwhile, and all reach the graph once the
// search ends.
func TestBuilderWaitsForSearchesInFlight(t *testing.T) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), 8, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// One core: the builder inserts with one worker however long the
	// test takes, so the operations come one at a time.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	probe := probeYields(c)
	c.searches.begin() // a search in flight
	recs := randomRecords(rand.New(rand.NewPCG(1, 2)), 20, 8, "r")
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	// The builder waits before the round's writes, then before each insert.
	receive(t, probe.waiting, "wait for the search in flight")
	if n := c.graph.Len(); n != 0 {
		t.Fatalf("graph holds %d vectors while a search is in flight, want 0", n)
	}
	for want := range 3 {
		probe.expire <- time.Now() // the bound passes: one operation, then wait again
		receive(t, probe.waiting, "wait after the bound passed")
		if n := c.graph.Len(); n != want {
			t.Fatalf("after %d expired waits the graph holds %d vectors, want %d", want+1, n, want)
		}
	}
	if got := c.Pending(); got != len(recs) {
		t.Fatalf("%d rows pending, want %d (a round ends as a whole)", got, len(recs))
	}
	hits, err := c.Search(ctx, recs[7].Vector, 1, SearchOptions{})
	if err != nil || len(hits) != 1 || hits[0].ID != recs[7].ID {
		t.Fatalf("a pending row is not found by a search: %v %v", ids(hits), err)
	}
	c.searches.end() // the last search ends: the builder goes on at once
	if !c.WaitIndexed(time.Minute) {
		t.Fatalf("builder still waiting after the search ended: %d pending", c.Pending())
	}
	if n := c.graph.Len(); n != len(recs) {
		t.Fatalf("graph holds %d vectors, want %d", n, len(recs))
	}
}

// TestBuilderSkipsWaitingWhenManyRowsPending checks the other bound: a
// round that starts with more than searchYieldPending rows pending does
// not wait for searches at all (every search scans those rows exactly),
// and the round after it, with few left, does.
func TestBuilderSkipsWaitingWhenManyRowsPending(t *testing.T) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), 8, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	probe := probeYields(c)
	c.searches.begin()
	recs := randomRecords(rand.New(rand.NewPCG(3, 4)), searchYieldPending+100, 8, "r")
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	receive(t, probe.waiting, "wait in the second round") // only the second round waits
	if n := c.graph.Len(); n != buildBatch {
		t.Fatalf("graph holds %d vectors when the builder first waits, want the first round's %d", n, buildBatch)
	}
	c.searches.end()
	if !c.WaitIndexed(time.Minute) {
		t.Fatalf("builder still waiting after the search ended: %d pending", c.Pending())
	}
}

// TestSearchesInFlightAreCounted checks that Search and SearchHybrid mark
// themselves in flight for their whole time under the collection lock,
// and that the last one to end wakes a waiting builder.
func TestSearchesInFlightAreCounted(t *testing.T) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), 8, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	recs := randomRecords(rand.New(rand.NewPCG(5, 6)), 50, 8, "r")
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	c.WaitIndexed(time.Minute)
	// Hold the write lock so the searches stop inside, counted.
	c.mu.Lock()
	done := make(chan error, 2)
	go func() {
		_, err := c.Search(ctx, recs[0].Vector, 3, SearchOptions{})
		done <- err
	}()
	go func() {
		_, err := c.SearchHybrid(ctx, []DenseQuery{{Vector: recs[1].Vector}}, 3, nil, SearchOptions{}, nil)
		done <- err
	}()
	for c.searches.inFlight.Load() != 2 {
		time.Sleep(time.Millisecond)
	}
	waiting := make(chan struct{})
	c.searches.waiting = func() { close(waiting) }
	woken := make(chan struct{})
	go func() {
		c.searches.yield(time.Hour)
		close(woken)
	}()
	receive(t, waiting, "wait for the two searches")
	c.mu.Unlock()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	receive(t, woken, "wake-up from the searches' end") // with an hour's bound, only the searches' end wakes it
	if n := c.searches.inFlight.Load(); n != 0 {
		t.Fatalf("%d searches in flight after both returned", n)
	}
}

// TestWorkSlicesPauseBetweenSlices drives workSlices with a clock that
// each operation moves by 100 µs: it pauses for builderPause before the
// operation that would start once builderSlice (250 µs) has passed since
// the round began or last paused, so after every third operation.
func TestWorkSlicesPauseBetweenSlices(t *testing.T) {
	now := time.Unix(1000, 0)
	var pauses []int
	op := 0
	w := workSlices{
		start: now,
		now:   func() time.Time { return now },
		sleep: func(d time.Duration) {
			if d != builderPause {
				t.Errorf("paused %v, want %v", d, builderPause)
			}
			pauses = append(pauses, op)
			now = now.Add(d)
		},
	}
	for op = range 10 {
		w.next()
		now = now.Add(100 * time.Microsecond) // the operation
	}
	if want := []int{3, 6, 9}; !slices.Equal(pauses, want) {
		t.Fatalf("paused before operations %v, want %v", pauses, want)
	}
}

// TestBuilderWorksInSlicesWhileWritersAreBusy: rows applied a few at a
// time (a stream) while searches run reach the graph in rounds that pause
// between slices of work; every row still reaches the graph. With no one
// searching, the same stream's rounds never pause.
func TestBuilderWorksInSlicesWhileWritersAreBusy(t *testing.T) {
	t.Run("searches", func(t *testing.T) { testBuilderSlices(t, true) })
	t.Run("no searches", func(t *testing.T) { testBuilderSlices(t, false) })
}

func testBuilderSlices(t *testing.T, search bool) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), 64, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var pauses atomic.Int64
	c.searches.pause = func(d time.Duration) {
		if d != builderPause {
			t.Errorf("paused %v, want %v", d, builderPause)
		}
		pauses.Add(1)
	}
	// A stream: a few rows at a time, until the builder has paused (or
	// 5,000 batches have gone in, where a builder that never pauses
	// fails below).
	r := rand.New(rand.NewPCG(3, 4))
	var all []Record
	batches := 5_000
	if !search {
		batches = 200 // 4,000 rows, many rounds
	}
	for i := 0; pauses.Load() == 0 && i < batches; i++ {
		recs := randomRecords(r, 20, 64, fmt.Sprintf("b%d-", i))
		all = append(all, recs...)
		if _, err := c.Apply(ctx, recs, nil); err != nil {
			t.Fatal(err)
		}
		if search {
			if _, err := c.Search(ctx, recs[0].Vector, 5, SearchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Millisecond)
	}
	switch {
	case search && pauses.Load() == 0:
		t.Fatalf("the builder never paused between slices while %d rows streamed in and searches ran", len(all))
	case !search && pauses.Load() > 0:
		t.Fatalf("the builder paused %d times with no one searching", pauses.Load())
	}
	if !c.WaitIndexed(time.Minute) {
		t.Fatal("rows still pending after a minute")
	}
	if n := c.graph.Len(); n != len(all) {
		t.Fatalf("graph holds %d vectors, want %d", n, len(all))
	}
}
