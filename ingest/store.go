package ingest

import (
	"context"
	"log/slog"

	"github.com/tessera-search/tessera/index"
)

// Sink is a system of record that receives every batch the apply path
// commits (except batches that came from it). Write must be idempotent.
// Backends (package mongo) implement it.
type Sink interface {
	Write(ctx context.Context, recs []index.Record) error
}

// SetSink makes the applier write every committed batch to s before the
// local WAL, so what is acknowledged is in the system of record too.
func (a *Applier) SetSink(s Sink) {
	a = a.current()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sink = s
}

// Follower keeps a collection in step with a source of changes and
// persists where it is, so a restart resumes there. The HTTP events API is
// the push-style entrance (Stream); followers pull.
type Follower interface {
	// Run applies changes until ctx is done.
	Run(ctx context.Context) error
}

// StoredDoc is a document read back from a system of record: its cleaned
// fields and, when the store has it, its vector.
type StoredDoc struct {
	ID      string
	Fields  map[string]any
	Vector  []float32 // nil or of another dimension: encoded again
	Version int64
	Deleted bool
}

// StoreApplier applies documents read from a system of record; a backend's
// follower and rebuild use it. *Applier implements it.
type StoreApplier interface {
	ApplyStored(ctx context.Context, source string, docs []StoredDoc) ([]Result, error)
}

// ApplyStored applies documents read from the system of record (source
// names it in events, e.g. "mongodb"): cleaned like any row, with stored
// vectors reused when present, and never written back to the sink.
func (a *Applier) ApplyStored(ctx context.Context, source string, docs []StoredDoc) ([]Result, error) {
	a = a.current()
	events := make([]Event, len(docs))
	for i, d := range docs {
		events[i] = Event{Op: OpReplace, ID: d.ID, Fields: d.Fields, Version: d.Version, Source: source, fromStore: true}
		if d.Deleted {
			events[i].Op = OpDelete
		}
	}
	items := a.Prepare(events)
	for i := range items {
		if v := docs[i].Vector; len(v) == a.enc.Dim() && !items[i].rejected() {
			items[i].vec, items[i].encoded = v, true
		}
	}
	if err := a.Encode(ctx, items); err != nil {
		return nil, err
	}
	res, err := a.Commit(ctx, items)
	for _, r := range res {
		if r.Status == StatusRejected {
			slog.WarnContext(ctx, "document from the store rejected", "id", r.ID, "problems", r.Problems)
		}
	}
	return res, err
}
