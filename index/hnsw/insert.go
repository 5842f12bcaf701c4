package hnsw

import (
	"fmt"
	"slices"
	"sync/atomic"
	"unsafe"
)

// Add inserts vec under id. Re-adding an id (live or deleted) replaces its
// vector in place and relinks it: its own neighbour lists are rebuilt from a
// fresh search, and links pointing at it stay as routing edges. A live id
// whose vector barely moves keeps its lists (see nudgeMaxMove); one that
// moves a little is relinked from its old neighbourhood (relink.go).
// It returns an error when len(vec) differs from the graph's dimension.
//
// Inserts of new ids run concurrently with each other and with searches;
// re-adding an existing id, or an id beyond the reserved storage, briefly
// takes the graph-wide write lock.
func (g *Graph) Add(id uint32, v []float32) error {
	if len(v) != g.dim {
		return fmt.Errorf("hnsw: add id %d: vector has %d dims, graph has %d", id, len(v), g.dim)
	}
	if id == noID {
		return fmt.Errorf("hnsw: add: id %d is reserved", id)
	}
	for {
		g.mu.RLock()
		if int(id) < len(g.state) {
			break
		}
		g.mu.RUnlock()
		g.grow(int(id) + 1)
	}
	g.wmu.RLock()
	if atomic.CompareAndSwapUint32(&g.state[id], slotEmpty, slotPending) {
		b := g.pool.Get().(*searchBuf)
		g.insert(b, id, v)
		g.pool.Put(b)
		g.wmu.RUnlock()
		g.mu.RUnlock()
		return nil
	}
	g.wmu.RUnlock()
	g.mu.RUnlock()
	g.upsert(id, v)
	return nil
}

// grow extends storage to n slots under the write lock.
func (g *Graph) grow(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n > len(g.state) {
		g.extend(n)
	}
}

// upsert replaces the vector of an existing id (or inserts it when it was
// freed meanwhile): the vector is written with every other operation
// stopped, since searches may be reading the old one, and the node is then
// relinked under the shared lock, alongside searches (see replace).
func (g *Graph) upsert(id uint32, v []float32) {
	if how := g.replace([]uint32{id}, [][]float32{v}, nil)[0]; how == replacedRelink || how == replacedRelinkLocal {
		g.relinkShared(id, how)
	}
}

// insert links a new node into the graph. The caller holds mu (shared or
// exclusive) and wmu shared, and has claimed id by setting it pending.
func (g *Graph) insert(b *searchBuf, id uint32, v []float32) {
	g.setVec(id, v)
	lvl := g.levelOf(id)
	g.level[id] = uint8(lvl)
	if lvl > 0 {
		words := lvl * (g.cfg.M + 1)
		g.upper[id] = make([]uint32, words)
		g.upperWords.Add(int64(words))
	}
	// Live before linked: exact scans may return it from now on, but no
	// walk can reach it until a neighbour's list names it.
	atomic.StoreUint32(&g.state[id], slotLive)
	g.live.Add(1)
	entry, top := g.entry()
	if lvl > top {
		// Raising the top level: one such insert at a time, holding the
		// lock until the node is linked, so a second tall node links
		// through this one instead of missing the new layers (hnswlib
		// does the same).
		g.epMu.Lock()
		defer g.epMu.Unlock()
		if entry, top = g.entry(); top < 0 {
			g.setEntry(id, lvl)
			return
		}
	}
	g.link(b, id, lvl, entry, top, linkFresh)
	if lvl > top {
		g.setEntry(id, lvl)
	}
}

// relink rebuilds the neighbour lists of an existing node from a search
// at ef_construction, as for a new node. The caller holds mu (shared, with
// wmu shared, or exclusive). The node's old lists are kept for routing
// during the search and then overwritten, under its stripe lock like an
// insert's: for a node whose neighbourhood was deleted (Compact). An
// updated vector is relinked with relinkFar or relinkLocal (relink.go).
func (g *Graph) relink(b *searchBuf, id uint32) { g.relinkFrom(b, id, linkFull) }

// relinkFar is relink for a node whose vector moved far (see
// localMaxMove): the search's choice goes first in its lists and its old
// neighbours keep the room left, as in a local relink.
func (g *Graph) relinkFar(b *searchBuf, id uint32) { g.relinkFrom(b, id, linkFar) }

