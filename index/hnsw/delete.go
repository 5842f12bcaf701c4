package hnsw

import "slices"

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
func (g *Graph) Delete(id uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if int(id) >= len(g.state) || g.state[id] != slotLive {
		return
	}
	g.state[id] = slotDeleted
	g.live--
	g.deleted++
	if g.deleted >= compactMin && float64(g.deleted) > compactFrac*float64(g.live+g.deleted) {
		g.compact()
	}
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
	if g.deleted == 0 {
		return
	}
	b := &g.wbuf
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
		g.upper[i] = nil
		g.level[i] = 0
	}
	g.deleted = 0
	g.top = -1
	for i, st := range g.state {
		if st == slotLive && int(g.level[i]) > g.top {
			g.entry, g.top = uint32(i), int(g.level[i])
		}
	}
	// Nodes whose whole neighbourhood was deleted are relinked by search.
	if g.live > 1 {
		for _, u := range orphans {
			g.relink(u)
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
	slices.SortFunc(cs, func(a, b cand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	sel := g.selectNeighbors(cs, len(lst)-1, &b.sel)
	lst[0] = uint32(len(sel))
	for i, c := range sel {
		lst[1+i] = c.id
	}
	b.sorted = cs
	return len(sel)
}
