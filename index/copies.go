package index

import (
	"hash/maphash"
	"math"
	"unsafe"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/internal/vec"
)

// copyGroups groups rows that are copies of one item: rows whose vectors are
// bit for bit equal in Options.CopyDims (the text spaces) and differ only in
// the other, "light" dims (price, rating, sales, dates, categories). A
// catalogue with many such rows (an order book with a line per sale, a
// product listed by many sellers, a catalogue replicated by region) defeats
// the graph: an insert's neighbours are all copies of its own item, and a
// walk for a reweighted query ends among a few copies of one item and
// misses the copies the query's weights favour. A search therefore takes the
// groups (all of them when few, else those its walk reached), bounds what
// each group's best member can score (its shared score plus the most its
// members' light dims can add), and scores the members of the best groups
// until no group left can enter the top k.
//
// Measured with tessera-bench scale on the demo catalogue replicated to
// 100,000 rows (324 copies of each item): see README, "Copies of one item".
type copyGroups struct {
	shared []Span // the dims copies agree on
	light  []int  // every other dim (light dims)
	seed   maphash.Seed

	// byKey maps the hash of a row's shared dims to its group, or, for a
	// row with no copy yet, to the row itself (alone(slot), negative): a
	// catalogue without copies costs a map entry and 16 bytes a row.
	byKey  map[uint64]int32
	groups []copyGroup
	free   []int32  // unused entries of groups
	of     []int32  // slot → group, -1 for none
	pos    []int32  // slot → its index in its group's members
	keys   []uint64 // slot → the key it was filed under
	multi  []int32  // the groups of two rows or more (copyGroup.multiAt)
	// grouped counts the rows in multi's groups: when it is every row,
	// the groups alone can answer a search.
	grouped int

	// lo and hi hold, per group and light dim (len(light) values a group),
	// the least and greatest value any of its rows has held there. They
	// only widen (a delete leaves them), so they bound every member.
	lo, hi []float32
}

type copyGroup struct {
	key     uint64
	members []uint32
	multiAt int32 // index in copyGroups.multi, -1 when alone
	// vary lists the light dims (indices into copyGroups.light) where the
	// group's rows have differed; vals holds the members' values there,
	// a row of len(vary) per member in members' order. In every other
	// light dim each member holds the group's lo (== hi), so a member is
	// scored from its row alone: a few contiguous floats, where reading
	// its vector cost a cache miss or more (at 1M rows, 40 % of a
	// search's CPU).
	vary []int32
	vals []float32
}

// row is member p's values in the vary dims.
func (grp *copyGroup) row(p int32) []float32 {
	n := int32(len(grp.vary))
	return grp.vals[p*n : (p+1)*n : (p+1)*n]
}

// addColumn starts keeping light dim i, where every member so far held
// value.
func (grp *copyGroup) addColumn(i int32, value float32) {
	n := len(grp.vary)
	vals := make([]float32, 0, len(grp.members)*(n+1))
	for p := range grp.members {
		vals = append(vals, grp.vals[p*n:(p+1)*n]...)
		vals = append(vals, value)
	}
	grp.vary, grp.vals = append(grp.vary, i), vals
}

// set records value in light dim i for member p, starting a column when
// members now differ there. lo and hi are the group's bounds.
func (grp *copyGroup) set(p, i int32, value float32, lo, hi []float32) {
	if lo[i] == hi[i] && value != lo[i] {
		grp.addColumn(i, lo[i])
	}
	lo[i], hi[i] = min(lo[i], value), max(hi[i], value)
	for j, vi := range grp.vary {
		if vi == i {
			grp.row(p)[j] = value
			return
		}
	}
}

// newCopyGroups returns the groups for vectors of dim dims whose copies
// share the dims in shared, or nil when shared covers none or every dim
// (then no row has anything left to tell its copies apart).
func newCopyGroups(dim int, shared []Span) *copyGroups {
	in := make([]bool, dim)
	n := 0
	for _, sp := range shared {
		for d := max(sp.Off, 0); d < min(sp.Off+sp.Len, dim); d++ {
			if !in[d] {
				in[d] = true
				n++
			}
		}
	}
	if n == 0 || n == dim {
		return nil
	}
	g := &copyGroups{seed: maphash.MakeSeed(), byKey: map[uint64]int32{}}
	for d := 0; d < dim; d++ {
		if !in[d] {
			g.light = append(g.light, d)
			continue
		}
		start := d
		for d < dim && in[d] {
			d++
		}
		g.shared = append(g.shared, Span{Off: start, Len: d - start})
		d--
	}
	return g
}

