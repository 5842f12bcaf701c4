package lexical

import "math"

// BM25 parameters. Measured with TestAmazonQuality's metrics, k1 in 0.6–2
// and b in 0.3–1 move the category-leaf precision by under 0.01 (0.734 to
// 0.742, 0.737 here) and lower the own-title score as they rise; b = 0
// loses 0.06 of precision.
const (
	k1 = 1.2
	b  = 0.75
)

// Hit is a scored slot.
type Hit struct {
	Slot  uint32
	Score float64
}

// scorer holds a query resolved against one field: term ids, idf weights
// and the length normalisation.
type scorer struct {
	f      *field
	groups []resolved
	ids    []uint32  // the groups' parts
	idfs   []float64 // their idf
	den    float64   // Σ weights
	c0, c1 float64   // sat = tf·(k1+1) / (tf + c0 + c1·L)
}

// resolved is a group: parts ids[lo:hi] with idfs[lo:hi].
type resolved struct {
	lo, hi int
	joined uint32 // noTerm when none
	weight float64
}

// resolve returns q prepared for scoring field fi, reusing buf's slices
// (by value, so that a caller's stack arrays stay on the stack); ok is
// false when nothing can score above 0.
func (x *Index) resolve(q *Query, fi int, buf scorer) (s scorer, ok bool) {
	f := &x.fields[fi]
	s = scorer{f: f, groups: buf.groups[:0], ids: buf.ids[:0], idfs: buf.idfs[:0]}
	if q.empty() || f.docs == 0 {
		return s, false
	}
	n := float64(f.docs)
	avg := float64(f.total) / n
	s.c0 = k1 * (1 - b)
	s.c1 = k1 * b / avg
	for _, g := range q.groups {
		r := resolved{lo: len(s.ids), joined: noTerm}
		for _, p := range g.parts {
			id := x.id(p)
			df := 0
			if id != noTerm && int(id) < len(f.df) {
				df = int(f.df[id]) // every slot, twins included
			}
			idf := g.boost * math.Log(1+(n-float64(df)+0.5)/(float64(df)+0.5))
			s.ids = append(s.ids, id)
			s.idfs = append(s.idfs, idf)
			r.weight += idf
		}
		r.hi = len(s.ids)
		if g.joined != "" {
			r.joined = x.id(g.joined)
		}
		s.den += r.weight
		s.groups = append(s.groups, r)
	}
	return s, true
}

// sat is the saturated, length-normalised term frequency, at most 1.
func (s *scorer) sat(tf float32, length uint32) float64 {
	return s.satOf(tf, tf, length)
}

// satOf is sat with tf over the numerator and den in the denominator,
// for bounds (satBound). The conversions round each product on its own:
// they forbid fused multiply-adds, so that a bound and a score computed
// at different places round alike (Top's bounds rely on it).
func (s *scorer) satOf(tf, den float32, length uint32) float64 {
	num := float64(float64(tf) * (k1 + 1))
	return min(1, num/(float64(float64(den)+s.c0)+float64(s.c1*float64(length))))
}

// Score returns q's score for slot's field, in [0, 1]: the idf-weighted
// mean over the query's words of each word's saturated term frequency.
// It equals the score Top gives slot.
func (x *Index) Score(q *Query, field string, slot uint32) float64 {
	var score [1]float64
	x.ScoreMany(q, field, []uint32{slot}, score[:])
	return score[0]
}

// ScoreMany writes q's Score of each slot's field into dst, which must be
// as long as slots, resolving the query against the field once.
func (x *Index) ScoreMany(q *Query, field string, slots []uint32, dst []float64) {
	clear(dst)
	fi, ok := x.byName[field]
	if !ok {
		return
	}
	var (
		gb [8]resolved
		ib [16]uint32
		fb [16]float64
	)
	s, ok := x.resolve(q, fi, scorer{groups: gb[:0], ids: ib[:0], idfs: fb[:0]})
	if !ok {
		return
	}
	if s.touch(slots) == noTerm {
		return // never: touch's sum is used only so that it is computed
	}
	for i, slot := range slots {
		dst[i] = s.score(slot)
	}
}

// touch reads the first entry score's binary search looks at, and the
// length, of every slot, before any is scored. The slots' forward entries
// lie all over the heap and miss the cache; score's searches wait for
// each miss in turn, while these loads are independent of each other and
// the CPU overlaps their misses. At 100k rows (CPU profiles of the demo
// copies' query mix, two rounds each, load 5–7) ScoreMany took 107–110 µs
// a relevance search without it, 75–91 µs with it. It returns a sum of
// what it read.
func (s *scorer) touch(slots []uint32) uint32 {
	var sum uint32
	for _, slot := range slots {
		if int(slot) < len(s.f.fwd) {
			if fw := s.f.fwd[slot]; len(fw) > 0 {
				sum += fw[len(fw)>>1].term + s.f.lens[slot]
			}
		}
	}
	return sum | 1
}

// score is the resolved query's score of slot.
func (s *scorer) score(slot uint32) float64 {
	if int(slot) >= len(s.f.fwd) || s.f.fwd[slot] == nil {
		return 0
	}
	f, length := s.f, s.f.lens[slot]
	num := 0.0
	for _, r := range s.groups {
		part := 0.0
		for i := r.lo; i < r.hi; i++ {
			if tf := f.tf(slot, s.ids[i]); tf > 0 {
				part += float64(s.idfs[i] * s.sat(tf, length))
			}
		}
		if tf := f.tf(slot, r.joined); tf > 0 {
			part = max(part, float64(r.weight*s.sat(tf, length)))
		}
		num += part
	}
	return num / s.den
}

// postings returns term's postings, nil for noTerm.
func (f *field) postings(term uint32) []posting {
	if int(term) >= len(f.post) { // noTerm included
		return nil
	}
	return f.post[term]
}

// keepTop adds c to the min-heap h of the k best hits so far (worst at
// h[0]) when it belongs there.
func keepTop(h []Hit, c Hit, k int) []Hit {
	if len(h) < k {
		h = append(h, c)
		up(h, len(h)-1)
	} else if worse(h[0], c) {
		h[0] = c
		down(h, 0)
	}
	return h
}

// worse orders hits: lower score, then higher slot. Breaking the ties
// that saturation makes (every short title saying "cable" scores 1 for
// "cable") by shorter field first measured worse: category-leaf
// precision 0.711 against 0.737 (TestAmazonQuality).
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.Slot > b.Slot
}

// up and down keep h a min-heap under worse: h[0] is the worst kept hit.
func up(h []Hit, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []Hit, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// byRank orders hits best first, as worse ranks them.
func byRank(a, b Hit) int {
	switch {
	case worse(b, a):
		return -1
	case worse(a, b):
		return 1
	}
	return 0
}
