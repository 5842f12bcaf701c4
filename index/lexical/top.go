package lexical

import (
	"cmp"
	"slices"
)

// Top finds the k best slots with dynamic pruning that keeps the result
// exact (MaxScore over posting lists in no particular slot order).
//
// A group of a query adds at most what its terms' bounds allow (termBound:
// the greatest and least tf and the shortest field among the term's
// postings). Top scans whole groups, the heaviest (rarest) first, and
// before each stops when the groups left could not lift an unseen slot to
// the k-th best score held. A slot met in a scanned group's postings is
// bounded, at the group's shortest field and then at its own length: its
// exact share of this group (a one-word group) and the bounds of the
// groups left (once slots are being scored often, only of the groups it
// is in). Only a slot whose bound beats the k-th best, a tie included
// when the slot is lower, is scored in full from the forward index, once.
// A posting's slot leads the slots of its text (twins.go), which tie with
// it and enter in slot order; in a list in slot order (a bulk load's) the
// scan stops where no unseen slot could enter any more. Where pruning
// scores too many slots in full it gives up (giveUpAfter).
//
// At a million rows (the demo catalogue copied 3,236 times) every query
// word matches thousands of copies, and the exhaustive accumulation over
// whole lists (topAll) was 34–46 % of the CPU of tessera-bench scale's
// HTTP phase, its per-slot accumulators and lengths (12 MB) missing the
// cache. BenchmarkTopDemoCopies measures the two side by side.
//
// The bounds hold in floating point, not only in real numbers: a bound
// adds the same terms in the same group order as score does, each term at
// least the slot's, and rounded addition, multiplication and division are
// monotone (satOf forbids fused multiply-adds), so a slot's score never
// exceeds its bound. TestTopMatchesExhaustive* compare the results bit
// for bit.

// scratch is Top's per-call memory, pooled.
type scratch struct {
	s     scorer
	seen  []uint64 // bitset by slot: visited in a scanned group's postings
	order []int    // groups in scan order
	left  []bool   // by group: not scanned yet
	rest  []float64
	// topAll's accumulators
	acc, grp []float64  // by slot
	hit, in  []uint32   // slots with acc > 0, with grp > 0
	bounds   []float64  // by group and field length: groupBound, -1 until computed
	member   [][]uint64 // by group: bitset of the slots in its postings, once built
	pool     [][]uint64 // member bitsets to reuse
	heap     []Hit
}

// memoLengths bounds the field lengths whose group bounds Top keeps for
// the rest of a call: a slot's bound depends only on its tf in the group
// scanned and on its length, and computing each (a division per term of
// the groups left) was a third of Top's time on the replicated demo
// catalogue.
const memoLengths = 256

// memberAfter is how many slots Top scores in full before it marks the
// slots of each group left in a bitset. A slot that lacks a word then
// gets no bound for it: on replicated rows, where the copies of every
// row with the rarest word but not the others were each scored in full
// ("Kitchara 6": 1,150 of 2,400 postings at 92,700 rows), marking costs
// a bit per posting instead.
const memberAfter = 32

// Top returns the k best slots for q in field, best first (ties by slot),
// with Score > 0 and allow(slot) true (allow nil allows all). It reads
// only the postings of the query's terms, and of those only as many as
// the k-th best score leaves open.
func (x *Index) Top(q *Query, field string, k int, allow func(slot uint32) bool) []Hit {
	if fi, ok := x.byName[field]; ok && len(x.fields[fi].fwd) < pruneFrom {
		return x.topAll(q, field, k, allow)
	}
	out, _ := x.top(q, field, k, allow, true)
	return out
}

// giveUpAfter bounds the slots the pruned top-k scores in full, as a share
// of the query's postings, before it gives up and adds up every posting
// instead. Where the best rows lack some of the query's words and words
// repeat within rows (random titles over 40 words, BenchmarkTopDuplicates
// at 1M rows), pruning scored up to one slot in five postings and took
// 7.1 ms against 4.5; the real queries of the replicated demo catalogue
// score about one in a hundred.
const giveUpAfter = 16