func (g *copyGroups) key(v []float32) uint64 {
	var h maphash.Hash
	h.SetSeed(g.seed)
	for _, sp := range g.shared {
		part := v[sp.Off : sp.Off+sp.Len]
		h.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(part))), 4*len(part)))
	}
	return h.Sum64()
}

// sameShared reports whether a and b agree bit for bit in the shared dims.
func (g *copyGroups) sameShared(a, b []float32) bool {
	for _, sp := range g.shared {
		for d := sp.Off; d < sp.Off+sp.Len; d++ {
			if math.Float32bits(a[d]) != math.Float32bits(b[d]) {
				return false
			}
		}
	}
	return true
}

func (g *copyGroups) bounds(gi int32) (lo, hi []float32) {
	n := len(g.light)
	at := int(gi) * n
	return g.lo[at : at+n : at+n], g.hi[at : at+n : at+n]
}

// refreshed records new values of spans for slot s, packed in order (a
// refresh's recency dims, spans in ascending order as the encoder lays
// out its spaces); dims outside light are skipped.
func (g *copyGroups) refreshed(s uint32, spans []Span, packed []float32) {
	if int(s) >= len(g.of) || g.of[s] < 0 {
		return
	}
	gi := g.of[s]
	grp := &g.groups[gi]
	lo, hi := g.bounds(gi)
	i := 0
	for _, sp := range spans {
		for d := sp.Off; d < sp.Off+sp.Len; d++ {
			for i < len(g.light) && g.light[i] < d {
				i++
			}
			if i < len(g.light) && g.light[i] == d {
				grp.set(g.pos[s], int32(i), packed[0], lo, hi)
			}
			packed = packed[1:]
		}
	}
}

func (g *copyGroups) grow(s uint32) {
	for int(s) >= len(g.of) {
		g.of = append(g.of, -1)
		g.pos = append(g.pos, 0)
		g.keys = append(g.keys, 0)
	}
}

// alone is byKey's entry for slot s filed with no copy; slotAlone undoes it.
func alone(s uint32) int32     { return -1 - int32(s) }
func slotAlone(e int32) uint32 { return uint32(-1 - e) }

// add files slot s, whose vector is v, in group gi (s is in no group).
func (g *copyGroups) add(s uint32, gi int32, v []float32) {
	grp := &g.groups[gi]
	lo, hi := g.bounds(gi)
	for i, d := range g.light {
		if lo[i] == hi[i] && v[d] != lo[i] {
			grp.addColumn(int32(i), lo[i])
		}
		lo[i], hi[i] = min(lo[i], v[d]), max(hi[i], v[d])
	}
	p := int32(len(grp.members))
	g.pos[s] = p
	grp.members = append(grp.members, s)
	for _, i := range grp.vary {
		grp.vals = append(grp.vals, v[g.light[i]])
	}
	g.grouped++
	if len(grp.members) == 2 {
		grp.multiAt = int32(len(g.multi))
		g.multi = append(g.multi, gi)
		g.grouped++ // the first member too
	}
	g.of[s] = gi
}

// start opens a group for key with slot s, whose vector is v (s is in no
// group).
func (g *copyGroups) start(s uint32, key uint64, v []float32) {
	var gi int32
	if n := len(g.free); n > 0 {
		gi = g.free[n-1]
		g.free = g.free[:n-1]
	} else {
		gi = int32(len(g.groups))
		g.groups = append(g.groups, copyGroup{})
		g.lo = append(g.lo, make([]float32, len(g.light))...)
		g.hi = append(g.hi, make([]float32, len(g.light))...)
	}
	g.groups[gi] = copyGroup{key: key, members: []uint32{s}, multiAt: -1}
	lo, hi := g.bounds(gi)
	for i, d := range g.light {
		lo[i], hi[i] = v[d], v[d]
	}
	g.byKey[key] = gi
	g.of[s], g.pos[s] = gi, 0
}

