package index

import (
	"sync"
	"time"
)

// Rows the graph builder has inserted stay in c.pending (searches keep
// scanning them exactly, which is correct: the graph holds the same
// vector) until someone holding the collection's write lock takes them
// out. While a stream writes, that is the next Apply, whose hold they join
// for a few microseconds; the builder takes the write lock for them only
// when writers are quiet or it has nothing else to do. A write-lock hold
// is where a search can wait, and on a busy machine a holder's thread may
// lose its core inside even a short one: in the stream benchmark at load
// 2–6 the longest holds were 8–32 ms although their work takes
// microseconds. The builder's round ends were about a third of the holds
// while consuming at 1,000 events/s.

// busyWindow: a batch applied within it means a writer will take the
// write lock again soon.
const busyWindow = 20 * time.Millisecond

// settlingRows are the builder's inserted rows still in c.pending, by
// slot, with the first element of the vector inserted: a newer vector
// for the slot (an update meanwhile) is not settled by it.
type settlingRows struct {
	mu   sync.Mutex
	rows map[uint32]*float32
}

// inGraph reports whether v, slot's pending vector, is in the graph
// already; s.mu must be held.
func (s *settlingRows) inGraph(slot uint32, v []float32) bool {
	p, ok := s.rows[slot]
	return ok && len(v) > 0 && p == &v[0]
}

func (s *settlingRows) add(batch []pendingVec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rows == nil {
		s.rows = make(map[uint32]*float32, len(batch))
	}
	for _, p := range batch {
		if len(p.vec) > 0 {
			s.rows[p.slot] = &p.vec[0]
		}
	}
}

// writersBusy reports whether a batch was applied within busyWindow.
func (c *Collection) writersBusy() bool {
	if c.busyHook != nil {
		return c.busyHook()
	}
	return time.Since(time.Unix(0, c.lastApply.Load())) < busyWindow
}

// settle takes the builder's inserted rows out of c.pending under the
// write lock.
func (c *Collection) settle() {
	c.lockForWriteWithin(builderPatience)
	c.settleLocked()
	c.unlockWrite()
}

// settleLocked takes the builder's inserted rows out of c.pending, unless
// a newer vector for the slot arrived meanwhile (it stays pending for the
// builder's next round), and drops from the graph the rows deleted since
// they were inserted. c.mu must be held for writing: no Apply can reuse a
// deleted slot before its graph entry is gone.
func (c *Collection) settleLocked() {
	c.settling.mu.Lock()
	defer c.settling.mu.Unlock()
	for s, p := range c.settling.rows {
		if cur, ok := c.pending[s]; ok && len(cur) > 0 && &cur[0] == p {
			delete(c.pending, s)
		}
		if int(s) < len(c.ids) && c.ids[s] == "" {
			c.graph.Delete(s) // deleted while, or since, it was inserted
		}
	}
	clear(c.settling.rows)
}
