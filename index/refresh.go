package index

import (
	"context"
	"fmt"
	"slices"

	"github.com/tessera-search/tessera/index/hnsw"
)

// refreshChunk is how many documents Refresh re-derives per lock hold:
// writers wait at most one chunk.
const refreshChunk = 4096

// Span is a run of vector dimensions: Len of them from Off.
type Span = hnsw.Span

// Refresh re-derives parts of vectors in memory, without logging them:
// derive gets a chunk of live documents' fields and full-length vectors
// holding their current values in spans, and rewrites those dimensions
// (only those: the others hold nothing meaningful and are ignored). It is
// for vector parts that are a pure function of the stored fields and the
// clock (recency), which every process recomputes after it opens the
// collection, so no record of them needs to survive a restart: start-up
// writes nothing to the WAL however large the collection. A changed
// vector that barely moved is updated in place in the graph, keeping its
// neighbours (hnsw.Graph.NudgeSpans); one that moved further is re-linked
// by the background builder and searched exactly until then. Writers wait
// for one chunk at a time, never for the whole collection, and the
// builder waits for the whole refresh. It returns how many vectors
// changed.
func (c *Collection) Refresh(ctx context.Context, spans []Span, derive func(fields []map[string]any, vecs [][]float32) error) (int, error) {
	width := 0
	for _, sp := range spans {
		if sp.Off < 0 || sp.Len < 0 || sp.Off+sp.Len > c.dim {
			return 0, fmt.Errorf("index: refresh span %d+%d outside %d dims", sp.Off, sp.Len, c.dim)
		}
		width += sp.Len
	}
	if width == 0 {
		return 0, nil
	}
	c.refreshing.Add(1)
	defer func() {
		c.refreshing.Add(-1)
		c.wakeBuilder()
	}()
	changed := 0
	buf := &refreshBuf{spans: spans, width: width}
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

// refreshBuf holds one chunk's vectors and their spans' old values,
// reused from chunk to chunk: cloning whole vectors per chunk was 0.37 s
// of the 0.9 s the refreshing goroutine spent on 1M rows (tessera-bench
// startup, CPU profile), and at 476 dims whole-vector copies, compares
// and re-quantisation made the refresh 558 ms of a 1.09 s start at 100k.
type refreshBuf struct {
	spans []Span
	width int // dimensions in spans
	flat  []float32
	old   []float32 // width per row
	vecs  [][]float32
}

// gather copies v's span dimensions into dst (full length) and row.
func (b *refreshBuf) gather(dst, row, v []float32) {
	k := 0
	for _, sp := range b.spans {
		copy(dst[sp.Off:sp.Off+sp.Len], v[sp.Off:sp.Off+sp.Len])
		k += copy(row[k:], v[sp.Off:sp.Off+sp.Len])
	}
}

// extract copies v's span dimensions into row.
func (b *refreshBuf) extract(row, v []float32) {
	k := 0
	for _, sp := range b.spans {
		k += copy(row[k:], v[sp.Off:sp.Off+sp.Len])
	}
}

// refreshChunk refreshes the live slots from first on, up to refreshChunk
// of them, and returns how many changed and the slot to continue from (-1
// at the end).
func (c *Collection) refreshChunk(first int, derive func([]map[string]any, [][]float32) error, buf *refreshBuf) (int, int, error) {
	// A background snapshot's graph write holds the graph's read lock
	// throughout, and nudging (below) would wait for it with c.mu held,
	// and every search with it; builder rounds and that write share
	// buildRoundMu. It is taken before the writers' lock, so that a wait
	// for the builder's round or the graph write holds up no writer.
	c.buildRoundMu.Lock()
	defer c.buildRoundMu.Unlock()
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
	if n := len(slots) * c.dim; cap(buf.flat) < n {
		buf.flat, buf.old = make([]float32, n), make([]float32, len(slots)*buf.width)
	}
	vecs := buf.vecs[:0]
	for i, s := range slots {
		fields[i] = c.docs[s]
		vecs = append(vecs, buf.flat[i*c.dim:(i+1)*c.dim:(i+1)*c.dim])
	}
	buf.vecs = vecs
	row := func(i int) []float32 { return buf.old[i*buf.width : (i+1)*buf.width] }
	c.graph.VisitVectors(slots, func(i int, v []float32) {
		if v != nil {
			buf.gather(vecs[i], row(i), v)
		}
	})
	for i, s := range slots {
		if p, ok := c.pending[s]; ok {
			buf.gather(vecs[i], row(i), p)
		}
	}
	c.mu.RUnlock()
	if len(slots) == 0 {
		return 0, next, nil
	}
	if err := derive(fields, vecs); err != nil {
		return 0, -1, err
	}
	// The new span values of the rows that changed, packed.
	var ids []uint32
	var parts [][]float32
	var idx []int
	packed := make([]float32, 0, len(slots)*buf.width)
	for i, s := range slots {
		start := len(packed)
		packed = packed[:start+buf.width]
		buf.extract(packed[start:], vecs[i])
		if slices.Equal(packed[start:], row(i)) {
			packed = packed[:start]
			continue
		}
		ids, idx = append(ids, s), append(idx, i)
		parts = append(parts, packed[start:start+buf.width:start+buf.width])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Searches wait for the nudges (they hold c.mu too).
	if c.copies != nil {
		// Groups keep their members' varying values, and bounds over them.
		for j, s := range ids {
			c.copies.refreshed(s, buf.spans, parts[j])
		}
	}
	var inGraph []int
	var gids []uint32
	var gparts [][]float32
	for j, s := range ids {
		if p, ok := c.pending[s]; ok {
			v := slices.Clone(p)
			hnsw.SetSpans(v, buf.spans, parts[j])
			c.pending[s] = v
			continue
		}
		inGraph, gids, gparts = append(inGraph, j), append(gids, s), append(gparts, parts[j])
	}
	for k, ok := range c.graph.NudgeSpans(gids, buf.spans, gparts) {
		if ok {
			continue
		}
		// Too far to keep its lists: the builder re-links it.
		s := gids[k]
		if v := c.graph.Vector(s); v != nil {
			hnsw.SetSpans(v, buf.spans, parts[inGraph[k]])
			c.pending[s] = v
		}
	}
	return len(ids), next, nil
}