// remove takes slot s out of its group.
func (g *copyGroups) remove(s uint32) {
	g.grow(s)
	gi := g.of[s]
	if gi < 0 {
		if e, ok := g.byKey[g.keys[s]]; ok && e == alone(s) {
			delete(g.byKey, g.keys[s])
		}
		return
	}
	g.of[s] = -1
	grp := &g.groups[gi]
	p, lastAt := g.pos[s], int32(len(grp.members)-1)
	last := grp.members[lastAt]
	grp.members[p], g.pos[last] = last, p
	copy(grp.row(p), grp.row(lastAt))
	grp.members = grp.members[:lastAt]
	grp.vals = grp.vals[:int(lastAt)*len(grp.vary)]
	if grp.multiAt >= 0 {
		g.grouped--
	}
	switch len(grp.members) {
	case 1:
		g.grouped-- // the member left alone
		at, moved := grp.multiAt, g.multi[len(g.multi)-1]
		g.multi[at], g.groups[moved].multiAt = moved, at
		g.multi = g.multi[:len(g.multi)-1]
		grp.multiAt = -1
	case 0:
		delete(g.byKey, grp.key)
		*grp = copyGroup{multiAt: -1}
		g.free = append(g.free, gi)
	}
}

// groupOf is slot s's group when it has copies, else -1.
func (g *copyGroups) groupOf(s uint32) int32 {
	if int(s) >= len(g.of) {
		return -1
	}
	gi := g.of[s]
	if gi < 0 || len(g.groups[gi].members) < 2 {
		return -1
	}
	return gi
}

// lightQuery is a query's view of the light dims: only those it weights
// (a category space without a query value is all zeros, most of the light
// dims of a catalogue with categories).
type lightQuery struct {
	at []int32   // indices into copyGroups.light where q is not zero
	q  []float32 // q at those dims
}

func (g *copyGroups) lightQuery(q []float32) lightQuery {
	var lq lightQuery
	for i, d := range g.light {
		if q[d] != 0 {
			lq.at, lq.q = append(lq.at, int32(i)), append(lq.q, q[d])
		}
	}
	return lq
}

// weigh returns, for group gi: what the light dims where its members
// agree add to each member's score (constant), and the most the light dims
// can add to any member's (ceiling).
func (g *copyGroups) weigh(lq lightQuery, gi int32) (constant, ceiling float32) {
	lo, hi := g.bounds(gi)
	for j, i := range lq.at {
		a, b := lq.q[j]*lo[i], lq.q[j]*hi[i]
		constant += a
		ceiling += max(a, b)
	}
	for _, i := range g.groups[gi].vary {
		if q := g.queryAt(lq, i); q != 0 {
			constant -= q * lo[i]
		}
	}
	return constant, ceiling
}

// queryAt is the query's value at light dim i.
func (g *copyGroups) queryAt(lq lightQuery, i int32) float32 {
	for j, a := range lq.at {
		if a == i {
			return lq.q[j]
		}
	}
	return 0
}

// varyingQuery appends the query's values at group gi's vary dims to qv.
func (g *copyGroups) varyingQuery(lq lightQuery, gi int32, qv []float32) []float32 {
	for _, i := range g.groups[gi].vary {
		qv = append(qv, g.queryAt(lq, i))
	}
	return qv
}

// CopyGroups is how many groups of two rows or more Options.CopyDims
// formed: items with copies.
func (c *Collection) CopyGroups() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.copies == nil {
		return 0
	}
	return len(c.copies.multi)
}

// copyLocked files slot s, whose current vector's shared dims hash to key,
// under its copies, leaving its old group; on a hash collision (the
// group's first member differs in a shared dim) s stays alone. c.mu must
// be held for writing.
func (c *Collection) copyLocked(s uint32, key uint64) {
	g := c.copies
	g.remove(s)
	g.keys[s] = key
	e, ok := g.byKey[key]
	switch {
	case !ok:
		g.byKey[key] = alone(s)
	case e >= 0:
		c.visitPairLocked(g.groups[e].members[0], s, func(first, v []float32) {
			if first != nil && v != nil && g.sameShared(first, v) {
				g.add(s, e, v)
			}
		})
	default:
		// The item's second row: the first becomes a group's first member.
		first := slotAlone(e)
		c.visitPairLocked(first, s, func(vf, v []float32) {
			if vf != nil && v != nil && g.sameShared(vf, v) {
				g.start(first, key, vf)
				g.add(s, g.of[first], v)
			}
		})
	}
}

