package index

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// stallSnapshot starts c.Snapshot with its writes to disk stalled at
// stage until the returned release is called; it returns once the stall
// has begun. wait returns the snapshot's error.
func stallSnapshot(t *testing.T, c *Collection, stage string) (release func(), wait func() error) {
	t.Helper()
	stalled, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c.snapshotWriting = func(s string) {
		if s == stage {
			once.Do(func() { close(stalled); <-resume })
		}
	}
	done := make(chan error, 1)
	go func() { done <- c.Snapshot() }()
	select {
	case <-stalled:
	case err := <-done:
		t.Fatalf("snapshot ended (%v) before writing %s", err, stage)
	}
	var released sync.Once
	return func() { released.Do(func() { close(resume) }) }, func() error { return <-done }
}

// within fails the test unless fn returns within a generous bound: a
// liveness check (blocked or not), not a timing one. On failure it ends
// the stall first (release), so that what is blocked can finish.
func within(t *testing.T, what string, release func(), fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		release()
		<-done
		t.Fatalf("%s: blocked while a snapshot's write to disk stalled", what)
	}
}

// searchThenFinish requires a search to go through while the snapshot
// stalls, then lets the snapshot finish and requires it to succeed.
func searchThenFinish(t *testing.T, c *Collection, release func(), wait func() error) {
	t.Helper()
	within(t, "a search", release, func() {
		if _, err := c.Search(context.Background(), vec3(1, 7, 0.5), 5, SearchOptions{}); err != nil {
			t.Error(err)
		}
	})
	release()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

func applyRows(t *testing.T, c *Collection, from, n int) {
	t.Helper()
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{ID: fmt.Sprint(from + i), Vector: vec3(1, float32(from+i), 0.5)}
	}
	if _, err := c.Apply(context.Background(), recs, nil); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotRecordsWriteWithoutTheLock: while a snapshot's write of the
// documents stalls on the disk, the builder can still take the write lock
// and searches still run. The records used to be written under the read
// lock, so the builder's write-lock request waited, and every new search
// behind it.
func TestSnapshotRecordsWriteWithoutTheLock(t *testing.T) {
	dir := t.TempDir()
	c := openTemp(t, dir, 3, Options{NoSync: true, SnapshotEvery: -1})
	applyRows(t, c, 0, 3000)
	waitBuilt(t, c)
	release, wait := stallSnapshot(t, c, "records")
	within(t, "the builder's write lock", release, func() { c.lockForWrite(); c.unlockWrite() })
	searchThenFinish(t, c, release, wait)
	c.Close()
	r := openTemp(t, dir, 3, Options{NoSync: true})
	if r.Len() != 3000 {
		t.Fatalf("reopened from the snapshot: %d rows, want 3000", r.Len())
	}
}

// TestSnapshotGraphWriteDoesNotStallSearches: while the graph's write to
// disk stalls, a builder round with rows to insert waits for it, instead
// of asking for the graph's write lock (to grow it) and holding every new
// search behind that request.
func TestSnapshotGraphWriteDoesNotStallSearches(t *testing.T) {
	c := openTemp(t, "", 3, Options{NoSync: true, SnapshotEvery: -1})
	applyRows(t, c, 0, 100)
	waitBuilt(t, c)
	// Rows beyond the graph's room, pending while the builder is held off
	// (the way it waits for Refresh).
	c.refreshing.Add(1)
	applyRows(t, c, 100, 2000)
	release, wait := stallSnapshot(t, c, "graph")
	c.refreshing.Add(-1)
	c.wakeBuilder()
	// Give the builder time to reach the graph: without the round lock
	// it would now be waiting for the graph's write lock.
	time.Sleep(50 * time.Millisecond)
	searchThenFinish(t, c, release, wait)
	waitBuilt(t, c)
	if c.Len() != 2100 {
		t.Fatalf("%d rows, want 2100", c.Len())
	}
}
