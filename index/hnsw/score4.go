package hnsw

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
