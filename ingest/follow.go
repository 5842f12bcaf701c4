package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/index/mongostore"
	"github.com/tessera-search/tessera/internal/atomicfile"
)

// Sink is a system of record that receives every batch the apply path
// commits (except batches that came from it). Write must be idempotent.
type Sink interface {
	Write(ctx context.Context, recs []index.Record) error
}

// SetSink makes the applier write every committed batch to s before the
// local WAL, so what is acknowledged is in the system of record too.
func (a *Applier) SetSink(s Sink) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sink = s
}

// MongoSink writes batches to a MongoDB store.
type MongoSink struct{ Store *mongostore.Store }

// Write upserts the records (last writer wins by version).
func (m MongoSink) Write(ctx context.Context, recs []index.Record) error {
	docs := make([]mongostore.Doc, len(recs))
	for i, r := range recs {
		docs[i] = mongostore.Doc{ID: r.ID, Fields: r.Fields, Vector: r.Vector, Version: r.Version, Deleted: r.Deleted}
	}
	return m.Store.Upsert(ctx, docs)
}

// Follower keeps a collection in step with a source of changes and
// persists where it is, so a restart resumes there. The HTTP events API is
// the push-style entrance (Stream); followers pull.
type Follower interface {
	// Run applies changes until ctx is done.
	Run(ctx context.Context) error
}

// MongoFollower applies changes made to a MongoDB collection — by other
// Tessera instances or by any program — through the apply path.
type MongoFollower struct {
	Applier    *Applier
	Store      *mongostore.Store
	Checkpoint string        // file holding the persisted position
	Poll       time.Duration // polling interval where change streams are missing
}

// Run follows from the persisted checkpoint until ctx is done.
func (f *MongoFollower) Run(ctx context.Context) error {
	cp, err := loadCheckpoint(f.Checkpoint)
	if err != nil {
		return err
	}
	err = f.Store.Follow(ctx, cp, f.Poll, func(ctx context.Context, docs []mongostore.Doc, cp mongostore.Checkpoint) error {
		if _, err := f.Applier.applyFromStore(ctx, docs); err != nil {
			return err
		}
		return saveCheckpoint(f.Checkpoint, cp)
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Rebuild loads every document of the store into the (empty) collection,
// reusing stored vectors, and saves a checkpoint at the newest document so
// the follower continues from there. It returns the documents loaded.
func (f *MongoFollower) Rebuild(ctx context.Context) (int, error) {
	start := time.Now()
	var cp mongostore.Checkpoint
	n := 0
	err := f.Store.Scan(ctx, 1000, func(docs []mongostore.Doc) error {
		if _, err := f.Applier.applyFromStore(ctx, docs); err != nil {
			return err
		}
		for _, d := range docs {
			switch {
			case d.UpdatedAt.After(cp.UpdatedAt):
				cp.UpdatedAt, cp.LastIDs = d.UpdatedAt, []string{d.ID}
			case d.UpdatedAt.Equal(cp.UpdatedAt):
				cp.LastIDs = append(cp.LastIDs, d.ID)
			}
		}
		n += len(docs)
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("rebuild from store: %w", err)
	}
	secs := time.Since(start).Seconds()
	slog.InfoContext(ctx, "rebuilt the index from the store", "documents", n, "seconds", secs, "rows_per_s", float64(n)/max(secs, 1e-9))
	return n, saveCheckpoint(f.Checkpoint, cp)
}

// applyFromStore applies documents read from the system of record: cleaned
// like any row, with stored vectors reused when present, and never written
// back to the sink.
func (a *Applier) applyFromStore(ctx context.Context, docs []mongostore.Doc) ([]Result, error) {
	events := make([]Event, len(docs))
	for i, d := range docs {
		events[i] = Event{Op: OpReplace, ID: d.ID, Fields: d.Fields, Version: d.Version, Source: "mongodb", fromStore: true}
		if d.Deleted {
			events[i].Op = OpDelete
		}
	}
	items := a.Prepare(events)
	for i := range items {
		if v := docs[i].Vector; len(v) == a.enc.Dim() && !items[i].Rejected() {
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

func loadCheckpoint(path string) (mongostore.Checkpoint, error) {
	var cp mongostore.Checkpoint
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cp, nil
	}
	if err != nil {
		return cp, fmt.Errorf("follower checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &cp); err != nil {
		return cp, fmt.Errorf("follower checkpoint %s: %w", path, err)
	}
	return cp, nil
}

func saveCheckpoint(path string, cp mongostore.Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("follower checkpoint: %w", err)
	}
	return nil
}
