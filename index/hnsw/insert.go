package hnsw

import (
	"fmt"
	"slices"
)

// Add inserts vec under id. Re-adding an id (live or deleted) replaces its
// vector in place and relinks it: its own neighbour lists are rebuilt from a
// fresh search, and links pointing at it stay as routing edges.
// It returns an error when len(vec) differs from the graph's dimension.
func (g *Graph) Add(id uint32, v []float32) error {
	if len(v) != g.dim {
		return fmt.Errorf("hnsw: add id %d: vector has %d dims, graph has %d", id, len(v), g.dim)
	}
	if id == noID {
		return fmt.Errorf("hnsw: add: id %d is reserved", id)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if int(id) >= len(g.state) {
		g.extend(int(id) + 1)
	}
	copy(g.vec(id), v)
	switch g.state[id] {
	case slotLive:
		g.relink(id)
		return nil
	case slotDeleted:
		g.deleted--
		g.live++
		g.state[id] = slotLive
		g.relink(id)
		return nil
	}
	lvl := g.randomLevel()
	g.level[id] = uint8(lvl)
	if lvl > 0 {
		g.upper[id] = make([]uint32, lvl*(g.cfg.M+1))
	}
	g.state[id] = slotLive
	g.live++
	if g.top < 0 {
		g.entry, g.top = id, lvl
		return nil
	}
	g.link(id, lvl)
	if lvl > g.top {
		g.entry, g.top = id, lvl
	}
	return nil
}

// relink rebuilds the neighbour lists of an existing node after its vector
// changed.
func (g *Graph) relink(id uint32) {
	lvl := int(g.level[id])
	for l := 0; l <= lvl; l++ {
		g.links(id, l)[0] = 0
	}
	if g.live+g.deleted <= 1 {
		return
	}
	g.link(id, lvl)
}

// link connects node id (vector already stored) on layers 0..lvl.
func (g *Graph) link(id uint32, lvl int) {
	q := g.vec(id)
	b := &g.wbuf
	ep := cand{id: g.entry, score: g.score(q, g.entry)}
	for l := g.top; l > lvl; l-- {
		ep = g.greedy(q, ep, l)
	}
	for l := min(lvl, g.top); l >= 0; l-- {
		g.searchLayer(b, q, ep, g.cfg.EfConstruction, l, nil, false, id)
		b.sorted = b.res.drainDesc(b.sorted[:0])
		if len(b.sorted) == 0 {
			continue
		}
		ep = b.sorted[0]
		sel := g.selectNeighbors(b.sorted, g.cfg.M, &b.sel)
		lst := g.links(id, l)
		lst[0] = uint32(len(sel))
		for i, c := range sel {
			lst[1+i] = c.id
		}
		// Copy out: addLink reuses b.sel for pruning.
		b.ids = b.ids[:0]
		for _, c := range sel {
			b.ids = append(b.ids, c.id)
		}
		for _, n := range b.ids {
			g.addLink(n, id, l)
		}
	}
}

// greedy walks layer l from ep to a local optimum for q (ef = 1).
func (g *Graph) greedy(q []float32, ep cand, l int) cand {
	for changed := true; changed; {
		changed = false
		lst := g.links(ep.id, l)
		for _, n := range lst[1 : 1+lst[0]] {
			if s := g.score(q, n); s > ep.score {
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
	for len(b.front) > 0 {
		c := b.front[0]
		if len(b.res) >= ef && c.score < b.res[0].score {
			break
		}
		b.front.pop()
		var lst []uint32
		if l == 0 {
			o := int(c.id) * (g.m0 + 1)
			lst = g.links0[o+1 : o+1+int(g.links0[o])]
		} else {
			lst = g.links(c.id, l)
			lst = lst[1 : 1+lst[0]]
		}
		for _, n := range lst {
			if !b.visit(n) {
				continue
			}
			s := g.score(q, n)
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
	return g.state[id] == slotLive && (filter == nil || filter(id))
}

// selectNeighbors is the HNSW paper's heuristic (algorithm 4): walking
// candidates from closest, keep one only if it is closer to the base than to
// every neighbour already kept. This spreads links across directions so
// clustered data stays navigable. cands must be sorted by descending score.
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

// addLink adds a link n -> id on layer l, pruning n's list with the
// heuristic when it is full.
func (g *Graph) addLink(n, id uint32, l int) {
	lst := g.links(n, l)
	cnt := int(lst[0])
	if slices.Contains(lst[1:1+cnt], id) {
		return
	}
	if cnt < len(lst)-1 {
		lst[1+cnt] = id
		lst[0]++
		return
	}
	b := &g.wbuf
	nv := g.vec(n)
	cs := b.sorted[:0]
	cs = append(cs, cand{id: id, score: g.score(nv, id)})
	for _, x := range lst[1 : 1+cnt] {
		cs = append(cs, cand{id: x, score: g.score(nv, x)})
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
}
