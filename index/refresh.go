package index

import (
	"context"
	"slices"
)

// refreshChunk is how many documents Refresh re-derives per lock hold:
// writers wait at most one chunk.
const refreshChunk = 4096

// Refresh re-derives vectors in memory, without logging them: derive gets
// a chunk of live documents' fields and copies of their vectors, and
// rewrites the vectors in place. It is for vector parts that are a pure
// function of the stored fields and the clock (recency), which every
// process recomputes after it opens the collection, so no record of them
// needs to survive a restart: start-up writes nothing to the WAL however
// large the collection. A changed vector that barely moved replaces the
// graph's copy in place, keeping its neighbours (hnsw.Graph.Nudge); one
// that moved further is re-linked by the background builder and searched
// exactly until then. Writers wait for one chunk at a time, never for the
// whole collection. It returns how many vectors changed.
func (c *Collection) Refresh(ctx context.Context, derive func(fields []map[string]any, vecs [][]float32) error) (int, error) {
	c.refreshing.Add(1)
	defer func() {
		c.refreshing.Add(-1)
		c.wakeBuilder()
	}()
	changed := 0
	buf := &refreshBuf{}
	for next := 0; ; {
		if err := ctx.Err(); err != nil {
			return changed, err
		}
		n, done, err := c.refreshChunk(next, derive, buf)
		changed += n
		if err != nil || done < 0 {
			return changed, err
		}
		next = done
	}
}

// refreshBuf holds one chunk's vectors, new and old, reused from chunk to
// chunk: cloning them per chunk was 0.37 s of the 0.9 s the refreshing
// goroutine spent on 1M rows (tessera-bench startup, CPU profile).
type refreshBuf struct {
	flat, old []float32
	vecs      [][]float32
}

// refreshChunk refreshes the live slots from first on, up to refreshChunk
// of them, and returns how many changed and the slot to continue from (-1
// at the end).
func (c *Collection) refreshChunk(first int, derive func([]map[string]any, [][]float32) error, buf *refreshBuf) (int, int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.RLock()
	slots := make([]uint32, 0, refreshChunk)
	next := -1
	for s := first; s < len(c.ids); s++ {
		if len(slots) == refreshChunk {
			next = s
			break
		}
		if c.ids[s] != "" {
			slots = append(slots, uint32(s))
		}
	}
	fields := make([]map[string]any, len(slots))
	n := len(slots) * c.dim
	if cap(buf.flat) < n {
		buf.flat, buf.old = make([]float32, n), make([]float32, n)
	}
	flat, old := buf.flat[:n], buf.old[:n]
	vecs := buf.vecs[:0]
	for i, s := range slots {
		fields[i] = c.docs[s]
		vecs = append(vecs, flat[i*c.dim:(i+1)*c.dim:(i+1)*c.dim])
	}
	buf.vecs = vecs
	c.graph.VisitVectors(slots, func(i int, v []float32) { copy(vecs[i], v) })
	for i, s := range slots {
		if p, ok := c.pending[s]; ok {
			copy(vecs[i], p)
		}
	}
	copy(old, flat)
	c.mu.RUnlock()
	if len(slots) == 0 {
		return 0, next, nil
	}
	if err := derive(fields, vecs); err != nil {
		return 0, -1, err
	}
	var ids []uint32
	var moved [][]float32
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := 0
	for i, s := range slots {
		if slices.Equal(old[i*c.dim:(i+1)*c.dim], vecs[i]) {
			continue
		}
		changed++
		if _, ok := c.pending[s]; ok {
			c.pending[s] = slices.Clone(vecs[i]) // the buffer is reused
			continue
		}
		ids, moved = append(ids, s), append(moved, vecs[i])
	}
	// Searches wait for the nudge (they hold c.mu too); the graph write
	// is a copy per vector.
	for i, ok := range c.graph.Nudge(ids, moved) {
		if !ok {
			c.pending[ids[i]] = slices.Clone(moved[i])
		}
	}
	return changed, next, nil
}
