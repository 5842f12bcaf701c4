// Package ingest brings rows into a collection. Bulk files and the stream
// hook are two entrances to one apply path — Prepare (clean, validate,
// learn categories, in source order), Encode (any number of workers) and
// Commit (merge partial updates, write-ahead log, index, in order) — so a
// row encodes to the same vector whichever way it arrives.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/index/lexical"
	"github.com/tessera-search/tessera/internal/clean"
	"github.com/tessera-search/tessera/spaces"
)

// Operations an Event may carry.
const (
	OpUpsert  = "upsert"  // merge the given fields into the document (create it if new)
	OpReplace = "replace" // the given fields are the whole document
	OpDelete  = "delete"
)

// Statuses of an applied Event.
const (
	StatusApplied  = "applied"
	StatusStale    = "stale"
	StatusRejected = "rejected"
)

// Event is one change: a bulk row (OpReplace) or a stream event.
type Event struct {
	Op      string         `json:"op"`
	ID      string         `json:"id"`
	Fields  map[string]any `json:"fields,omitempty"` // raw values by field name
	Version int64          `json:"version,omitempty"`
	TS      time.Time      `json:"ts,omitzero"`

	// Source and Row locate a bulk row in its file for reports.
	Source string `json:"-"`
	Row    int    `json:"-"`

	fromStore bool // read from the system of record: not written back
}

