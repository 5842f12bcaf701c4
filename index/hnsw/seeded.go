package hnsw

import "sync/atomic"

// A filtered walk over passing rows. The plain walk (searchLayer) lets
// rejected nodes into its frontier; when they outscore the passing ones (a
// category the query's text does not lean to) it expands nearly all of
// them before it holds ef passing rows. This walk keeps only passing rows
// in its frontier and looks through rejected neighbours to their own
// neighbours, and it enters the bottom layer at the best of a sample of
// passing rows as well as at the query's entry point: where the filter's
// rows lie beyond two hops of that entry (a product's thousands of copies,
// all of one category), the walk would otherwise find none and fall back
// to a scan. On TestSeededWalkFindsAFarFilter's graph, where every entry
// has passing rows near it, the seeds change nothing measurable; on the
// demo catalogue replicated to 1M rows (tessera-bench scale, back to back
// on a quiet machine) filters passing ~10 / 25 / 50 % took index p50 22 /
// 39 / 60 ms without them and 8.2 / 8.2 / 6.8 ms with them.
const (
	// seedSample is how many passing rows are sampled, evenly over the
	// slot range.
	seedSample = 64
	// seedKeep is how many of the sample's best become entry points.
	seedKeep = 8
)

// seedFilteredWalks turns the walk over passing rows on; tests compare it
// with the plain walk by clearing it.
var seedFilteredWalks = true

// seededWalkFrac is the least share of live rows a filter must pass for
// the walk over passing rows: its two-hop neighbourhoods (up to 32×32
// nodes) must hold enough of them to stay connected. At 1 % it found
// 0.90 of the top 10 on TestAllowBitsetScanAndWalk's graph, where the
// plain walk (which expands rejected rows too) finds all.
const seededWalkFrac = 0.05

// seededWalk reports whether a filtered walk over passing rows applies to
// a filter passing about passing rows.
func (g *Graph) seededWalk(passing int) bool {
	return seedFilteredWalks && float64(passing) >= seededWalkFrac*float64(g.live.Load())
}

// filterSeeds samples passing live ids of allow (and filter) and returns
// the best seedKeep of them for q, best first.
func (g *Graph) filterSeeds(b *searchBuf, q []float32, sv sieve) []cand {
	n := uint(len(g.state))
	ids := b.nbr[:0]
	last := uint(0)
	for i := range uint(seedSample) {
		from := max(last, (2*i+1)*n/(2*seedSample))
		id, ok := from, from < n
		if sv.allow != nil {
			id, ok = sv.allow.NextSet(from)
		}
		if !ok || id >= n {
			break
		}
		last = id + 1
		if g.stateOf(uint32(id)) == slotLive && (sv.filter == nil || sv.filter(uint32(id))) {
			ids = append(ids, uint32(id))
		}
	}
	b.nbr = ids
	g.prefetch(ids)
	sc := b.scores(len(ids))
	g.scoreMany(q, ids, sc)
	seeds := b.sel[:0]
	for j, id := range ids {
		seeds = append(seeds, cand{id: id, score: sc[j]})
	}
	// Insertion order is fine for 64: keep the best seedKeep.
	for i := range seeds {
		for j := i; j > 0 && seeds[j].score > seeds[j-1].score; j-- {
			seeds[j], seeds[j-1] = seeds[j-1], seeds[j]
		}
	}
	b.sel = seeds
	return seeds[:min(len(seeds), seedKeep)]
}

// searchLayer0From is the bottom layer's search for a filtered query,
// from several entry points at once (see filterSeeds), over the rows the
// filter passes only. The plain walk lets rejected nodes into its frontier;
// when they score better than the passing ones (a filter away from the
// query) it expands nearly every node before it stops: 19,859 of 20,000
// on TestSeededWalkFindsAFarFilter's graph. Here only passing nodes enter
// the frontier, and a rejected neighbour is looked through to its own
// passing neighbours (two hops, as ACORN does), so the passing rows stay
// connected without links of their own.
func (g *Graph) searchLayer0From(b *searchBuf, q []float32, eps []cand, ef int, filter func(uint32) bool) {
	b.begin(len(g.state))
	for _, ep := range eps {
		if !b.visit(ep.id) {
			continue
		}
		b.front.push(ep)
		if g.accept(ep.id, filter) {
			b.res.push(ep)
			if len(b.res) > ef {
				b.res.pop()
			}
		}
	}
	for len(b.front) > 0 {
		c := b.front[0]
		if len(b.res) >= ef && c.score < b.res[0].score {
			break
		}
		b.front.pop()
		nb := b.nbr[:0]
		lst := g.links(c.id, 0)
		cnt := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		for i := 1; i <= cnt; i++ {
			n := atomic.LoadUint32(&lst[i])
			if !b.visit(n) {
				continue
			}
			if g.accept(n, filter) {
				nb = append(nb, n)
				continue
			}
			hop := g.links(n, 0)
			hc := min(int(atomic.LoadUint32(&hop[0])), len(hop)-1)
			for j := 1; j <= hc; j++ {
				if m := atomic.LoadUint32(&hop[j]); g.accept(m, filter) && b.visit(m) {
					nb = append(nb, m)
				}
			}
		}
		b.nbr = nb
		g.prefetch(nb)
		sc := b.scores(len(nb))
		g.scoreMany(q, nb, sc)
		for j, n := range nb {
			if s := sc[j]; len(b.res) < ef || s > b.res[0].score {
				b.front.push(cand{id: n, score: s})
				b.res.push(cand{id: n, score: s})
				if len(b.res) > ef {
					b.res.pop()
				}
			}
		}
	}
}
