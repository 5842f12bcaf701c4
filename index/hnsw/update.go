package hnsw

import "slices"

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

// Nudge replaces the vectors of existing live ids in place, without
// relinking, where each new vector is within nudgeMaxMove of its old one,
// and reports for each id whether it did; the caller re-adds the others
// (Add relinks them). Searches wait while it writes.
func (g *Graph) Nudge(ids []uint32, vecs [][]float32) []bool {
	done := make([]bool, len(ids))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, id := range ids {
		if int(id) >= len(g.state) || g.state[id] != slotLive || len(vecs[i]) != g.dim {
			continue
		}
		if nudgeable(g.vec(id), vecs[i]) {
			g.setVec(id, vecs[i])
			done[i] = true
		}
	}
	return done
}

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