// placeCopiesLocked groups the slots of a collection just loaded; c.mu
// must be held for writing.
func (c *Collection) placeCopiesLocked(slots []uint32) {
	keys, has := make([]uint64, len(slots)), make([]bool, len(slots))
	c.graph.VisitVectors(slots, func(i int, v []float32) {
		if p, ok := c.pending[slots[i]]; ok {
			v = p
		}
		if v != nil {
			keys[i], has[i] = c.copies.key(v), true
		}
	})
	for i, s := range slots {
		if has[i] {
			c.copyLocked(s, keys[i])
		}
	}
}

// visitPairLocked calls fn with the current vectors of slots a and b (nil
// for one that has none), without copying; c.mu must be held.
func (c *Collection) visitPairLocked(a, b uint32, fn func(va, vb []float32)) {
	pa, pendingA := c.pending[a]
	pb, pendingB := c.pending[b]
	if pendingA && pendingB {
		fn(pa, pb)
		return
	}
	var va []float32
	c.graph.VisitVectors([]uint32{a, b}, func(i int, v []float32) {
		if i == 0 {
			va = v
			if pendingA {
				va = pa
			}
			return
		}
		if pendingB {
			v = pb
		}
		fn(va, v)
	})
}

// maxCopiesScored caps the rows one search scores through groups, and
// maxCopiesChecked the members it tests against its filter, so a query
// whose bounds stay loose (weights that make every group a contender)
// costs a bounded scan: 64k rows of a few floats each, 512k filter tests.
// At 1M rows of 3,236 copies each, a cap of 64k tests cut filtered recall
// to 0.92–0.97 (twenty groups, most of their members filtered out).
const (
	maxCopiesScored  = 1 << 16
	maxCopiesChecked = 1 << 19
)

// A search bounds every group with copies, not only those its walk
// reached, when there are at most groupsPerEf per unit of its ef, or at
// most one per rowsPerGroupScan rows (then bounding them all costs a small
// share of a scan). Measured (tessera-bench index --orderbook 40000;
// tessera-bench scale on the Amazon rows replicated to 100k): on the order
// book (3,636 products of 11 lines) bounding them all cost the default
// class 0.75 → 3.1 ms p50 for recall 0.99 → 0.998, its loose bounds
// scoring nearly every line; on the Amazon rows (1,342 items of 74 rows)
// the walk's groups alone gave 0.78–0.92 for text with weights, all of
// them 1.000 (index p50 1.28 → 1.58 ms).
const (
	groupsPerEf      = 4
	rowsPerGroupScan = 32
)

// memberTest says which members of a group a search may return: those in
// allow and passing pass, each when set (a group's members are live rows).
type memberTest struct {
	allow *bitset.BitSet
	pass  func(uint32) bool
}

