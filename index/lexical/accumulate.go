package lexical

import "slices"

// topAll is Top without pruning, as Top was before it pruned: it adds
// every posting of every query term into per-slot accumulators and keeps
// the k best. Top runs it on fields of fewer than pruneFrom slots, and
// tests hold the pruned top-k to it.
func (x *Index) topAll(q *Query, field string, k int, allow func(slot uint32) bool) []Hit {
	if k <= 0 {
		return nil
	}
	bufs, ok := x.scratchFor(q, field)
	if !ok {
		return nil
	}
	defer x.pool.Put(bufs)
	s := &bufs.s
	f := s.f
	if len(bufs.acc) < len(f.fwd) {
		bufs.acc, bufs.grp = make([]float64, len(f.fwd)), make([]float64, len(f.fwd))
	}
	acc, grp := bufs.acc, bufs.grp
	hit := bufs.hit[:0]
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
		in := bufs.in[:0]
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
		bufs.in = in
	}
	bufs.hit = hit
	h := bufs.heap[:0]
	for _, slot := range hit {
		score := acc[slot] / s.den
		acc[slot] = 0
		if first, ok := f.firstAllowed(slot, allow); ok {
			h = f.keep(h, Hit{first, score}, k, allow)
		}
	}
	bufs.heap = h
	out := slices.Clone(h)
	slices.SortFunc(out, byRank)
	return out
}

// scratchFor takes pooled scratch memory with q resolved against field;
// false when the field is unknown or nothing can score (the scratch is
// then back in the pool). The caller puts it back when done.
func (x *Index) scratchFor(q *Query, field string) (*scratch, bool) {
	fi, ok := x.byName[field]
	if !ok {
		return nil, false
	}
	sc, _ := x.pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	if sc.s, ok = x.resolve(q, fi, sc.s); !ok {
		x.pool.Put(sc)
		return nil, false
	}
	return sc, true
}
