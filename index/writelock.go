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

// lockForWrite takes c.mu for writing between searches rather than in
// front of them (see rwgate): with sync.RWMutex's writer preference, each
// stream batch made the searches arriving during the longest search in
// flight wait for it too, and at 1,000 events/s those queues set the
// search p99 while consuming (issue #18).
func (c *Collection) lockForWrite() {
	rwgate.LockBetween(&c.mu, writerPatience)
}
