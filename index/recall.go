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
// scan costs about a walk at ef 120–150 there.
const scanRowsPerEf = 64

// scanRowsAlways is how many rows are always scanned, whatever the ef: a
// walk's recall on duplicate-heavy rows varies from build to build (0.978–
// 0.996 at default weights over repeated builds of the same 8,800-row order
// book), where a scan of this many rows (about 0.5 ms) is exact. Above it
// the ef rule decides: raising scanRowsPerEf instead made a reweighted query
// (ef widened to 1,024) scan all of a 100k-row collection, p99 6.3 ms.
const scanRowsAlways = 10_000
