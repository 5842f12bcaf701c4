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

// efForRows widens the configured ef for large collections: the same
// breadth finds less of the top k as a graph grows, most on duplicate-heavy
// rows, where a walk at ef 64 ends among one row's copies. Measured with
// tessera-bench index --orderbook 40000 (8,575 duplicate vectors), recall@10
// at ef 64 / 128 / 256: default weights 0.980 / 0.994 / 0.996, negated
// 0.968 / 0.998 / 1.000, random 0.969 / 0.995 / 0.999, and with the
// doubling every class at 0.990 or above. The clustered synthetic set at
// 1M found 0.84 at ef 32 and 0.93 at ef 64 (docs/performance.md), so ef 256
// from 500k rows aims at the 0.97 target there (not yet measured at 256);
// on the demo catalogue replicated to 1M it cost 0.4 → 1.1 ms index p50 and
// changed nothing measurable (its copies trap walks at any breadth; see
// README, "At a million rows"). A caller's explicit SearchOptions.Ef is
// not widened.
func efForRows(ef, rows int) int {
	switch {
	case rows >= efRowsQuadruple:
		return 4 * ef
	case rows >= efRowsDouble:
		return 2 * ef
	}
	return ef
}

// The collection sizes at which efForRows doubles and quadruples ef.
const (
	efRowsDouble    = 20_000
	efRowsQuadruple = 500_000
)
