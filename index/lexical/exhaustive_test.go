package lexical

import "slices"

// topExhaustive is Top without pruning, as it was before it: it adds every
// posting of every query term into per-slot accumulators and keeps the k
// best. Tests and benchmarks hold Top to it.
func (x *Index) topExhaustive(q *Query, field string, k int, allow func(slot uint32) bool) []Hit {
	fi, ok := x.byName[field]
	if !ok || k <= 0 {
		return nil
	}
	s, ok := x.resolve(q, fi, scorer{})
	if !ok {
		return nil
	}
	f := s.f
	acc := make([]float64, len(f.fwd))
	grp := make([]float64, len(f.fwd))
	var hit []uint32
	for _, r := range s.groups {
		if r.joined == noTerm && r.hi-r.lo == 1 {
			idf := s.idfs[r.lo]
			for _, p := range f.postings(s.ids[r.lo]) {
				if acc[p.slot] == 0 {
					hit = append(hit, p.slot)
				}
				acc[p.slot] += float64(idf * s.sat(p.tf, f.lens[p.slot]))
			}
			continue
		}
		var in []uint32
		for i := r.lo; i < r.hi; i++ {
			idf := s.idfs[i]
			for _, p := range f.postings(s.ids[i]) {
				if grp[p.slot] == 0 {
					in = append(in, p.slot)
				}
				grp[p.slot] += float64(idf * s.sat(p.tf, f.lens[p.slot]))
			}
		}
		for _, p := range f.postings(r.joined) {
			j := float64(r.weight * s.sat(p.tf, f.lens[p.slot]))
			if grp[p.slot] == 0 {
				in = append(in, p.slot)
			}
			grp[p.slot] = max(grp[p.slot], j)
		}
		for _, slot := range in {
			if acc[slot] == 0 {
				hit = append(hit, slot)
			}
			acc[slot] += grp[slot]
			grp[slot] = 0
		}
	}
	var h []Hit
	for _, slot := range hit {
		score := acc[slot] / s.den
		if allow != nil && !allow(slot) {
			continue
		}
		c := Hit{slot, score}
		if len(h) < k {
			h = append(h, c)
			up(h, len(h)-1)
		} else if worse(h[0], c) {
			h[0] = c
			down(h, 0)
		}
	}
	slices.SortFunc(h, byRank)
	return h
}