// relinkFrom is relink and relinkFar, searching from the entry point.
func (g *Graph) relinkFrom(b *searchBuf, id uint32, mode linkMode) {
	lvl := int(g.level[id])
	entry, top := g.entry()
	if entry == id {
		// Searching from the node itself would only see its old
		// neighbourhood: start from the tallest other node instead. The
		// state is loaded first: a concurrent insert writes a node's
		// level before it stores the state that makes it live.
		entry, top = noID, -1
		for i := range g.state {
			st := g.stateOf(uint32(i))
			if (st == slotLive || st == slotDeleted) && uint32(i) != id && int(g.level[i]) > top {
				entry, top = uint32(i), int(g.level[i])
			}
		}
	}
	if top < 0 {
		for l := 0; l <= lvl; l++ {
			storeLinks(g.links(id, l), nil)
		}
		return
	}
	g.link(b, id, lvl, entry, top, mode)
}

// linkMode is how link searches for a node's neighbours and stores them.
type linkMode int

const (
	linkFresh linkMode = iota // a new node: search at ef_construction, merge
	linkFull                  // a relinked node: search at ef_construction, replace its old lists
	linkFar                   // a node that moved far: search at ef_construction, merge
	linkLocal                 // a node that moved a little: search from its old neighbours at relinkEf, merge
)

// link connects node id (vector already stored) on layers 0..min(lvl, top),
// searching from entry at level top, as mode says.
func (g *Graph) link(b *searchBuf, id uint32, lvl int, entry uint32, top int, mode linkMode) {
	q := g.vec(id)
	ep := cand{id: entry, score: g.score(q, entry)}
	for l := top; l > lvl; l-- {
		ep = g.greedy(b, q, ep, l)
	}
	for l := min(lvl, top); l >= 0; l-- {
		if mode == linkLocal {
			g.searchFromNeighbours(b, q, ep, id, relinkEf, l)
		} else {
			g.searchLayer(b, q, ep, g.cfg.EfConstruction, l, nil, false, id)
		}
		b.sorted = b.res.drainDesc(b.sorted[:0])
		if len(b.sorted) == 0 {
			continue
		}
		ep = b.sorted[0]
		sel := g.selectNeighbors(b.sorted, g.cfg.M, &b.sel)
		b.ids = b.ids[:0]
		for _, c := range sel {
			b.ids = append(b.ids, c.id)
		}
		g.setOwn(id, l, b.ids, mode != linkFull)
		for _, n := range b.ids {
			g.addLink(b, n, id, l)
		}
	}
}

// setOwn stores ids as id's layer-l list. For a fresh node, a concurrent
// insert that reached it through a higher layer may already have linked
// itself here; such links are kept while there is room, so they stay
// bidirectional (merge). A moved node's new neighbours go first and its
// old ones keep the room left (merge); a node relinked after Compact has
// its lists replaced.
func (g *Graph) setOwn(id uint32, l int, ids []uint32, merge bool) {
	mu := g.lock(id)
	mu.Lock()
	defer mu.Unlock()
	lst := g.links(id, l)
	n := int(lst[0])
	if n == 0 || !merge {
		storeLinks(lst, ids)
		return
	}
	for i := 1; i <= n && len(ids) < len(lst)-1; i++ {
		if x := lst[i]; !slices.Contains(ids, x) {
			ids = append(ids, x)
		}
	}
	storeLinks(lst, ids)
}

// prefetch starts loading the vectors of ids (see prefetchVecs).
func (g *Graph) prefetch(ids []uint32) {
	if len(ids) == 0 || len(g.vecs) == 0 {
		return
	}
	// Only the first line of each row: the hardware prefetcher streams the
	// rest once the kernel starts reading, and prefetching whole rows
	// exhausts the line-fill buffers (measured slower at 386 dims).
	prefetchVecs(unsafe.Pointer(&g.vecs[0]), ids, uintptr(g.dim)*4, 64)
}

// greedy walks layer l from ep to a local optimum for q (ef = 1).
func (g *Graph) greedy(b *searchBuf, q []float32, ep cand, l int) cand {
	for changed := true; changed; {
		changed = false
		b.nbr = g.appendLinks(b.nbr[:0], ep.id, l)
		g.prefetch(b.nbr)
		sc := b.scores(len(b.nbr))
		g.scoreMany(q, b.nbr, sc)
		for j, n := range b.nbr {
			if s := sc[j]; s > ep.score {
				ep, changed = cand{id: n, score: s}, true
			}
		}
	}
	return ep
}

