package lexical

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unsafe"
)

// Index is an inverted index over slots, one set of postings and length
// statistics per field. It does no locking: the owner serialises Set and
// Delete against everything else. Top, Score and Matched only read, so any
// number of them may run at once.
type Index struct {
	fields []field
	byName map[string]int
	dict   map[string]uint32 // term → id, shared by the fields
	terms  []string          // id → term; append-only, like the ids
	keys   int64             // bytes of the dictionary's keys
	live   []bool            // by slot
	n      int

	// Scratch for Set (writers only).
	an      analyzer
	scratch *Analyzed
	tf      []float32 // by term id
	touched []uint32  // term ids with tf > 0
	fw      []entry   // forward entries being built

	pool sync.Pool // *scratch for Top
}

// field holds one field's postings, forward index and length statistics.
type field struct {
	name  string
	post  [][]posting // by term id, in no particular slot order
	fwd   [][]entry   // by slot, sorted by term
	lens  []uint32    // by slot: the field's length in words
	docs  int         // slots with at least one token
	total int64       // sum of lens
	heads bool        // index compound heads (New's compoundHeads)
	// bounds by term id, for Top's pruning (see termBound).
	bounds []termBound
	// Texts held by several slots (twins.go).
	df    []uint32            // by term id: slots holding it
	lead  []uint32            // by slot: the slot whose postings stand for its text
	twins map[uint32][]uint32 // by lead with twins: its text's slots, ascending
	texts map[uint64]uint32   // textKey → lead
	// untwinned makes every slot lead its own postings: the reference
	// twins are tested against.
	untwinned bool
}

// posting is one slot's weighted term frequency in a term's list.
type posting struct {
	slot uint32
	tf   float32
}

// entry is one term of a slot's field, with the index of its posting in
// the term's list, so that Delete removes a posting in O(1).
type entry struct {
	term uint32
	pos  uint32
	tf   float32
}

// New returns an empty index of the named fields. Fields also named in
// compoundHeads index the heads of their compound words too (see
// HeadWeight): meant for category labels, where "Smartphones" is a kind of
// phone.
func New(fields []string, compoundHeads ...string) *Index {
	x := &Index{byName: make(map[string]int, len(fields)), dict: make(map[string]uint32)}
	for _, name := range fields {
		if _, dup := x.byName[name]; dup {
			continue
		}
		x.byName[name] = len(x.fields)
		x.fields = append(x.fields, field{name: name})
	}
	for _, name := range compoundHeads {
		if fi, ok := x.byName[name]; ok {
			x.fields[fi].heads = true
		}
	}
	return x
}

// signature names a field in a saved index together with how it is
// analysed, so that an index saved with another analysis is not loaded.
func (f *field) signature() string {
	if f.heads {
		return f.name + "\x00compound-heads/1"
	}
	return f.name
}

// Len returns the number of indexed slots.
func (x *Index) Len() int { return x.n }

// Set indexes doc's values of the index's fields at slot, replacing what
// slot held. A value may be a string, a []string or []any (elements
// indexed one after another), a number (formatted as by fmt) or nil.
func (x *Index) Set(slot uint32, doc map[string]any) {
	x.scratch = x.analyze(&x.an, doc, x.scratch)
	x.SetAnalyzed(slot, x.scratch)
}

// Analyzed is a document's text analysed for SetAnalyzed: the part of Set
// that reads no index state (tokenising, folding, stemming, accessory
// damping), so that an owner can run it in parallel and outside the lock
// it holds around SetAnalyzed. It is most of Set's cost.
type Analyzed struct {
	arena  []byte
	fields []analyzedField // by field, in the index's order
}

type analyzedField struct {
	toks   []analyzedToken
	length uint32 // in words
}

type analyzedToken struct {
	start, end int32 // term bytes in Analyzed.arena
	w          float32
}

// Analyze analyses doc for SetAnalyzed. Any number of goroutines may call
// it at once, also while another changes the index.
func (x *Index) Analyze(doc map[string]any) *Analyzed {
	var a analyzer
	return x.analyze(&a, doc, nil)
}

func (x *Index) analyze(a *analyzer, doc map[string]any, d *Analyzed) *Analyzed {
	if d == nil {
		d = &Analyzed{}
	}
	d.arena = d.arena[:0]
	if cap(d.fields) < len(x.fields) {
		d.fields = make([]analyzedField, len(x.fields))
	}
	d.fields = d.fields[:len(x.fields)]
	for fi := range x.fields {
		af := &d.fields[fi]
		af.toks, af.length = af.toks[:0], 0
		a.heads = x.fields[fi].heads
		eachText(doc[x.fields[fi].name], func(s string) {
			a.run(s, true)
			d.arena = slices.Grow(d.arena, len(a.arena))
			af.toks = slices.Grow(af.toks, len(a.toks))
			for _, t := range a.toks {
				start := int32(len(d.arena))
				d.arena = append(d.arena, a.arena[t.start:t.end]...)
				af.toks = append(af.toks, analyzedToken{start, int32(len(d.arena)), t.w})
			}
			// The length is in words: "5G" is one, though it gives 5, g
			// and 5g.
			af.length += uint32(a.length)
		})
	}
	return d
}

