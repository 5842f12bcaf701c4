package index

import "github.com/tessera-search/tessera/index/hnsw"

// GraphHealth measures the graph's bottom layer (in-degrees, unreachable
// nodes, duplicate vectors); rows still pending are not in it yet.
func (c *Collection) GraphHealth() hnsw.Health {
	c.mu.RLock()
	g := c.graph
	c.mu.RUnlock()
	return g.Health()
}

// scanRowsPerEf is how many rows an exact scan covers in the time a graph
// walk of breadth 1 takes: a search whose rows number at most
// scanRowsPerEf·ef scans them. Measured on the 9,000-row order book (369
// dims, one thread, busy 2-core machine): the int8 scan of every row took
// 470 µs at p50, a walk 320 µs at ef 64 and 1,050 µs at ef 1,024, so a
// scan costs about a walk at ef 120–150 there. The planner scans up to 2.5
// times that many rows (10k at the default ef 64, a scan about 1.7× the
// walk's p50) because the walk's recall on such duplicate-heavy rows varies
// from build to build: 0.978–0.996 at default weights over repeated builds
// of the same 8,800 rows, where the scan is exact.
const scanRowsPerEf = 160
