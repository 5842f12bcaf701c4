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
	// OnSchemaChange, when set, is called when the store's meta document
	// names another generation or schema than the Store is bound to: a
	// schema change applied by another instance. Following stops until it
	// returns; it is expected to Bind the Store to m, rebuild the local
	// index for m (Rebuild saves the checkpoint to resume from) and
	// switch to it. An error is logged and the change is tried again at
	// the next poll.
	OnSchemaChange func(ctx context.Context, m Meta) error
}

// Run follows from the persisted checkpoint until ctx is done, and (with
// OnSchemaChange) watches the meta document every poll interval.
func (f *Follower) Run(ctx context.Context) error {
	poll := f.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		m, changed, err := f.followUntilChange(ctx, poll)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case !changed:
			return nil
		}
		if m == f.Store.Meta() {
			continue // this instance applied it: follow the new generation
		}
		if err := f.OnSchemaChange(ctx, m); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			slog.ErrorContext(ctx, "following the store's schema change failed; retrying", "generation", m.Generation, "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(poll):
			}
		}
	}
}

// followUntilChange follows the bound generation until ctx is done, the
// follow fails, or the meta document changes (changed, with the new one).
func (f *Follower) followUntilChange(ctx context.Context, poll time.Duration) (m Meta, changed bool, err error) {
	cp, err := f.loadCheckpoint()
	if err != nil {
		return m, false, err
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bound := f.Store.Meta()
	metac := make(chan Meta, 1)
	if f.OnSchemaChange != nil {
		go func() {
			t := time.NewTicker(poll)
			defer t.Stop()
			for {
				select {
				case <-fctx.Done():
					return
				case <-t.C:
				}
				got, err := f.Store.ReadMeta(fctx)
				if err != nil {
					if fctx.Err() == nil {
						slog.WarnContext(fctx, "mongo: read the store's meta document", "err", err)
					}
					continue
				}
				// Compared with the binding followed and with the binding
				// now: an apply whose local switch failed rebinds the
				// Store as behind after this loop may already have taken
				// the new binding as its own (seen in CI).
				if !sameMeta(got, bound) || !sameMeta(got, f.Store.Meta()) {
					metac <- got
					return
				}
			}
		}()
	}
	errc := make(chan error, 1)
	go func() {
		errc <- f.Store.Follow(fctx, cp, poll, func(ctx context.Context, docs []Doc, cp Checkpoint) error {
			// This instance's own schema change rebinds the Store: the
			// old generation's late writes reach the new one by CarryLate.
			if f.Store.Generation() != bound.Generation {
				return errRebound
			}
			if _, err := f.Applier.ApplyStored(ctx, source, storedDocs(docs)); err != nil {
				return err
			}
			if f.Store.Generation() != bound.Generation {
				return errRebound // the position is the old generation's
			}
			cp.Generation = bound.Generation
			return saveCheckpoint(f.Checkpoint, cp)
		})
	}()
	select {
	case m = <-metac:
		cancel()
		<-errc
		return m, true, nil
	case err = <-errc:
		switch {
		case errors.Is(err, errRebound):
			return f.Store.Meta(), true, nil
		case errors.Is(err, context.Canceled):
			err = nil
		}
		return m, false, err
	}
}

// sameMeta reports whether two meta documents name the same generation,
// schema and fingerprint (Recorded aside).
func sameMeta(a, b Meta) bool {
	return a.Generation == b.Generation && a.Schema == b.Schema && a.Fingerprint == b.Fingerprint
}

// errRebound stops following a generation the Store is no longer bound to.
var errRebound = errors.New("mongo: the store moved to another generation")

// loadCheckpoint reads the persisted position; one in another generation
// than the bound one starts that generation from the beginning.
func (f *Follower) loadCheckpoint() (Checkpoint, error) {
	cp, err := loadCheckpoint(f.Checkpoint)
	if err != nil {
		return cp, err
	}
	if gen := f.Store.Generation(); generationOf(cp, f.Store.base) != gen {
		return Checkpoint{Generation: gen}, nil
	}
	return cp, nil
}

// CheckpointGeneration is the generation the persisted position is in, and
// whether there is one: a local index built from another generation than
// the active one must be rebuilt.
func (f *Follower) CheckpointGeneration() (string, bool, error) {
	cp, err := loadCheckpoint(f.Checkpoint)
	if err != nil {
		return "", false, err
	}
	if _, err := os.Stat(f.Checkpoint); err != nil {
		return "", false, nil
	}
	return generationOf(cp, f.Store.base), true, nil
}

// ResumeAt persists a position in the bound generation at time at: the
// follower reads every document written there from then on (again).
func (f *Follower) ResumeAt(at time.Time) error {
	return saveCheckpoint(f.Checkpoint, Checkpoint{UpdatedAt: at.UTC(), Generation: f.Store.Generation()})
}

func generationOf(cp Checkpoint, base string) string {
	if cp.Generation == "" {
		return base
	}
	return cp.Generation
}

// Rebuild loads every document of the store into the (empty) collection,
// reusing stored vectors, and saves a checkpoint at the newest document so
// the follower continues from there. It returns the documents loaded.
func (f *Follower) Rebuild(ctx context.Context) (int, error) {
	start := time.Now()
	st := f.Store.view()
	cp := Checkpoint{Generation: st.Generation()}
	n := 0
	err := st.Scan(ctx, 1000, func(docs []Doc) error {
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
	// The scan reads in _id order: a document written while it ran, behind
	// its cursor, is older than the newest one it saw. Resume from before
	// the scan began (a margin for writers' clocks) so the follower reads
	// such documents; those it reads again are refused as not newer.
	if from := start.Add(-rebuildMargin).UTC().Truncate(time.Millisecond); cp.UpdatedAt.After(from) {
		cp = Checkpoint{UpdatedAt: from, Generation: cp.Generation}
	}
	secs := time.Since(start).Seconds()
	slog.InfoContext(ctx, "rebuilt the index from the store", "documents", n, "seconds", secs, "rows_per_s", float64(n)/max(secs, 1e-9))
	return n, saveCheckpoint(f.Checkpoint, cp)
}

// rebuildMargin is how far before a rebuild's scan its follower resumes.
const rebuildMargin = 2 * time.Second

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