// eachText calls fn with each text of a field value.
func eachText(v any, fn func(string)) {
	switch v := v.(type) {
	case nil:
	case string:
		fn(v)
	case []string:
		for _, s := range v {
			fn(s)
		}
	case []any:
		for _, e := range v {
			eachText(e, fn)
		}
	case int:
		fn(strconv.Itoa(v))
	case int64:
		fn(strconv.FormatInt(v, 10))
	case float64:
		fn(strconv.FormatFloat(v, 'g', -1, 64))
	default:
		fn(fmt.Sprint(v))
	}
}

// SetAnalyzed indexes an analysed document at slot, replacing what slot
// held: Set without the analysis.
func (x *Index) SetAnalyzed(slot uint32, d *Analyzed) {
	x.Delete(slot)
	if int(slot) >= len(x.live) {
		x.live = slices.Grow(x.live, int(slot)+1-len(x.live))[:int(slot)+1]
	}
	x.live[slot] = true
	x.n++
	for fi := range x.fields {
		f := &x.fields[fi]
		af := &d.fields[fi]
		if af.length == 0 {
			continue
		}
		for _, t := range af.toks {
			x.addTerm(d.arena[t.start:t.end], t.w)
		}
		slices.Sort(x.touched)
		fw := x.fw[:0]
		for _, id := range x.touched {
			fw = append(fw, entry{term: id, tf: x.tf[id]})
			x.tf[id] = 0
		}
		x.touched = x.touched[:0]
		f.place(slot, fw, af.length)
		x.fw = fw
	}
}

// addTerm adds a token's weight to x.tf under its term id.
func (x *Index) addTerm(term []byte, w float32) {
	id, ok := x.dict[string(term)]
	if !ok {
		id = uint32(len(x.dict))
		t := string(term)
		x.dict[t] = id
		x.terms = append(x.terms, t)
		x.keys += int64(len(term))
	}
	if int(id) >= len(x.tf) {
		x.tf = slices.Grow(x.tf, int(id)+1-len(x.tf))[:int(id)+1]
	}
	if x.tf[id] == 0 {
		x.touched = append(x.touched, id)
	}
	x.tf[id] += w
}

// Delete removes slot from the index; an absent slot is ignored.
func (x *Index) Delete(slot uint32) {
	if int(slot) >= len(x.live) || !x.live[slot] {
		return
	}
	x.live[slot] = false
	x.n--
	for fi := range x.fields {
		f := &x.fields[fi]
		if int(slot) < len(f.fwd) && f.fwd[slot] != nil {
			f.unplace(slot)
		}
	}
}

// Bytes estimates the memory the index holds: postings, forward index,
// lengths and dictionary (keys, headers and map overhead), by capacity.
func (x *Index) Bytes() int64 {
	const (
		sliceHdr = int64(unsafe.Sizeof([]byte(nil)))
		strHdr   = int64(unsafe.Sizeof(""))
		mapEntry = 8 // amortised map slot overhead beyond key and value
	)
	n := x.keys + int64(len(x.dict))*(strHdr+4+mapEntry) + int64(cap(x.terms))*strHdr
	n += int64(cap(x.live)) + int64(cap(x.tf))*4 + int64(cap(x.touched))*4
	for i := range x.fields {
		f := &x.fields[i]
		n += int64(cap(f.post))*sliceHdr + int64(cap(f.fwd))*sliceHdr + int64(cap(f.lens))*4
		n += int64(cap(f.bounds)) * int64(unsafe.Sizeof(termBound{}))
		for _, p := range f.post {
			n += int64(cap(p)) * int64(unsafe.Sizeof(posting{}))
		}
		for s, e := range f.fwd {
			if e != nil && f.lead[s] == uint32(s) { // twins share their lead's
				n += int64(cap(e)) * int64(unsafe.Sizeof(entry{}))
			}
		}
		n += int64(cap(f.df))*4 + int64(cap(f.lead))*4
		n += int64(len(f.texts))*(8+4+mapEntry) + int64(len(f.twins))*(4+sliceHdr+mapEntry)
		for _, ms := range f.twins {
			n += int64(cap(ms)) * 4
		}
	}
	return n
}

// Fields returns the indexed field names, in order.
func (x *Index) Fields() []string {
	out := make([]string, len(x.fields))
	for i, f := range x.fields {
		out[i] = f.name
	}
	return out
}
