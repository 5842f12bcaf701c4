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
	before   uint64 // fingerprint of the document stored before the file, once known
	known    bool   // before is set
	last     uint64 // fingerprint of the id's latest row
	repeated bool
}

// storedBefore returns, by item index, the documents stored before this
// file for the ids the batch brings for the first time (nil where none).
// It runs before the batch is committed, while they are still there. For
// an id whose first row was unchanged it also fingerprints the stored
// document now, before a repeat overwrites it: fingerprints cost about
// 10 µs a document, so they are taken only where an id repeats or was
// updated, never on the unchanged re-ingest path.
func (f *fileIDs) storedBefore(coll *index.Collection, items []Item) []map[string]any {
	out := make([]map[string]any, len(items))
	inBatch := map[string]bool{}
	for i := range items {
		it := &items[i]
		if it.rejected() || inBatch[it.ID] {
			continue
		}
		inBatch[it.ID] = true
		st, seen := f.ids[it.ID]
		switch {
		case !seen:
			if rec, ok := coll.Get(it.ID); ok {
				out[i] = rec.Fields
			}
		case st.first == index.Unchanged.String() && !st.known:
			if rec, ok := coll.Get(it.ID); ok {
				st.before, st.known = fingerprint(rec.Fields), true
				f.ids[it.ID] = st
			}
		}
	}
	return out
}

// first records the first row of an id; stored is the document stored
// before the file, if any.
func (f *fileIDs) first(it *Item, outcome string, stored map[string]any) {
	st := idState{first: outcome}
	if outcome == index.Updated.String() {
		st.before, st.known = fingerprint(stored), true
	}
	f.ids[it.ID] = st
}

// repeat records a later row of an id seen before in the file and reports
// whether it was one. stored is what storedBefore found for the id's first
// row when that row is in the same batch.
func (f *fileIDs) repeat(it *Item, stored map[string]any) bool {
	st, ok := f.ids[it.ID]
	if !ok {
		return false
	}
	if !st.repeated {
		f.repeats = append(f.repeats, it.ID)
		st.repeated = true
	}
	if st.first == index.Unchanged.String() && !st.known {
		st.before, st.known = fingerprint(stored), true
	}
	st.last = fingerprint(it.doc)
	if it.Op == OpDelete {
		st.last = 0
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
		case !st.known:
			// Inserted by the file: new, whatever its last row.
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
