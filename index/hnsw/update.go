package hnsw

import (
	"math"
	"slices"

	"github.com/tessera-search/tessera/index/vec"
)

// nudgeMaxMove bounds a "nudge": a new vector whose distance from the old
// one is at most this fraction of the old one's length replaces it in
// place, keeping the node's neighbour lists. Relinking a node instead
// replaces its own lists from a fresh search and prunes its neighbours'
// lists again, which loses routes among near-duplicates: issue #17 saw
// exact-title searches over 3,000 near-duplicate rows miss 128–141 rows
// after every row was relinked with a barely changed vector (20 before);
// index's TestRestartKeepsRecallOnNearDuplicates sees 0 → 1 → 5 misses
// with relinking and no change with nudges. A node that moved by a tenth
// of its length is still nearest to the nodes it was nearest to, unless
// they were that close (then either list serves a search equally well).
const nudgeMaxMove = 0.1

// nudgeable reports whether v is close enough to old to replace it in
// place (see nudgeMaxMove).
func nudgeable(old, v []float32) bool {
	var d, n float32
	for i, x := range old {
		e := v[i] - x
		d += e * e
		n += x * x
	}
	return d <= nudgeMaxMove*nudgeMaxMove*n
}

// Span is a run of vector dimensions: Len of them from Off.
type Span struct{ Off, Len int }

// SetSpans writes part (the spans' values, concatenated) into v.
func SetSpans(v []float32, spans []Span, part []float32) {
	k := 0
	for _, sp := range spans {
		k += copy(v[sp.Off:sp.Off+sp.Len], part[k:])
	}
}

// NudgeSpans replaces the dimensions in spans of existing live ids with
// parts[i] (the spans' values, concatenated), in place and without
// relinking, where the move is within nudgeMaxMove of the vector's
// length, and reports for each id whether it did; the caller re-adds the
// others (Add relinks them). Only the spans are written, and the byte
// codes are recomputed only for them unless the vector's largest
// magnitude changes: a recency refresh moves a few dimensions of each
// vector, and whole-vector copies and re-quantisation made it cost as
// much as the rest of a start at 476 dims. Searches wait while it writes.
func (g *Graph) NudgeSpans(ids []uint32, spans []Span, parts [][]float32) []bool {
	done := make([]bool, len(ids))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, id := range ids {
		if int(id) >= len(g.state) || g.state[id] != slotLive {
			continue
		}
		v, part := g.vec(id), parts[i]
		var norm, move, spanMax, newMax float32
		for _, x := range v {
			norm += x * x
		}
		k := 0
		for _, sp := range spans {
			for _, x := range v[sp.Off : sp.Off+sp.Len] {
				e := part[k] - x
				move += e * e
				spanMax = max(spanMax, absf32(x))
				newMax = max(newMax, absf32(part[k]))
				k++
			}
		}
		if move > nudgeMaxMove*nudgeMaxMove*norm {
			continue
		}
		if !g.quantized() {
			SetSpans(v, spans, part)
			done[i] = true
			continue
		}
		// The scale is the largest magnitude over 127. When it lies
		// outside the spans and the new values stay below it, the
		// other dimensions' codes are unchanged.
		var whole float32
		for _, x := range v {
			whole = max(whole, absf32(x))
		}
		SetSpans(v, spans, part)
		if spanMax < whole && newMax <= whole && whole > 0 && whole <= math.MaxFloat32 {
			inv := 127 / whole
			code := g.code(id)
			for _, sp := range spans {
				for d := sp.Off; d < sp.Off+sp.Len; d++ {
					code[d] = vec.QuantizeOne(v[d], inv)
				}
			}
		} else {
			g.scales[id] = vec.QuantizeInt8(g.code(id), v)
		}
		done[i] = true
	}
	return done
}

// absf32 is |x|; NaN stays NaN (and never compares greater).
func absf32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// SameVector reports whether id is live with exactly vector v.
func (g *Graph) SameVector(id uint32, v []float32) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if int(id) >= len(g.state) || g.stateOf(id) != slotLive || len(v) != g.dim {
		return false
	}
	return slices.Equal(g.vec(id), v)
}

// LiveIDs lists the live ids in increasing order.
func (g *Graph) LiveIDs() []uint32 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]uint32, 0, g.live.Load())
	for id := range g.state {
		if g.stateOf(uint32(id)) == slotLive {
			out = append(out, uint32(id))
		}
	}
	return out
}
