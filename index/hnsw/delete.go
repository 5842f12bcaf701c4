package hnsw

import "sync/atomic"

// compactFrac: Delete compacts automatically once tombstones exceed this
// fraction of all nodes (and compactMin), because past that point searches
// spend most of their budget walking through deleted nodes.
const (
	compactFrac = 0.5
	compactMin  = 64
)

// Delete tombstones id: it is never returned again but keeps routing
// searches until the next Compact. Deleting an absent id is a no-op. When
// tombstones exceed half the nodes, Delete runs Compact itself, so that one
// call costs a repair pass over the graph.
//
// Delete runs concurrently with searches and inserts (a tombstone is one
// atomic state change); only the automatic compaction stops them.
func (g *Graph) Delete(id uint32) {
	g.mu.RLock()
	g.wmu.RLock()
	ok := int(id) < len(g.state) && atomic.CompareAndSwapUint32(&g.state[id], slotLive, slotDeleted)
	if ok {
		g.live.Add(-1)
		g.deleted.Add(1)
	}
	g.wmu.RUnlock()
	g.mu.RUnlock()
	if ok && g.overTombstoned() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.overTombstoned() { // another Delete may have compacted already
			g.compact()
		}
	}
}

func (g *Graph) overTombstoned() bool {
	d, l := g.deleted.Load(), g.live.Load()
	return d >= compactMin && float64(d) > compactFrac*float64(l+d)
}

// Compact removes tombstoned nodes from the graph: every live node that
// linked to a deleted one gets its list rebuilt from its surviving
// neighbours plus the deleted neighbours' neighbours (chosen with the same
// heuristic as insertion), and deleted slots become free for reuse. Call it
// after bulk deletes; Delete calls it once tombstones pass half the nodes.
func (g *Graph) Compact() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.compact()
}

func (g *Graph) compact() {
	if g.deleted.Load() == 0 {
		return
	}
	b := g.pool.Get().(*searchBuf)
	defer g.pool.Put(b)
	var orphans []uint32
	for i, st := range g.state {
		if st != slotLive {
			continue
		}
		u := uint32(i)
		for l := 0; l <= int(g.level[u]); l++ {
			if g.repair(b, u, l) == 0 && l == 0 {
				orphans = append(orphans, u)
			}
		}
	}
	// Free the tombstones.
	for i, st := range g.state {
		if st != slotDeleted {
			continue
		}
		g.state[i] = slotEmpty
		g.links0[i*(g.m0+1)] = 0
		g.upperWords.Add(-int64(cap(g.upper[i])))
		g.upper[i] = nil
		g.level[i] = 0
	}
	g.deleted.Store(0)
	entry, top := uint32(0), -1
	for i, st := range g.state {
		if st == slotLive && int(g.level[i]) > top {
			entry, top = uint32(i), int(g.level[i])
		}
	}
	g.setEntry(entry, top)
	// Nodes whose whole neighbourhood was deleted are relinked by search.
	if g.live.Load() > 1 {
		for _, u := range orphans {
			g.relink(b, u)
		}
	}
}

// repair rebuilds u's list on layer l if it references tombstones and
// returns the resulting link count.
func (g *Graph) repair(b *searchBuf, u uint32, l int) int {
	lst := g.links(u, l)
	cnt := int(lst[0])
	dirty := false
	for _, n := range lst[1 : 1+cnt] {
		if g.state[n] != slotLive {
			dirty = true
			break
		}
	}
	if !dirty {
		return cnt
	}
	b.begin(len(g.state))
	b.visit(u)
	uv := g.vec(u)
	cs := b.sorted[:0]
	add := func(n uint32) {
		if g.state[n] == slotLive && b.visit(n) {
			cs = append(cs, cand{id: n, score: g.score(uv, n)})
		}
	}
	for _, n := range lst[1 : 1+cnt] {
		if g.state[n] == slotLive {
			add(n)
			continue
		}
		// Two hops through deleted nodes: chains of tombstones are common
		// when a whole region was deleted.
		nl := g.links(n, l)
		for _, x := range nl[1 : 1+nl[0]] {
			if g.state[x] == slotDeleted && b.visit(x) {
				xl := g.links(x, l)
				for _, y := range xl[1 : 1+xl[0]] {
					add(y)
				}
				continue
			}
			add(x)
		}
	}
	sortDesc(cs)
	sel := g.selectNeighbors(cs, len(lst)-1, &b.sel)
	storeCands(lst, sel)
	b.sorted = cs
	return len(sel)
}