// pruneFrom is the field size in slots from which Top prunes. Below it
// the accumulators of every posting stay in the cache and adding them all
// up is about as cheap, and cheaper where pruning does badly: at 100k
// rows (CPU per query, pruned against exhaustive) 73 µs against 81 on the
// demo catalogue's copies (BenchmarkTopDemoCopies), 0.73–0.79 ms against
// 0.26–0.47 on random titles (BenchmarkTopDuplicates); at 309,000 rows
// 107 µs against 273 on the demo's copies.
const pruneFrom = 1 << 18

// topWork is what one Top call did: postings read, slot lengths read,
// slots scored in full, and whether it gave up pruning.
type topWork struct {
	read, lengths, scored int
	gaveUp                bool
}

// top is the pruned top-k, also returning its work. With giveUp it turns
// to topAll once it has scored more than 1/giveUpAfter of the query's
// postings in full.
func (x *Index) top(q *Query, field string, k int, allow func(slot uint32) bool, giveUp bool) ([]Hit, topWork) {
	var work topWork
	if k <= 0 {
		return nil, work
	}
	sc, ok := x.scratchFor(q, field)
	if !ok {
		return nil, work
	}
	defer x.pool.Put(sc)
	s := &sc.s
	f := s.f
	words := (len(f.fwd) + 63) / 64
	if len(sc.seen) < words {
		sc.seen = make([]uint64, words)
	}
	seen := sc.seen[:words]
	defer clear(seen)

	ng := len(s.groups)
	order, left, rest := sc.order[:0], sc.left[:0], sc.rest[:0]
	member := sc.member[:0]
	for g, r := range s.groups {
		order = append(order, g)
		left = append(left, true)
		// rest[g] bounds g's share of any slot.
		rest = append(rest, s.groupBound(r, s.shortest(r)))
		member = append(member, nil)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rest[b], rest[a]) })
	sc.order, sc.left, sc.rest, sc.member = order, left, rest, member
	sc.bounds = slices.Grow(sc.bounds[:0], ng*memoLengths)[:ng*memoLengths]
	for i := range sc.bounds {
		sc.bounds[i] = -1
	}
	defer sc.release()
	b := bounder{s: s, left: left, member: member, memo: sc.bounds}

	h := sc.heap[:0]
	budget := -1 // full scores left; -1: no bound
	if giveUp {
		total := 0
		for _, r := range s.groups {
			for i := r.lo; i < r.hi; i++ {
				total += len(f.postings(s.ids[i]))
			}
			total += len(f.postings(r.joined))
		}
		budget = 64 + total/giveUpAfter
	}
	for n, g := range order {
		if len(h) == k && s.sumLeft(left, rest)/s.den < h[0].Score {
			break // no unseen slot can reach the k-th best
		}
		r := s.groups[g]
		plain := r.joined == noTerm && r.hi-r.lo == 1
		// With no other group left, an unseen slot's score is its share
		// of this group alone: the bound is the score.
		exact := plain && n == ng-1
		shortest := s.shortest(r) // no slot in g's postings is shorter
		// The most an unseen slot can score while g is scanned.
		unseen := s.sumLeft(left, rest) / s.den
		visit := func(term uint32) {
			post := f.postings(term)
			ordered := len(post) > 0 && !f.bounds[term].unordered
			for j, p := range post {
				// In a list in slot order, once no unseen slot could beat
				// the k-th best at this slot, none further on can: they
				// are higher, and lose ties. Rows copied in bulk stop
				// here once the kept copies reach the highest bound.
				if ordered && len(h) == k && !worse(h[0], Hit{Slot: p.slot, Score: unseen}) {
					work.read += j
					return
				}
				w, bit := p.slot>>6, uint64(1)<<(p.slot&63)
				if seen[w]&bit != 0 {
					continue
				}
				seen[w] |= bit
				// p.slot leads its text's slots (twins.go): first is
				// the lowest of them the filter passes.
				first, ok := f.firstAllowed(p.slot, allow)
				if !ok {
					continue
				}
				// Bounded first at the group's shortest field, which
				// reads nothing by slot: the slots' lengths (4 MB at 1M
				// rows) missed the cache on most postings and took 40 %
				// of Top's time at 1M rows.
				c := Hit{Slot: first, Score: b.slot(g, p, shortest) / s.den}
				if len(h) == k && !worse(h[0], c) {
					continue // its score is at most c.Score
				}
				c.Score = b.slot(g, p, f.lens[p.slot]) / s.den
				work.lengths++
				if len(h) == k && !worse(h[0], c) {
					continue
				}
				if !exact {
					if work.scored == memberAfter {
						sc.mark(g)
					}
					c.Score = s.score(p.slot)
					work.scored++
					if work.scored == budget {
						work.gaveUp = true
						return
					}
				}
				h = f.keep(h, c, k, allow)
			}
			work.read += len(post)
		}
		for i := r.lo; i < r.hi; i++ {
			visit(s.ids[i])
		}
		visit(r.joined)
		if work.gaveUp {
			sc.heap = h
			return x.topAll(q, field, k, allow), work
		}
		left[g] = false
	}
	sc.heap = h
	out := slices.Clone(h)
	slices.SortFunc(out, byRank)
	return out, work
}