// searchLayer is HNSW's SEARCH-LAYER: a best-first search from ep keeping the
// ef best nodes in b.res. All nodes route; when filtered, only live nodes
// accepted by filter enter b.res, and the search keeps expanding until it
// holds ef of them or runs out of candidates. skip never enters b.res.
func (g *Graph) searchLayer(b *searchBuf, q []float32, ep cand, ef, l int, filter func(uint32) bool, filtered bool, skip uint32) {
	b.begin(len(g.state))
	b.visit(ep.id)
	b.front.push(ep)
	if ep.id != skip && (!filtered || g.accept(ep.id, filter)) {
		b.res.push(ep)
	}
	g.expand(b, q, ef, l, filter, filtered, skip)
}

// expand runs searchLayer's best-first loop from the candidates already in
// b.front (and b.res), which b.begin started.
func (g *Graph) expand(b *searchBuf, q []float32, ef, l int, filter func(uint32) bool, filtered bool, skip uint32) {
	for len(b.front) > 0 {
		c := b.front[0]
		if len(b.res) >= ef && c.score < b.res[0].score {
			break
		}
		b.front.pop()
		// Collect the unseen neighbours first and prefetch them all, so
		// their cache misses overlap; then score them.
		nb := b.nbr[:0]
		lst := g.links(c.id, l)
		cnt := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		for i := 1; i <= cnt; i++ {
			if n := atomic.LoadUint32(&lst[i]); b.visit(n) {
				nb = append(nb, n)
			}
		}
		b.nbr = nb
		g.prefetch(nb)
		sc := b.scores(len(nb))
		g.scoreMany(q, nb, sc)
		for j, n := range nb {
			s := sc[j]
			if len(b.res) < ef || s > b.res[0].score {
				b.front.push(cand{id: n, score: s})
				if n != skip && (!filtered || g.accept(n, filter)) {
					b.res.push(cand{id: n, score: s})
					if len(b.res) > ef {
						b.res.pop()
					}
				}
			}
		}
	}
}

func (g *Graph) accept(id uint32, filter func(uint32) bool) bool {
	return g.stateOf(id) == slotLive && (filter == nil || filter(id))
}

// selectNeighbors is the HNSW paper's heuristic (algorithm 4): walking
// candidates from closest, keep one only if it is closer to the base than to
// every neighbour already kept. This spreads links across directions so
// clustered data stays navigable. cands must be sorted by descending score;
// their scores against the base are reused, so only the candidate-to-kept
// distances are computed, each at most once.
func (g *Graph) selectNeighbors(cands []cand, m int, dst *[]cand) []cand {
	sel := (*dst)[:0]
	if len(cands) <= m {
		sel = append(sel, cands...)
		*dst = sel
		return sel
	}
	for _, c := range cands {
		if len(sel) >= m {
			break
		}
		cv := g.vec(c.id)
		good := true
		for _, r := range sel {
			if g.score(cv, r.id) > c.score {
				good = false
				break
			}
		}
		if good {
			sel = append(sel, c)
		}
	}
	*dst = sel
	return sel
}

// addLink adds a link n -> id on layer l under n's stripe lock, pruning n's
// list with the heuristic when it is full.
func (g *Graph) addLink(b *searchBuf, n, id uint32, l int) {
	mu := g.lock(n)
	mu.Lock()
	defer mu.Unlock()
	lst := g.links(n, l)
	cnt := int(lst[0])
	if slices.Contains(lst[1:1+cnt], id) {
		return
	}
	if cnt < len(lst)-1 {
		atomic.StoreUint32(&lst[1+cnt], id)
		atomic.StoreUint32(&lst[0], uint32(cnt+1))
		return
	}
	old := lst[1 : 1+cnt]
	g.prefetch(old)
	nv := g.vec(n)
	sc := b.scores(cnt)
	g.scoreMany(nv, old, sc)
	cs := b.prune[:0]
	cs = append(cs, cand{id: id, score: g.score(nv, id)})
	for j, x := range old {
		cs = append(cs, cand{id: x, score: sc[j]})
	}
	sortDesc(cs)
	storeCands(lst, g.selectNeighbors(cs, len(lst)-1, &b.sel))
	b.prune = cs
}

// sortDesc orders candidates by descending score.
func sortDesc(cs []cand) {
	slices.SortFunc(cs, func(a, b cand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
}
