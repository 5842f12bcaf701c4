package hnsw

import "math"

// scoreMany scores q against every id in ids into out (len(out) >=
// len(ids)), four rows per kernel call where the CPU allows: the four
// vectors stream from memory together, so their cache misses overlap.
func (g *Graph) scoreMany(q []float32, ids []uint32, out []float32) {
	i := 0
	if has4 && g.dim > 0 {
		var r [4]float32
		for ; i+4 <= len(ids); i += 4 {
			a, b, c, d := &g.vec(ids[i])[0], &g.vec(ids[i+1])[0], &g.vec(ids[i+2])[0], &g.vec(ids[i+3])[0]
			if g.cfg.Metric == L2 {
				l2sq4AVX2(q, a, b, c, d, &r)
				out[i], out[i+1], out[i+2], out[i+3] = -r[0], -r[1], -r[2], -r[3]
			} else {
				dot4AVX2(q, a, b, c, d, &r)
				out[i], out[i+1], out[i+2], out[i+3] = r[0], r[1], r[2], r[3]
			}
		}
	}
	for ; i < len(ids); i++ {
		out[i] = g.score(q, ids[i])
	}
}

// ScoreIDs scores q against the vectors of ids into out (len(out) >=
// len(ids)); an id that is not live scores -Inf. Rows stream in chunks with
// their first cache lines prefetched, so scattered rows cost about what a
// walk pays per node.
func (g *Graph) ScoreIDs(q []float32, ids []uint32, out []float32) {
	if len(q) != g.dim {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	live := make([]uint32, 0, scoreChunk)
	at := make([]int, 0, scoreChunk)
	sc := make([]float32, scoreChunk)
	flush := func() {
		g.prefetch(live)
		g.scoreMany(q, live, sc)
		for j, i := range at {
			out[i] = sc[j]
		}
		live, at = live[:0], at[:0]
	}
	for i, id := range ids {
		if int(id) >= len(g.state) || g.stateOf(id) != slotLive {
			out[i] = float32(math.Inf(-1))
			continue
		}
		live, at = append(live, id), append(at, i)
		if len(live) == scoreChunk {
			flush()
		}
	}
	flush()
}

// scoreChunk is how many rows ScoreIDs prefetches ahead.
const scoreChunk = 32
