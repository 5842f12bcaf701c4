package lexical

import (
	"cmp"
	"slices"
)

// Top finds the k best slots with dynamic pruning that keeps the result
// exact (MaxScore over posting lists in no slot order).
//
// A group of a query adds at most what its terms' bounds allow (termBound:
// the greatest tf and, for an unseen slot, the shortest field among the
// term's postings). Top scans whole groups, the heaviest (rarest) first,
// and before each stops when the groups left could not lift an unseen
// slot to the k-th best score held. A slot met in a scanned group's
// postings is bounded first, from its own length: its exact share of this
// group (a one-word group) and the bounds of the groups left. Only a slot
// whose bound beats the k-th best, a tie included when the slot is lower,
// is scored in full from the forward index, once. On replicated rows the
// copies of a kept row tie with it at their bound and cost no lookup.
//
// At a million rows (the demo catalogue copied 3,236 times) every query
// word matches thousands of copies, and the exhaustive accumulation over
// whole lists was 46 % of the CPU of tessera-bench scale's HTTP phase;
// BenchmarkTopDuplicates measures the two side by side.
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
	memo  []float64 // by field length: slotBound for postings of tf memoTF
	heap  []Hit
}

// memoLengths bounds the field lengths whose slot bounds Top memoises
// within a group's scan: a bound depends only on the posting's tf and the
// slot's length, and most postings of a term share one tf. Computing each
// (a division per term of the groups left) was a third of Top's time on
// the replicated demo catalogue.
const memoLengths = 256

// Top returns the k best slots for q in field, best first (ties by slot),
// with Score > 0 and allow(slot) true (allow nil allows all). It reads
// only the postings of the query's terms, and of those only as many as
// the k-th best score leaves open.
func (x *Index) Top(q *Query, field string, k int, allow func(slot uint32) bool) []Hit {
	out, _ := x.top(q, field, k, allow)
	return out
}

// topWork is what one Top call did: postings read, slots scored in full.
type topWork struct{ read, scored int }

// top is Top, also returning its work.
func (x *Index) top(q *Query, field string, k int, allow func(slot uint32) bool) ([]Hit, topWork) {
	var work topWork
	fi, ok := x.byName[field]
	if !ok || k <= 0 {
		return nil, work
	}
	sc, _ := x.pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer x.pool.Put(sc)
	sc.s, ok = x.resolve(q, fi, sc.s)
	if !ok {
		return nil, work
	}
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
	for g, r := range s.groups {
		order = append(order, g)
		left = append(left, true)
		// rest[g] bounds g's share of any slot.
		rest = append(rest, s.groupBound(r, s.shortest(r)))
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rest[b], rest[a]) })
	sc.order, sc.left, sc.rest = order, left, rest

	h := sc.heap[:0]
	for n, g := range order {
		if len(h) == k && s.sumLeft(left, rest)/s.den < h[0].Score {
			break // no unseen slot can reach the k-th best
		}
		r := s.groups[g]
		plain := r.joined == noTerm && r.hi-r.lo == 1
		// With no other group left, an unseen slot's score is its share
		// of this group alone: the bound is the score.
		exact := plain && n == ng-1
		if sc.memo == nil {
			sc.memo = make([]float64, memoLengths)
		}
		memo := sc.memo
		for i := range memo {
			memo[i] = -1
		}
		memoTF := float32(-1)
		visit := func(term uint32) {
			post := f.postings(term)
			work.read += len(post)
			for _, p := range post {
				w, bit := p.slot>>6, uint64(1)<<(p.slot&63)
				if seen[w]&bit != 0 {
					continue
				}
				seen[w] |= bit
				if allow != nil && !allow(p.slot) {
					continue
				}
				var bound float64
				if length := f.lens[p.slot]; length < memoLengths && (p.tf == memoTF || memoTF < 0) {
					if memoTF < 0 {
						memoTF = p.tf
					}
					if memo[length] < 0 {
						memo[length] = s.slotBound(left, g, p) / s.den
					}
					bound = memo[length]
				} else {
					bound = s.slotBound(left, g, p) / s.den
				}
				c := Hit{Slot: p.slot, Score: bound}
				if len(h) == k && !worse(h[0], c) {
					continue // its score is at most c.Score
				}
				if !exact {
					c.Score = s.score(p.slot)
					work.scored++
				}
				if len(h) < k {
					h = append(h, c)
					up(h, len(h)-1)
				} else if worse(h[0], c) {
					h[0] = c
					down(h, 0)
				}
			}
		}
		for i := r.lo; i < r.hi; i++ {
			visit(s.ids[i])
		}
		visit(r.joined)
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

// slotBound bounds the score, before dividing by den, of p's slot, met in
// group g's postings and in none of a scanned group: g's share (exact for
// a one-word group) and the groups left bounded at the slot's length,
// added in group order as score adds shares.
func (s *scorer) slotBound(left []bool, g int, p posting) float64 {
	length := s.f.lens[p.slot]
	num := 0.0
	for i, r := range s.groups {
		switch {
		case i == g && r.joined == noTerm && r.hi-r.lo == 1:
			num += float64(s.idfs[r.lo] * s.sat(p.tf, length))
		case i == g || left[i]:
			num += s.groupBound(r, length)
		}
	}
	return num
}
