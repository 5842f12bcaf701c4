package lexical

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
)

// Catalogues repeat texts exactly: a seller's offers of one product, an
// order book's lines of one item, rows copied with other prices. A field
// keeps one set of postings per text: the lowest slot holding it leads
// and its postings stand for every slot of the text (its twins), which
// share the lead's forward entries. Scores are unchanged (the document
// frequencies, lengths and counts still count every slot), and Top and
// topAll expand a lead into its slots in slot order, so results are those
// of one posting per slot, ties included.
//
// At a million rows (the demo catalogue copied 3,236 times) every query
// word matched thousands of copies, and reading their postings was 40 %
// of the CPU of tessera-bench scale's HTTP phase.

// textSeed keys texts within a process; keys are never saved.
var textSeed = maphash.MakeSeed()

// textKey hashes a field's forward entries (terms and weights) and length.
func textKey(fw []entry, length uint32) uint64 {
	var h maphash.Hash
	h.SetSeed(textSeed)
	var b [8]byte
	binary.LittleEndian.PutUint32(b[:4], length)
	h.Write(b[:4])
	for _, e := range fw {
		binary.LittleEndian.PutUint32(b[:4], e.term)
		binary.LittleEndian.PutUint32(b[4:], math.Float32bits(e.tf))
		h.Write(b[:])
	}
	return h.Sum64()
}

// sameText says whether two forward entry lists hold the same terms with
// the same weights.
func sameText(a, b []entry) bool {
	return slices.EqualFunc(a, b, func(x, y entry) bool { return x.term == y.term && x.tf == y.tf })
}

// place indexes slot, which holds nothing in f, with forward entries fw
// (sorted by term; read, not kept) and length words: as a twin of the
// lead of the same text, or leading its own postings.
func (f *field) place(slot uint32, fw []entry, length uint32) {
	if int(slot) >= len(f.fwd) {
		n := int(slot) + 1
		f.fwd = slices.Grow(f.fwd, n-len(f.fwd))[:n]
		f.lens = slices.Grow(f.lens, n-len(f.lens))[:n]
	}
	if int(slot) >= len(f.lead) {
		f.lead = slices.Grow(f.lead, int(slot)+1-len(f.lead))[:int(slot)+1]
	}
	for _, e := range fw {
		if int(e.term) >= len(f.df) {
			f.df = slices.Grow(f.df, int(e.term)+1-len(f.df))[:int(e.term)+1]
		}
		f.df[e.term]++
	}
	f.lens[slot] = length
	f.docs++
	f.total += int64(length)
	if !f.untwinned {
		if f.texts == nil {
			f.texts = make(map[uint64]uint32)
		}
		key := textKey(fw, length)
		l, known := f.texts[key]
		if known && f.lens[l] == length && sameText(f.fwd[l], fw) {
			f.join(slot, l, key)
			return
		}
		if !known { // on a key collision slot leads alone, unkeyed
			f.texts[key] = slot
		}
	}
	fw = slices.Clone(fw)
	for i := range fw {
		fw[i].pos = f.addPosting(fw[i].term, slot, fw[i].tf, length)
	}
	f.fwd[slot], f.lead[slot] = fw, slot
}

// join makes slot a twin of lead l's text, keyed by key.
func (f *field) join(slot, l uint32, key uint64) {
	ms := f.twins[l]
	if ms == nil {
		ms = []uint32{l}
	}
	i, _ := slices.BinarySearch(ms, slot)
	ms = slices.Insert(ms, i, slot)
	f.fwd[slot] = f.fwd[l]
	if f.twins == nil {
		f.twins = make(map[uint32][]uint32)
	}
	if slot > l {
		f.lead[slot] = l
		f.twins[l] = ms
		return
	}
	// A lower slot (one freed and set again) leads: the postings name the
	// text's lowest slot, which Top's slot-order pruning relies on.
	f.handOver(l, slot, ms)
	delete(f.twins, l)
	f.twins[slot] = ms
	f.texts[key] = slot
}

// unplace removes slot, which holds fw in f, from its text: a lone lead's
// postings go, a lead with twins hands them to the next slot of its text.
func (f *field) unplace(slot uint32) {
	fw, length := f.fwd[slot], f.lens[slot]
	for _, e := range fw {
		f.df[e.term]--
	}
	l := f.lead[slot]
	ms := f.twins[l]
	switch {
	case ms == nil:
		f.removePostings(fw)
		if key := textKey(fw, length); f.texts[key] == slot {
			delete(f.texts, key)
		}
	case slot != l:
		i, _ := slices.BinarySearch(ms, slot)
		ms = slices.Delete(ms, i, i+1)
		if len(ms) == 1 {
			delete(f.twins, l)
		} else {
			f.twins[l] = ms
		}
	default:
		ms = ms[1:]
		next := ms[0]
		f.handOver(slot, next, ms)
		delete(f.twins, slot)
		if len(ms) > 1 {
			f.twins[next] = ms
		}
		f.texts[textKey(fw, length)] = next
	}
	f.fwd[slot] = nil
	f.docs--
	f.total -= int64(length)
	f.lens[slot] = 0
}

// handOver moves the postings of lead from to slot to, which leads the
// slots ms of their text from now on.
func (f *field) handOver(from, to uint32, ms []uint32) {
	for _, e := range f.fwd[from] {
		f.post[e.term][e.pos].slot = to
		f.bounds[e.term].unordered = true
	}
	for _, m := range ms {
		f.lead[m] = to
	}
}

// removePostings takes a lone lead's postings out of their lists.
func (f *field) removePostings(fw []entry) {
	for _, e := range fw {
		p := f.post[e.term]
		last := len(p) - 1
		if int(e.pos) != last {
			// Move the last posting into the hole and tell its slot (a
			// lead: its twins share the entries) where it went.
			moved := p[last]
			p[e.pos] = moved
			mf := f.fwd[moved.slot]
			i, _ := slices.BinarySearchFunc(mf, e.term, func(m entry, t uint32) int { return cmp.Compare(m.term, t) })
			mf[i].pos = e.pos
			f.bounds[e.term].unordered = true
		}
		if last == 0 {
			f.post[e.term] = nil
		} else {
			f.post[e.term] = p[:last]
		}
	}
}

// twinsOf returns the slots of lead's text, ascending (lead first), or
// nil when lead has no twins.
func (f *field) twinsOf(lead uint32) []uint32 {
	if len(f.twins) == 0 {
		return nil
	}
	return f.twins[lead]
}

// firstAllowed returns the lowest slot of lead's text that allow passes.
func (f *field) firstAllowed(lead uint32, allow func(uint32) bool) (uint32, bool) {
	if allow == nil || allow(lead) {
		return lead, true
	}
	for _, m := range f.twinsOf(lead) {
		if m != lead && allow(m) {
			return m, true
		}
	}
	return 0, false
}

// keep adds c, a lead's text scored at the lead's lowest allowed slot
// c.Slot, to the min-heap h of the k best: that slot and the text's
// higher slots that allow passes, in slot order, while they enter.
func (f *field) keep(h []Hit, c Hit, k int, allow func(uint32) bool) []Hit {
	ms := f.twinsOf(f.lead[c.Slot])
	if ms == nil {
		if allow == nil || allow(c.Slot) {
			h = keepTop(h, c, k)
		}
		return h
	}
	for _, m := range ms {
		if m < c.Slot || allow != nil && !allow(m) {
			continue
		}
		c.Slot = m
		if len(h) == k && !worse(h[0], c) {
			break // the text's higher slots tie and lose too
		}
		h = keepTop(h, c, k)
	}
	return h
}