// expandCopiesLocked completes res, the walk's candidates best first (nil:
// no walk), with the members of groups of copies that can still enter the
// top k, and returns the top k and whether it is complete: false when a
// cap stopped it with groups left that could still contribute. test says
// which members the search may return (the filter, and not pending:
// pending rows are scanned apart). c.mu must be held.
func (c *Collection) expandCopiesLocked(q []float32, k, ef int, res []hnsw.Result, test memberTest) ([]hnsw.Result, bool) {
	g := c.copies
	if g == nil || len(g.multi) == 0 {
		return res[:min(k, len(res))], true
	}
	var groups []int32
	if c.boundsAllGroupsLocked(ef) {
		groups = g.multi
	} else {
		seen := make(map[int32]bool)
		for _, r := range res {
			if gi := g.groupOf(r.ID); gi >= 0 && !seen[gi] {
				seen[gi] = true
				groups = append(groups, gi)
			}
		}
	}
	if len(groups) == 0 {
		return res[:min(k, len(res))], true
	}
	cands := make([]boundedGroup, len(groups))
	firsts := make([]uint32, len(groups))
	for i, gi := range groups {
		cands[i].group = gi
		firsts[i] = g.groups[gi].members[0]
	}
	// A group's shared score is its first member's score less what that
	// member's light dims add: the graph scores the first members in one
	// prefetched stream (reading each vector apart cost about 1 µs a
	// group).
	full := make([]float32, len(firsts))
	c.graph.ScoreIDs(q, firsts, full)
	lq := g.lightQuery(q)
	var qv []float32
	for i, s := range firsts {
		if p, ok := c.pending[s]; ok {
			full[i] = vec.Dot(q, p)
		}
		cands[i].shared, cands[i].best = float32(math.Inf(-1)), float32(math.Inf(-1))
		if math.IsInf(float64(full[i]), -1) {
			continue
		}
		gi := cands[i].group
		constant, ceiling := g.weigh(lq, gi)
		qv = g.varyingQuery(lq, gi, qv[:0])
		first := constant
		for j, x := range g.groups[gi].row(0) {
			first += qv[j] * x
		}
		cands[i].constant = constant
		cands[i].shared = full[i] - first
		cands[i].best = cands[i].shared + ceiling
	}
	heapifyGroups(cands)
	// The walk's own finds come back among their groups' members: offer
	// keeps one entry per slot.
	top := newBestK(k)
	for _, r := range res {
		top.offer(r.ID, r.Score)
	}
	scored, checked := 0, 0
	for len(cands) > 0 {
		var cd boundedGroup
		cd, cands = popGroup(cands)
		if math.IsInf(float64(cd.best), -1) || (top.full() && cd.best <= top.worst()) {
			break
		}
		members := g.groups[cd.group].members
		if scored >= maxCopiesScored || checked+len(members) > maxCopiesChecked {
			return top.res, false
		}
		checked += len(members)
		grp := &g.groups[cd.group]
		base := cd.shared + cd.constant
		qv = g.varyingQuery(lq, cd.group, qv[:0])
		for p, s := range members {
			if (test.allow != nil && !test.allow.Test(uint(s))) || (test.pass != nil && !test.pass(s)) {
				continue
			}
			scored++
			score := base
			for j, x := range grp.row(int32(p)) {
				score += qv[j] * x
			}
			top.offer(s, score)
		}
	}
	return top.res, true
}

// boundedGroup is a group of copies with its bound for one search: the
// score its members share, the constant of its light dims, and the most
// any member scores.
type boundedGroup struct {
	group                  int32
	shared, constant, best float32
}

// groupFirst orders bounded groups: best bound first, then by group.
func groupFirst(a, b boundedGroup) bool {
	if a.best != b.best {
		return a.best > b.best
	}
	return a.group < b.group
}

// heapifyGroups orders cands as a heap under groupFirst. A search takes
// groups best bound first only until none can enter its top k, most often
// a few of them: sorting all of them (1,342 on the Amazon rows copied to
// 1M) was 11 % of the CPU of tessera-bench scale's HTTP phase.
func heapifyGroups(cands []boundedGroup) {
	for i := len(cands)/2 - 1; i >= 0; i-- {
		siftGroup(cands, i)
	}
}

// popGroup takes the first group off the heap cands.
func popGroup(cands []boundedGroup) (boundedGroup, []boundedGroup) {
	first, last := cands[0], len(cands)-1
	cands[0] = cands[last]
	cands = cands[:last]
	siftGroup(cands, 0)
	return first, cands
}

func siftGroup(h []boundedGroup, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && groupFirst(h[c+1], h[c]) {
			c++
		}
		if !groupFirst(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// boundsAllGroupsLocked reports whether a search of breadth ef bounds every
// group with copies (see groupsPerEf); c.mu must be held.
func (c *Collection) boundsAllGroupsLocked(ef int) bool {
	return len(c.copies.multi) <= max(groupsPerEf*ef, len(c.slots)/rowsPerGroupScan)
}

// copiesCoverLocked reports whether every row is a copy in a group a
// search of breadth ef bounds, so that the groups alone answer it; c.mu
// must be held.
func (c *Collection) copiesCoverLocked(ef int) bool {
	return c.copies.grouped == len(c.slots) && c.boundsAllGroupsLocked(ef)
}