// Problem is why a row or event was rejected.
type Problem struct {
	File   string `json:"file,omitempty"`
	Row    int    `json:"row,omitempty"`
	ID     string `json:"id,omitempty"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// String is the problem for people: "row 2, column price, value "twelve":
// not a number", leaving out what is not known.
func (p Problem) String() string {
	var b strings.Builder
	if p.Row > 0 {
		fmt.Fprintf(&b, "row %d, ", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, "column %s, ", p.Column)
	}
	if p.Value != "" {
		fmt.Fprintf(&b, "value %q, ", p.Value)
	}
	s := strings.TrimSuffix(b.String(), ", ")
	if s == "" {
		return p.Reason
	}
	return s + ": " + p.Reason
}

// ProblemsText joins problems for a dead-letter reason or a log line;
// "rejected" when there are none.
func ProblemsText(ps []Problem) string {
	if len(ps) == 0 {
		return "rejected"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Result is what happened to one Event.
type Result struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Outcome  string    `json:"outcome,omitempty"` // inserted, updated, unchanged, deleted
	Problems []Problem `json:"problems,omitempty"`
}

// Item is an Event on its way through the apply path.
type Item struct {
	Event
	doc      map[string]any // cleaned fields (for a partial upsert: only the given ones)
	vec      []float32
	text     *lexical.Analyzed // the lexical analysis of doc, from Encode
	partial  bool
	problems []Problem
	encoded  bool
	rows     int // source rows a reader error stands for (0 means 1)
	// by is the applier that prepared the item: one that a schema change
	// has since replaced learned and encoded it for the old schema, so
	// its successor encodes it again at Commit (see Switch).
	by *Applier
}

// rejected reports whether Prepare rejected the item.
func (it *Item) rejected() bool { return len(it.problems) > 0 }

// Applier is the one apply path into a collection.
type Applier struct {
	schema *spaces.Schema
	enc    *spaces.Encoder
	coll   *index.Collection
	specs  map[string]clean.Spec

	mu         sync.Mutex // serialises Commit
	sink       Sink
	vocabSeen  string
	newestSeen string
	observers  []*observer

	// next, once set by Switch, is the applier of a new schema: every
	// call forwards to it.
	next atomic.Pointer[Applier]
}

// metaVocabulary is the collection metadata key of learned categories.
const metaVocabulary = "vocabulary"

// metaNewest is the collection metadata key of the newest values learned
// by recency spaces with as_of: newest.
const metaNewest = "recency_newest"

// NewApplier validates the schema's cleaning rules and restores the
// collection's learned category vocabulary into the encoder.
func NewApplier(enc *spaces.Encoder, coll *index.Collection) (*Applier, error) {
	s := enc.Schema()
	if err := ValidateCleaning(s); err != nil {
		return nil, err
	}
	a := &Applier{schema: s, enc: enc, coll: coll, specs: map[string]clean.Spec{}}
	for _, name := range s.FieldNames() {
		a.specs[name] = clean.Spec(*s.Fields[name])
	}
	if coll.Dim() != enc.Dim() {
		return nil, fmt.Errorf("ingest: collection has %d dims, schema encodes %d", coll.Dim(), enc.Dim())
	}
	if raw := coll.Meta(metaVocabulary); raw != nil {
		var v map[string][]string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("ingest: saved vocabulary: %w", err)
		}
		if err := enc.RestoreVocabulary(v); err != nil {
			return nil, fmt.Errorf("ingest: saved vocabulary: %w", err)
		}
		a.vocabSeen = string(raw)
	}
	if raw := coll.Meta(metaNewest); raw != nil {
		var v map[string]time.Time
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("ingest: saved newest times: %w", err)
		}
		enc.RestoreNewest(v)
		a.newestSeen = string(raw)
	}
	return a, nil
}

// ValidateCleaning checks every field's cleaning keys (format, missing,
// default, separator, unwrap, levels, extract, layouts) the way the
// cleaner will read them, and
// names the field's key and schema line in the error.
func ValidateCleaning(s *spaces.Schema) error {
	for _, name := range s.FieldNames() {
		if err := clean.Spec(*s.Fields[name]).Validate(); err != nil {
			return s.KeyError("fields."+name, err)
		}
	}
	return nil
}

// Encoder returns the encoder the applier encodes with now (a schema
// switch replaces it).
func (a *Applier) Encoder() *spaces.Encoder { return a.current().enc }

// Collection returns the collection the applier writes to.
func (a *Applier) Collection() *index.Collection { return a.current().coll }

// Observe registers fn to see every committed batch (metrics, followers);
// stop unregisters it. Observers carry over to a Switch's successor.
func (a *Applier) Observe(fn func([]Item, []Result)) (stop func()) {
	a = a.current()
	a.mu.Lock()
	defer a.mu.Unlock()
	o := &observer{fn: fn}
	a.observers = append(a.observers, o)
	return func() { o.stopped.Store(true) }
}

// Prepare cleans and validates events in order and learns their
// categories. It must see events in source order; it is cheap.
func (a *Applier) Prepare(events []Event) []Item {
	return a.current().prepareAll(events, true)
}

// prepareAll cleans events and, when learn is set (rows that will be
// stored), learns their categories in order.
func (a *Applier) prepareAll(events []Event, learn bool) []Item {
	items := make([]Item, len(events))
	for i, ev := range events {
		it := &items[i]
		it.Event = ev
		it.by = a
		a.prepare(it)
		if learn && !it.rejected() && it.Op != OpDelete {
			a.enc.Learn(it.doc)
		}
	}
	return items
}

func (a *Applier) problem(it *Item, column string, value any, reason string) {
	p := Problem{File: it.Source, Row: it.Row, ID: it.ID, Column: column, Reason: reason}
	if value != nil {
		p.Value = fmt.Sprint(value)
	}
	it.problems = append(it.problems, p)
}

func (a *Applier) column(field string) string {
	if it, ok := a.schema.Fields[field]; ok && it.Column != "" && it.Column != field {
		return it.Column
	}
	return field
}

func (a *Applier) prepare(it *Item) {
	switch it.Op {
	case "":
		it.Op = OpUpsert
	case OpUpsert, OpReplace, OpDelete:
	default:
		a.problem(it, "op", it.Op, `unknown op (want "upsert", "replace" or "delete")`)
		return
	}
	if it.ID == "" {
		if raw, ok := it.Fields[a.schema.ID]; ok {
			if v, err := a.specs[a.schema.ID].Clean(raw); err == nil && v != nil {
				it.ID = fmt.Sprint(v)
			}
		}
	}
	if it.ID == "" {
		a.problem(it, a.column(a.schema.ID), nil, "missing id")
		return
	}
	if it.Version < 0 {
		a.problem(it, "version", it.Version, "version must be ≥ 0")
		return
	}
	if it.Op == OpDelete {
		return
	}
	it.partial = it.Op == OpUpsert
	for name := range it.Fields {
		if _, ok := a.specs[name]; !ok {
			a.problem(it, name, nil, "unknown field (not in the schema)")
		}
	}
	it.doc = make(map[string]any, len(a.specs))
	for _, name := range a.schema.FieldNames() {
		raw, present := it.Fields[name]
		if it.partial && !present {
			continue
		}
		v, err := a.specs[name].Clean(raw)
		if err != nil {
			reason := err.Error()
			var ve *clean.ValueError
			if errors.As(err, &ve) {
				reason = ve.Reason
			}
			a.problem(it, a.column(name), raw, reason)
			continue
		}
		it.doc[name] = v
	}
	it.doc[a.schema.ID] = it.ID
}

// Encode computes the vectors of fully specified items. Safe to call from
// many goroutines on disjoint slices. Partial upserts are encoded at Commit,
// where the stored document they merge into is known.
func (a *Applier) Encode(ctx context.Context, items []Item) error {
	a = a.current()
	docs := make([]map[string]any, 0, len(items))
	idx := make([]int, 0, len(items))
	for i := range items {
		it := &items[i]
		if it.rejected() || it.Op == OpDelete || it.partial || (it.by != nil && it.by != a) {
			continue
		}
		// A row identical to the stored document keeps the stored vector:
		// re-ingesting an unchanged file encodes nothing, and the
		// collection then reports it unchanged without logging it. Were
		// the stored document to change before Commit, the vector still
		// belongs to these fields.
		if vec, ok := a.coll.VectorIfUnchanged(it.ID, it.doc, it.Version); ok {
			it.vec, it.encoded = vec, true
			continue
		}
		docs = append(docs, it.doc)
		idx = append(idx, i)
	}
	if len(docs) == 0 {
		return nil
	}
	vecs := make([][]float32, len(docs))
	flat := make([]float32, len(docs)*a.enc.Dim())
	for i := range vecs {
		vecs[i] = flat[i*a.enc.Dim() : (i+1)*a.enc.Dim() : (i+1)*a.enc.Dim()]
	}
	if err := a.enc.EncodeItems(ctx, docs, vecs, nil); err != nil {
		return err
	}
	for j, i := range idx {
		items[i].vec = vecs[j]
		items[i].encoded = true
		// Encode runs on the pipeline's workers: the lexical analysis
		// belongs here too, off the collection's single writer.
		items[i].text = a.coll.AnalyzeText(items[i].doc)
	}
	return nil
}

// Commit applies encoded items to the collection in order, durably: when it
// returns, every applied item is in the write-ahead log.
func (a *Applier) Commit(ctx context.Context, items []Item) ([]Result, error) {
	return a.commit(ctx, items, nil)
}

// commit is Commit with extra collection metadata (a stream source's
// positions) written in the same WAL batch as the items, so the items and
// the positions after them are durable together or not at all.
func (a *Applier) commit(ctx context.Context, items []Item, extra map[string][]byte) ([]Result, error) {
	a.mu.Lock()
	if n := a.next.Load(); n != nil {
		// Switched while these items were on their way: the successor
		// encodes them again for its schema.
		a.mu.Unlock()
		return n.commit(ctx, items, extra)
	}
	defer a.mu.Unlock()
	if err := a.adopt(ctx, items); err != nil {
		return nil, err
	}
	results := make([]Result, len(items))
	recs := make([]index.Record, 0, len(items))
	at := make([]int, 0, len(items))
	pending := map[string]index.Record{} // merges see earlier items of this batch
	for i := range items {
		it := &items[i]
		results[i] = Result{ID: it.ID}
		if it.rejected() {
			results[i].Status, results[i].Problems = StatusRejected, it.problems
			continue
		}
		rec := index.Record{ID: it.ID, Version: it.Version, TS: it.TS}
		switch {
		case it.Op == OpDelete:
			rec.Deleted = true
		case it.partial:
			if err := a.mergePartial(ctx, it, &rec, pending); err != nil {
				results[i].Status = StatusRejected
				results[i].Problems = []Problem{{File: it.Source, Row: it.Row, ID: it.ID, Reason: err.Error()}}
				continue
			}
		default:
			if !it.encoded {
				return nil, fmt.Errorf("ingest: item %q committed before Encode", it.ID)
			}
			rec.Fields, rec.Vector, rec.Text = it.doc, it.vec, it.text
		}
		pending[it.ID] = rec
		recs = append(recs, rec)
		at = append(at, i)
	}
	if a.sink != nil {
		var out []index.Record
		for j, i := range at {
			if !items[i].fromStore {
				out = append(out, recs[j])
			}
		}
		if len(out) > 0 {
			if err := a.sink.Write(ctx, out); err != nil {
				return nil, fmt.Errorf("write to the system of record: %w", err)
			}
		}
	}
	meta := map[string][]byte{}
	for k, v := range extra {
		meta[k] = v
	}
	if v, _ := json.Marshal(a.enc.Vocabulary()); string(v) != a.vocabSeen {
		meta[metaVocabulary] = v
	}
	if n := a.enc.Newest(); len(n) > 0 {
		if v, _ := json.Marshal(n); string(v) != a.newestSeen {
			meta[metaNewest] = v
		}
	}
	if len(meta) == 0 {
		meta = nil
	}
	outs, err := a.coll.Apply(ctx, recs, meta)
	if err != nil {
		return nil, err
	}
	if v, ok := meta[metaVocabulary]; ok {
		a.vocabSeen = string(v)
	}
	if v, ok := meta[metaNewest]; ok {
		a.newestSeen = string(v)
	}
	for j, i := range at {
		if outs[j] == index.Stale {
			results[i].Status = StatusStale
			continue
		}
		results[i].Status, results[i].Outcome = StatusApplied, outs[j].String()
	}
	for _, o := range a.observers {
		if !o.stopped.Load() {
			o.fn(items, results)
		}
	}
	return results, nil
}

// mergePartial merges a partial upsert into the stored (or pending)
// document and re-encodes only the spaces whose fields changed.
func (a *Applier) mergePartial(ctx context.Context, it *Item, rec *index.Record, pending map[string]index.Record) error {
	prev, ok := pending[it.ID]
	stored := false
	if !ok || prev.Deleted {
		prev, ok = a.coll.Get(it.ID)
		stored = ok
	}
	var doc map[string]any
	var mask []bool
	// Get's vector is a copy already: re-encode into it rather than into
	// another (a partial upsert allocated two vectors of the full dim).
	reused := stored && len(prev.Vector) == a.enc.Dim()
	vec := prev.Vector
	if !reused {
		vec = make([]float32, a.enc.Dim())
	}
	if ok && !prev.Deleted {
		doc = make(map[string]any, len(prev.Fields)+len(it.doc))
		for k, v := range prev.Fields {
			doc[k] = v
		}
		for k, v := range it.doc {
			doc[k] = v
		}
		if !reused {
			copy(vec, prev.Vector)
		}
		mask = a.enc.SpacesOfFields(it.Fields)
	} else {
		// A new id: the missing policies apply to the fields not given.
		full := Item{Event: it.Event}
		full.Op = OpReplace
		a.prepare(&full)
		if full.rejected() {
			return errors.New(full.problems[0].Column + ": " + full.problems[0].Reason)
		}
		doc = full.doc
	}
	if err := a.enc.EncodeItems(ctx, []map[string]any{doc}, [][]float32{vec}, mask); err != nil {
		return err
	}
	rec.Fields, rec.Vector = doc, vec
	return nil
}

// Apply runs events through the whole path: the stream hook's entrance.
func (a *Applier) Apply(ctx context.Context, events []Event) ([]Result, error) {
	return a.applyWithMeta(ctx, events, nil)
}

func (a *Applier) applyWithMeta(ctx context.Context, events []Event, extra map[string][]byte) ([]Result, error) {
	a = a.current()
	items := a.Prepare(events)
	if err := a.Encode(ctx, items); err != nil {
		return nil, err
	}
	return a.commit(ctx, items, extra)
}

// RefreshRecency re-encodes the recency parts of every document, which go
// stale as time passes, and returns how many changed. They are a pure
// function of a stored field and the clock, so they are rewritten in
// memory only (index.Collection.Refresh): nothing is logged, and each
// start recomputes them. A restart therefore costs no WAL rewrite of the
// collection, and a vector whose recency part barely moved keeps its
// place in the graph. Writers wait for at most one chunk of documents.
func (a *Applier) RefreshRecency(ctx context.Context) (int, error) {
	a = a.current()
	mask := a.enc.RecencySpaces()
	if mask == nil {
		return 0, nil
	}
	var spans []index.Span
	for i, seg := range a.enc.Segments() {
		if mask[i] {
			spans = append(spans, index.Span{Off: seg.Offset, Len: seg.Dim})
		}
	}
	// EncodeItems writes only the masked spaces' dimensions.
	n, err := a.coll.Refresh(ctx, spans, func(docs []map[string]any, vecs [][]float32) error {
		if a.next.Load() != nil {
			return errSwitched
		}
		return a.enc.EncodeItems(ctx, docs, vecs, mask)
	})
	if errors.Is(err, errSwitched) {
		// The schema was switched meanwhile: the new applier's collection
		// is the one searched, and it refreshes its own.
		return n, nil
	}
	return n, err
}

// errSwitched stops a refresh of a collection a schema switch replaced.
var errSwitched = errors.New("ingest: switched to a new schema")

// EncodeOnly cleans and encodes rows (raw values by field name) without
// storing them. Rejected rows get nil vectors and their problems. Rows with
// no id are fine here.
func (a *Applier) EncodeOnly(ctx context.Context, rows []map[string]any) ([][]float32, [][]Problem, error) {
	a = a.current()
	events := make([]Event, len(rows))
	for i, r := range rows {
		events[i] = Event{Op: OpReplace, ID: fmt.Sprintf("row-%d", i+1), Fields: r, Row: i + 1}
		if v, ok := r[a.schema.ID]; ok && v != nil {
			events[i].ID = fmt.Sprint(v)
		}
	}
	// Nothing is stored, so nothing is learned: an unknown category
	// encodes as "other".
	items := a.prepareAll(events, false)
	if err := a.Encode(ctx, items); err != nil {
		return nil, nil, err
	}
	vecs := make([][]float32, len(items))
	problems := make([][]Problem, len(items))
	for i := range items {
		vecs[i], problems[i] = items[i].vec, items[i].problems
	}
	return vecs, problems, nil
}