// sumLeft bounds an unseen slot's score before dividing by den: the
// bounds of the groups left, added in group order as score adds shares.
func (s *scorer) sumLeft(left []bool, rest []float64) float64 {
	num := 0.0
	for g := range s.groups {
		if left[g] {
			num += rest[g]
		}
	}
	return num
}

// bounder bounds the scores of slots met in a group's postings.
type bounder struct {
	s      *scorer
	left   []bool
	member [][]uint64
	memo   []float64 // by group and length
}

// slot bounds the score, before dividing by den, of p's slot, met in
// group g's postings and in none of a scanned group, whose field is at
// least length words long: g's share (exact for a one-word group at the
// slot's own length) and the groups left bounded at length (none for a
// group whose slots are marked and lack it), added in group order as
// score adds shares. Shares only fall as the field grows.
func (b *bounder) slot(g int, p posting, length uint32) float64 {
	s := b.s
	w, bit := p.slot>>6, uint64(1)<<(p.slot&63)
	num := 0.0
	for i, r := range s.groups {
		switch {
		case i == g && r.joined == noTerm && r.hi-r.lo == 1:
			num += float64(s.idfs[r.lo] * s.sat(p.tf, length))
		case i == g || b.left[i] && (b.member[i] == nil || b.member[i][w]&bit != 0):
			num += b.group(i, length)
		}
	}
	return num
}

// group is groupBound of group i at length, memoised.
func (b *bounder) group(i int, length uint32) float64 {
	if length >= memoLengths {
		return b.s.groupBound(b.s.groups[i], length)
	}
	m := &b.memo[i*memoLengths+int(length)]
	if *m < 0 {
		*m = b.s.groupBound(b.s.groups[i], length)
	}
	return *m
}

// mark builds the member bitsets of the groups left but g.
func (sc *scratch) mark(g int) {
	s := &sc.s
	words := (len(s.f.fwd) + 63) / 64
	for i, r := range s.groups {
		if i == g || !sc.left[i] || sc.member[i] != nil {
			continue
		}
		var m []uint64
		if n := len(sc.pool); n > 0 {
			m, sc.pool = sc.pool[n-1], sc.pool[:n-1]
		}
		if len(m) < words {
			m = make([]uint64, words)
		}
		m = m[:words]
		for j := r.lo; j <= r.hi; j++ {
			term := r.joined
			if j < r.hi {
				term = s.ids[j]
			}
			for _, p := range s.f.postings(term) {
				m[p.slot>>6] |= 1 << (p.slot & 63)
			}
		}
		sc.member[i] = m
	}
}

// release clears the member bitsets built and keeps them for reuse.
func (sc *scratch) release() {
	for i, m := range sc.member {
		if m != nil {
			clear(m)
			sc.pool = append(sc.pool, m)
			sc.member[i] = nil
		}
	}
}
