package lexical

import (
	"cmp"
	"slices"
)

// Top finds the k best slots with dynamic pruning that keeps the result
// exact (MaxScore over posting lists in no slot order).
//
// Every group of a query scores at most its weight (each term's saturation
// is capped at 1), so a slot that appears only in the postings of groups
// R scores at most the sum of R's weights. Top scans whole groups, the
// heaviest (rarest) first; a slot met in a scanned group's postings is
// scored in full from the forward index, once. Before each group it
// stops when the groups left could not lift an unseen slot to the k-th
// best score held. Within a list it skips, before any forward lookup, the
// slots whose bound (their exact share of this group plus the weights of
// the other groups left) cannot beat the k-th best, a tie included when
// the slot is higher: the copies of a product that tie with the kept ones
// cost one bound each.
//
// At a million rows every query word matches thousands of copies of the
// same titles, and the exhaustive accumulation over whole lists was 46 %
// of the CPU of tessera-bench scale's HTTP phase; BenchmarkTopDuplicates
// measures the two side by side.
//
// The bounds are exact in floating point, not only in real numbers: a
// bound adds the same terms in the same group order as score does, each
// term at least the slot's, and rounded addition, multiplication and
// division are monotone, so a slot's score never exceeds its bound.
// TestTopMatchesExhaustive compares the results bit for bit.

// scratch is Top's per-call memory, pooled.
type scratch struct {
	s     scorer
	seen  []uint64 // bitset by slot: visited in a scanned group's postings
	order []int    // groups in scan order
	left  []bool   // by group: not scanned yet
	heap  []Hit
}

// Top returns the k best slots for q in field, best first (ties by slot),
// with Score > 0 and allow(slot) true (allow nil allows all). It reads
// only the postings of the query's terms, and of those only as many as
// the k-th best score leaves open.
func (x *Index) Top(q *Query, field string, k int, allow func(slot uint32) bool) []Hit {
	out, _ := x.top(q, field, k, allow)
	return out
}

// top is Top, also returning how many postings it read.
func (x *Index) top(q *Query, field string, k int, allow func(slot uint32) bool) ([]Hit, int) {
	fi, ok := x.byName[field]
	if !ok || k <= 0 {
		return nil, 0
	}
	sc, _ := x.pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer x.pool.Put(sc)
	sc.s, ok = x.resolve(q, fi, sc.s)
	if !ok {
		return nil, 0
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
	order, left := sc.order[:0], sc.left[:0]
	for g := range s.groups {
		order = append(order, g)
		left = append(left, true)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(s.groups[b].weight, s.groups[a].weight) })
	sc.order, sc.left = order, left

	h := sc.heap[:0]
	read := 0
	for n, g := range order {
		if len(h) == k && s.bound(left, -1, 0)/s.den < h[0].Score {
			break // no unseen slot can reach the k-th best
		}
		r := s.groups[g]
		plain := r.joined == noTerm && r.hi-r.lo == 1
		// With no other group left, an unseen slot's score is its share
		// of this group alone: the bound is the score.
		exact := plain && n == ng-1
		groupBound := s.bound(left, g, r.weight) / s.den
		visit := func(term uint32) {
			post := f.postings(term)
			read += len(post)
			for _, p := range post {
				w, bit := p.slot>>6, uint64(1)<<(p.slot&63)
				if seen[w]&bit != 0 {
					continue
				}
				seen[w] |= bit
				if allow != nil && !allow(p.slot) {
					continue
				}
				c := Hit{Slot: p.slot, Score: groupBound}
				if plain {
					c.Score = s.bound(left, g, s.idfs[r.lo]*s.sat(p.tf, f.lens[p.slot])) / s.den
				}
				if len(h) == k && !worse(h[0], c) {
					continue // its score is at most c.Score
				}
				if !exact {
					c.Score = s.score(p.slot)
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
	return out, read
}

// bound is the most an unseen slot can score before dividing by den: the
// weights of the groups left, with c standing for group g's share (g -1:
// none), added in group order as score adds the shares.
func (s *scorer) bound(left []bool, g int, c float64) float64 {
	num := 0.0
	for i, r := range s.groups {
		switch {
		case i == g:
			num += c
		case left[i]:
			num += r.weight
		}
	}
	return num
}
