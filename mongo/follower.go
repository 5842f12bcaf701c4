package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/atomicfile"
)

// Follower applies changes made to a MongoDB collection — by other
// Tessera instances or by any program — through the apply path. It is an
// ingest.Follower.
type Follower struct {
	Applier    ingest.StoreApplier
	Store      *Store
	Checkpoint string        // file holding the persisted position
	Poll       time.Duration // polling interval where change streams are missing
}

// Run follows from the persisted checkpoint until ctx is done.
func (f *Follower) Run(ctx context.Context) error {
	cp, err := loadCheckpoint(f.Checkpoint)
	if err != nil {
		return err
	}
	err = f.Store.Follow(ctx, cp, f.Poll, func(ctx context.Context, docs []Doc, cp Checkpoint) error {
		if _, err := f.Applier.ApplyStored(ctx, source, storedDocs(docs)); err != nil {
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
func (f *Follower) Rebuild(ctx context.Context) (int, error) {
	start := time.Now()
	var cp Checkpoint
	n := 0
	err := f.Store.Scan(ctx, 1000, func(docs []Doc) error {
		if _, err := f.Applier.ApplyStored(ctx, source, storedDocs(docs)); err != nil {
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

// source names the store in applied events.
const source = "mongodb"

// storedDocs converts documents for the apply path.
func storedDocs(docs []Doc) []ingest.StoredDoc {
	out := make([]ingest.StoredDoc, len(docs))
	for i, d := range docs {
		out[i] = ingest.StoredDoc{ID: d.ID, Fields: d.Fields, Vector: d.Vector, Version: d.Version, Deleted: d.Deleted}
	}
	return out
}

func loadCheckpoint(path string) (Checkpoint, error) {
	var cp Checkpoint
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

func saveCheckpoint(path string, cp Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("follower checkpoint: %w", err)
	}
	return nil
}

var _ ingest.Follower = (*Follower)(nil)
