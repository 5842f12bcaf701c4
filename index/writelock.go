package index

import (
	"time"

	"github.com/tessera-search/tessera/internal/rwgate"
)

// writerPatience bounds how long a stream write waits for a gap between
// searches before it queues for the collection lock like any writer (and
// new searches then wait for it). Writes of a batch's documents take
// microseconds and a search about a millisecond, so gaps come long before
// this; it only matters under a solid wall of searches, where it caps what
// the wait adds to freshness (target p99 50 ms at 1,000 events/s).
const writerPatience = 10 * time.Millisecond

// applyPiece is how many records Apply writes per hold of the write lock.
// A search cannot start while it is held, and a record costs about 9 µs
// under it (0.90 s of CPU for the stream benchmark's 100k backlog, whose
// 4,096-record batches held it 31–100 ms): a piece of 128 is about 1.2 ms
// of work, a search's time. That bounds the work, not the wall time: a
// holder that loses its core holds on (the longest hold while the backlog
// drained was still up to 65 ms on the shared two-core machine). A search
// between two pieces sees part of a batch, which is durable as a whole
// already; the batch's metadata (stream positions) comes with its last
// piece.
const applyPiece = 128

// lockForWrite takes c.mu for writing between searches rather than in
// front of them (see rwgate): with sync.RWMutex's writer preference, each
// stream batch made the searches arriving during the longest search in
// flight wait for it too, and at 1,000 events/s those queues set the
// search p99 while consuming (issue #18).
func (c *Collection) lockForWrite() {
	rwgate.LockBetween(&c.mu, writerPatience)
	c.waits.writeFrom = time.Now()
}

// unlockWrite releases what lockForWrite took and records how long it was
// held (SearchWaits.WriteHold): no search can start meanwhile.
func (c *Collection) unlockWrite() {
	c.waits.writeHold.add(time.Since(c.waits.writeFrom))
	c.mu.Unlock()
}

// yieldWrite lets the searches waiting for the write lock in, then takes
// it again, between searches.
func (c *Collection) yieldWrite() {
	c.unlockWrite()
	if c.betweenPieces != nil {
		c.betweenPieces()
	}
	c.lockForWrite()
}
