package hnsw

import (
	"hash/maphash"
	"slices"
	"unsafe"
)

// Health describes the shape of the graph's bottom layer, where every
// search ends: how evenly links point at nodes, which nodes no walk can
// reach, and how many vectors are exact duplicates of another.
type Health struct {
	Live int `json:"live"`
	// InDegree quantiles over live nodes: how many layer-0 lists name a
	// node (min, p1, p50, p99, max), and how many nodes no list names.
	InDegreeMin, InDegreeP1, InDegreeP50, InDegreeP99, InDegreeMax int
	ZeroInDegree                                                   int `json:"zero_in_degree"`
	// OutDegreeMean is the mean layer-0 list length of live nodes.
	OutDegreeMean float64 `json:"out_degree_mean"`
	// Unreachable counts live nodes a walk from the entry point over
	// layer-0 links (through tombstones too) never reaches.
	Unreachable int `json:"unreachable"`
	// Duplicates counts live nodes whose vector equals an earlier live
	// node's bit for bit; DuplicateGroups the distinct vectors among them.
	Duplicates      int `json:"duplicates"`
	DuplicateGroups int `json:"duplicate_groups"`
	// TwinLinkShare is the share of live nodes' layer-0 links that point
	// at a near-duplicate of the node (a twin: within twinFrac of its own
	// scale, see twins.go), and NoFarLinks counts live nodes whose layer-0
	// list names only twins: on a catalogue of jittered copies such nodes
	// lead a walk nowhere but to more copies of the same row.
	TwinLinkShare float64 `json:"twin_link_share"`
	NoFarLinks    int     `json:"no_far_links"`
}

// Health measures the graph (see [Health]). It reads every link and
// vector once; searches may run meanwhile, writers wait.
func (g *Graph) Health() Health {
	g.mu.RLock()
	defer g.mu.RUnlock()
	g.wmu.Lock()
	defer g.wmu.Unlock()
	n := len(g.state)
	var h Health
	in := make([]int, n)
	out := 0
	for id := range n {
		if st := g.state[id]; st != slotLive && st != slotDeleted {
			continue
		}
		lst := g.links(uint32(id), 0)
		cnt := int(lst[0])
		if g.state[id] == slotLive {
			h.Live++
			out += cnt
		}
		for _, x := range lst[1 : 1+cnt] {
			in[x]++
		}
	}
	if h.Live == 0 {
		return h
	}
	h.OutDegreeMean = float64(out) / float64(h.Live)
	h.TwinLinkShare, h.NoFarLinks = g.twinLinks(out)
	deg := make([]int, 0, h.Live)
	for id := range n {
		if g.state[id] == slotLive {
			deg = append(deg, in[id])
			if in[id] == 0 {
				h.ZeroInDegree++
			}
		}
	}
	slices.Sort(deg)
	q := func(p float64) int { return deg[min(len(deg)-1, int(p*float64(len(deg))))] }
	h.InDegreeMin, h.InDegreeP1, h.InDegreeP50, h.InDegreeP99, h.InDegreeMax = deg[0], q(0.01), q(0.5), q(0.99), deg[len(deg)-1]

	entry, top := g.entry()
	seen := make([]bool, n)
	if top >= 0 {
		stack := []uint32{entry}
		seen[entry] = true
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			lst := g.links(id, 0)
			for _, x := range lst[1 : 1+int(lst[0])] {
				if !seen[x] {
					seen[x] = true
					stack = append(stack, x)
				}
			}
		}
	}
	seed := maphash.MakeSeed()
	groups := map[uint64][]uint32{}
	for id := range n {
		if g.state[id] != slotLive {
			continue
		}
		if !seen[id] {
			h.Unreachable++
		}
		v := g.vec(uint32(id))
		key := maphash.Bytes(seed, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*4))
		dup := false
		for _, o := range groups[key] {
			if slices.Equal(g.vec(o), v) {
				dup = true
				break
			}
		}
		if dup {
			if h.Duplicates++; len(groups[key]) == 1 {
				h.DuplicateGroups++
			}
		}
		groups[key] = append(groups[key], uint32(id))
	}
	return h
}

// twinLinks counts, over live nodes' layer-0 lists holding links in all,
// the share of links to a twin of their node and the nodes with no other
// link. The caller holds the locks Health takes.
func (g *Graph) twinLinks(links int) (share float64, noFar int) {
	if links == 0 {
		return 0, 0
	}
	twins := 0
	var sc []float32
	for id := range g.state {
		if g.state[id] != slotLive {
			continue
		}
		lst := g.links(uint32(id), 0)
		nb := lst[1 : 1+int(lst[0])]
		if len(nb) == 0 {
			continue
		}
		v := g.vec(uint32(id))
		bound := g.twinBound(v)
		sc = slices.Grow(sc[:0], len(nb))[:len(nb)]
		g.scoreMany(v, nb, sc)
		far := false
		for _, s := range sc {
			if s >= bound {
				twins++
			} else {
				far = true
			}
		}
		if !far {
			noFar++
		}
	}
	return float64(twins) / float64(links), noFar
}
