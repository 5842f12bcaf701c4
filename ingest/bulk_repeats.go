package ingest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	"github.com/tessera-search/tessera/index"
)

// fileIDs is a bulk ingestion's memory of the ids it has seen, so that an
// id with several rows in one file is accounted for by its last row: the
// rows are committed as they stream past (the first replaces the stored
// document, the last puts in what the file finally says), but whether the
// id was updated or unchanged is decided against the document stored
// before the file. Without this, re-ingesting an unchanged file reported
// such ids as updated (31 of the raw Amazon file's 1,351).
type fileIDs struct {
	ids     map[string]idState
	repeats []string // ids with more than one row, in order of their second
}

// idState is what is kept per id: a few words, not the documents.
type idState struct {
	first    string // outcome of the id's first row, against the store before the file
	before   uint64 // fingerprint of the document stored before the file
	last     uint64 // fingerprint of the id's latest row
	repeated bool
}

// storedBefore returns, by item index, the documents stored before this
// file for the ids the batch brings for the first time (nil where none).
// It runs before the batch is committed, while they are still there.
func (f *fileIDs) storedBefore(coll *index.Collection, items []Item) []map[string]any {
	var out []map[string]any
	inBatch := map[string]bool{}
	for i := range items {
		it := &items[i]
		if it.Rejected() || inBatch[it.ID] {
			continue
		}
		inBatch[it.ID] = true
		if _, ok := f.ids[it.ID]; ok {
			continue
		}
		if rec, ok := coll.Get(it.ID); ok {
			if out == nil {
				out = make([]map[string]any, len(items))
			}
			out[i] = rec.Fields
		}
	}
	if out == nil {
		return make([]map[string]any, len(items))
	}
	return out
}

// first records the first row of an id; stored is the document stored
// before the file, if any.
func (f *fileIDs) first(it *Item, outcome string, stored map[string]any) {
	st := idState{first: outcome}
	switch outcome {
	case index.Updated.String():
		st.before = fingerprint(stored)
	case index.Unchanged.String():
		st.before = fingerprint(it.doc)
	}
	st.last = st.before
	f.ids[it.ID] = st
}

// repeat records a later row of an id seen before in the file and reports
// whether it was one.
func (f *fileIDs) repeat(it *Item) bool {
	st, ok := f.ids[it.ID]
	if !ok {
		return false
	}
	if !st.repeated {
		f.repeats = append(f.repeats, it.ID)
		st.repeated = true
	}
	if st.first == index.Updated.String() || st.first == index.Unchanged.String() {
		st.last = fingerprint(it.doc)
		if it.Op == OpDelete {
			st.last = 0
		}
	}
	f.ids[it.ID] = st
	return true
}

// settle counts the repeated ids and moves each stored id between updated
// and unchanged by its last row.
func (f *fileIDs) settle(sum *Summary) {
	sum.RepeatedIDs = len(f.repeats)
	updated, unchanged := index.Updated.String(), index.Unchanged.String()
	for _, id := range f.repeats {
		st := f.ids[id]
		switch {
		case st.first == updated && st.last == st.before:
			sum.Updated--
			sum.Unchanged++
		case st.first == unchanged && st.last != st.before:
			sum.Unchanged--
			sum.Updated++
		}
	}
}

// fingerprint hashes a document's canonical JSON (keys sorted); equal
// documents hash equal. 0 stands for no document.
func fingerprint(doc map[string]any) uint64 {
	if doc == nil {
		return 0
	}
	b, err := json.Marshal(doc)
	if err != nil { // a value JSON cannot hold, such as NaN
		b = []byte(fmt.Sprint(doc))
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64() | 1 // never 0
}
