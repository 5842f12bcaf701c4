package hnsw

import "github.com/tessera-search/tessera/internal/vec"

// Near-duplicate rows ("twins"): a catalogue replicated with jittered
// numbers has thousands of copies of each product whose vectors differ only
// in a few attribute dimensions (tessera-bench scale: copies sit 1e-5 to
// 4e-5 of the squared norm apart, different products 0.1 to 0.5). An
// insert's candidate pool is then all copies of its own product, and the
// heuristic, which keeps a candidate only if it is closer to the base than
// to every kept neighbour, prunes links to other products as coin flips
// between equidistant copies: at 100k rows 85 % of the nodes link to their
// own copies only (Health.NoFarLinks). Health reports this.

// twinFrac: a candidate is a twin of the base when its distance is at most
// this share of the base's squared norm: for inner product |b|²-b·c ≤
// twinFrac·|b|², which for unit vectors is cosine ≥ 1-twinFrac; for L2
// |b-c|² ≤ twinFrac·|b|².
const twinFrac = 0.02

// twinBound returns the lowest score against b that still makes a node b's
// twin.
func (g *Graph) twinBound(b []float32) float32 {
	n := vec.Dot(b, b)
	if g.cfg.Metric == L2 {
		return -twinFrac * n
	}
	return n - twinFrac*n
}
