package lexical

import "slices"

// termBound bounds a term's postings in one field, for Top's pruning: the
// least and greatest term frequency and the shortest field length among
// them. Adding a posting widens it; Delete leaves it as it is, so it
// stays a bound, only a looser one after many deletes (a reload tightens
// it again).
type termBound struct {
	tfLo, tfHi float32
	lenLo      uint32
	// unordered is set once the term's postings may not ascend by slot
	// (an append below the last slot, a Delete moving a posting); a bulk
	// load appends in slot order, and Top may stop early in such a list.
	unordered bool
}

// addPosting appends slot's posting to term's list, widening the term's
// bound, and returns its position in the list.
func (f *field) addPosting(term, slot uint32, tf float32, length uint32) uint32 {
	if int(term) >= len(f.post) {
		f.post = slices.Grow(f.post, int(term)+1-len(f.post))[:int(term)+1]
	}
	if int(term) >= len(f.bounds) {
		f.bounds = slices.Grow(f.bounds, int(term)+1-len(f.bounds))[:int(term)+1]
	}
	b := &f.bounds[term]
	if post := f.post[term]; len(post) == 0 {
		*b = termBound{tfLo: tf, tfHi: tf, lenLo: length}
	} else {
		b.tfLo, b.tfHi, b.lenLo = min(b.tfLo, tf), max(b.tfHi, tf), min(b.lenLo, length)
		b.unordered = b.unordered || post[len(post)-1].slot >= slot
	}
	pos := uint32(len(f.post[term]))
	f.post[term] = append(f.post[term], posting{slot, tf})
	return pos
}

// satBound is the most sat gives any posting of term in a field of length
// words: sat with the greatest tf over the numerator and the least in the
// denominator. Each rounded operation is monotone, so it is at least sat
// in floating point too, and equal to it where the term's postings all
// have one tf.
func (s *scorer) satBound(term uint32, length uint32) float64 {
	if int(term) >= len(s.f.bounds) || len(s.f.post[term]) == 0 {
		return 0
	}
	b := s.f.bounds[term]
	return s.satOf(b.tfHi, b.tfLo, length)
}

// groupBound is the most group r adds to the score of a slot whose field
// has length words, in score's arithmetic.
func (s *scorer) groupBound(r resolved, length uint32) float64 {
	part := 0.0
	for i := r.lo; i < r.hi; i++ {
		part += float64(s.idfs[i] * s.satBound(s.ids[i], length))
	}
	if r.joined != noTerm {
		part = max(part, float64(r.weight*s.satBound(r.joined, length)))
	}
	return part
}

// shortest is the least field length among the postings of r's terms:
// groupBound at it bounds every slot's share of r.
func (s *scorer) shortest(r resolved) uint32 {
	lo := ^uint32(0)
	for i := r.lo; i <= r.hi; i++ {
		term := r.joined
		if i < r.hi {
			term = s.ids[i]
		}
		if int(term) < len(s.f.bounds) && len(s.f.post[term]) > 0 {
			lo = min(lo, s.f.bounds[term].lenLo)
		}
	}
	return lo
}
