// Package rwgate takes a sync.RWMutex for writing between its readers
// instead of in front of them.
//
// sync.RWMutex prefers writers: once a writer calls Lock, readers that
// arrive after it wait until the readers already inside have finished and
// the writer has had its turn. For a search index written by a stream this
// makes every write a queue: the write waits for the longest search in
// flight (milliseconds), and every search that arrives meanwhile waits
// with it, although the write itself takes microseconds. LockBetween
// instead waits for a moment with no reader inside, so new searches never
// queue behind a write that has not started; only one that arrives while
// the write runs waits, for the write alone.
package rwgate

import (
	"sync"
	"time"
)

// poll is how long a writer sleeps between attempts. A search holds the
// lock for about a millisecond, so a few attempts per search are enough.
const poll = 50 * time.Microsecond

// LockBetween locks mu for writing once no reader holds it, or with
// Lock (writer preference, readers then queue) once patience has passed,
// so a stream of overlapping readers cannot hold a writer off for ever.
func LockBetween(mu *sync.RWMutex, patience time.Duration) {
	if mu.TryLock() {
		return
	}
	deadline := time.Now().Add(patience)
	for {
		time.Sleep(poll)
		if mu.TryLock() {
			return
		}
		if time.Now().After(deadline) {
			mu.Lock()
			return
		}
	}
}
