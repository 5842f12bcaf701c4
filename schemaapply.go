package tessera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/atomicfile"
	"github.com/tessera-search/tessera/mongo"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/schemaplan"
	"github.com/tessera-search/tessera/spaces"
)

// A data directory's index lives in the directory CURRENT names ("index"
// when there is no CURRENT). A schema change that needs new vectors builds
// them into a new index-<n> directory beside it, with the new schema in
// index-<n>.schema.yaml, and switches by rewriting CURRENT atomically:
// that rename is the commit point. Open finishes a committed switch (the
// schema copy) and discards an uncommitted build, so after a kill -9 the
// directory holds either the old vectors and schema or the new ones,
// never a mix.
const (
	currentFile     = "CURRENT"
	defaultIndexDir = "index"
	pendingSuffix   = ".schema.yaml"
)

var indexDirName = regexp.MustCompile(`^index(-[0-9]+)?$`)

// recoverIndexDir reads CURRENT, completes a committed schema switch and
// removes what an interrupted or finished one left behind. It returns the
// index directory's name.
func recoverIndexDir(dataDir string, log *slog.Logger) (string, error) {
	cur := defaultIndexDir
	if b, err := os.ReadFile(filepath.Join(dataDir, currentFile)); err == nil {
		cur = strings.TrimSpace(string(b))
		if !indexDirName.MatchString(cur) {
			return "", fmt.Errorf("%s: %q is not an index directory name", filepath.Join(dataDir, currentFile), cur)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", currentFile, err)
	}
	pending := filepath.Join(dataDir, cur+pendingSuffix)
	if raw, err := os.ReadFile(pending); err == nil {
		// Committed but the schema copy may not be written yet.
		if err := atomicfile.WriteFile(filepath.Join(dataDir, schemaCopy), raw, 0o644); err != nil {
			return "", fmt.Errorf("finish the schema change: %w", err)
		}
		log.Info("finished a schema change interrupted after its switch", "index", cur)
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		name := e.Name()
		stale := indexDirName.MatchString(name) && name != cur // an unfinished build, or the index a switch replaced
		// A kill while the pending schema was written leaves its temporary
		// file (internal/atomicfile writes NAME.tmp, then renames).
		if dir, ok := strings.CutSuffix(strings.TrimSuffix(name, ".tmp"), pendingSuffix); ok && indexDirName.MatchString(dir) {
			stale = true // an uncommitted build's schema, or a committed one's already copied
		}
		if !stale {
			continue
		}
		log.Info("removing what a schema change left behind", "path", name)
		if err := os.RemoveAll(filepath.Join(dataDir, name)); err != nil {
			return "", fmt.Errorf("remove %s: %w", name, err)
		}
	}
	return cur, atomicfile.SyncDir(dataDir)
}

// collectionOptions are the index options an encoder's schema implies.
func collectionOptions(enc *spaces.Encoder, o Options) index.Options {
	s := enc.Schema()
	var textFields, labelFields []string
	if !o.NoLexical {
		textFields, labelFields = query.LexicalFields(s)
	}
	return index.Options{NoSync: o.NoSync, Logger: o.Logger, OnSync: o.OnWALSync, OnSnapshot: o.OnSnapshot,
		Graph:        indexGraphConfig(s),
		FilterFields: s.Filters, TextFields: textFields, LabelFields: labelFields,
		TruncateWAL: o.TruncateWAL, TruncateWALAt: o.TruncateWALAt, FaultHook: o.FaultHook,
		CopyDims: copyDims(enc)}
}

// copyDims are the text spaces' dims: rows that agree there are copies of
// one item (order lines of one product, one product per seller), told
// apart only by their numbers, categories and dates.
func copyDims(enc *spaces.Encoder) []index.Span {
	var out []index.Span
	for _, seg := range enc.Segments() {
		if seg.Kind == spaces.KindText {
			out = append(out, index.Span{Off: seg.Offset, Len: seg.Dim - seg.NegDims})
		}
	}
	return out
}

// PlanSchema compares the schema in raw with the one the directory was
// built with and says what applying it costs.
func (a *DB) PlanSchema(raw []byte) (*schemaplan.Plan, error) {
	next, err := parseSchema(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", schemaplan.ErrBadSchema, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return schemaplan.Diff(a.Schema, next, a.schemaRaw, raw), nil
}

func parseSchema(raw []byte) (*spaces.Schema, error) {
	s, err := spaces.ParseSchema(raw)
	if err == nil {
		err = ingest.ValidateCleaning(s)
	}
	return s, err
}

// ApplyOptions tune ApplySchema.
type ApplyOptions struct {
	// PlanID, when set, is the plan the caller reviewed: the apply is
	// refused with schemaplan.ErrPlanChanged when the plan now differs.
	PlanID string
	// Progress is called after each batch of documents carried over.
	Progress func(done, total int)
}

// ApplySchema changes the directory's schema to raw, online: searches and
// writes go on against the current schema and vectors while new ones are
// built, and switch to the new ones atomically when they are complete.
// Metadata-only changes (weights, query templates) switch at once. A plan
// that needs the source rows is refused with a *schemaplan.RefusalError.
// In store mode the store's new generation and meta document change too,
// and every replica follows (schemaapply_store.go).
func (a *DB) ApplySchema(ctx context.Context, raw []byte, opt ApplyOptions) (*schemaplan.Plan, error) {
	if !a.applying.TryLock() {
		return nil, schemaplan.ErrBusy
	}
	defer a.applying.Unlock()
	plan, err := a.PlanSchema(raw)
	if err != nil {
		return nil, err
	}
	if opt.PlanID != "" && opt.PlanID != plan.ID {
		return plan, schemaplan.ErrPlanChanged
	}
	if err := a.storeFollowed(ctx); err != nil {
		return plan, err
	}
	if err := plan.Refusal(); err != nil {
		return plan, err
	}
	if plan.Empty() {
		return plan, nil
	}
	next, _ := parseSchema(raw)
	enc, err := a.newEncoder(next)
	if err != nil {
		return plan, err
	}
	log := a.logger()
	start := time.Now()
	if plan.Cost == schemaplan.Metadata && a.Store != nil {
		if err := a.applyMetadataStore(ctx, next, raw, enc); err != nil {
			return plan, err
		}
		log.Info("schema change applied to the store: metadata only", "plan", plan.ID, "changes", len(plan.Changes))
		return plan, nil
	}
	if plan.Cost == schemaplan.Metadata {
		coll := a.current().Collection()
		app, err := a.current().Switch(ctx, func(context.Context) (*ingest.Applier, error) {
			app, err := ingest.NewApplier(enc, coll)
			if err != nil {
				return nil, err
			}
			if err := atomicfile.WriteFile(filepath.Join(a.DataDir, schemaCopy), raw, 0o644); err != nil {
				return nil, fmt.Errorf("save schema copy: %w", err)
			}
			return app, nil
		})
		if err != nil {
			return plan, err
		}
		a.switched(next, raw, enc, coll, a.indexDir, app)
		log.Info("schema change applied: metadata only", "plan", plan.ID, "changes", len(plan.Changes))
		return plan, nil
	}
	return plan, a.rebuild(ctx, plan, next, raw, enc, opt, start)
}

// rebuild builds a new index for the new schema beside the current one
// and switches to it.
func (a *DB) rebuild(ctx context.Context, plan *schemaplan.Plan, next *spaces.Schema, raw []byte, enc *spaces.Encoder, opt ApplyOptions, start time.Time) (err error) {
	var store *storeGeneration
	if a.Store != nil {
		if store, err = a.newStoreGeneration(ctx); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("index-%d", time.Now().UnixNano())
	dir := filepath.Join(a.DataDir, name)
	pending := dir + pendingSuffix
	if err := atomicfile.WriteFile(pending, raw, 0o644); err != nil {
		if store != nil {
			store.abandon()
		}
		return fmt.Errorf("save the new schema: %w", err)
	}
	coll, err := index.Open(dir, enc.Dim(), collectionOptions(enc, a.opts))
	if err != nil {
		os.Remove(pending)
		if store != nil {
			store.abandon()
		}
		return err
	}
	committed, storeCommitted := false, false
	defer func() {
		if !committed {
			coll.Close()
			os.RemoveAll(dir)
			os.Remove(pending)
		}
		if store != nil && !storeCommitted {
			store.abandon()
		}
	}()
	app, err := ingest.NewApplier(enc, coll)
	if err != nil {
		return err
	}
	mig, err := ingest.NewMigration(a.Applier, app, plan.Reencode)
	if err != nil {
		return err
	}
	defer mig.Stop()
	log := a.logger()
	log.Info("schema change: building the new index", "plan", plan.ID, "dir", name, "reencode", plan.Reencode, "documents", a.Applier.Collection().Len())
	if err := mig.Run(ctx, opt.Progress); err != nil {
		return fmt.Errorf("build the new index: %w", err)
	}
	if store != nil {
		if err := store.built(ctx, coll); err != nil {
			return err
		}
	}
	if a.beforeSwitch != nil {
		a.beforeSwitch()
	}
	old := a.Applier.Collection()
	oldDir := a.indexDir
	app, err = mig.Finish(ctx, func() error {
		if store != nil {
			if err := store.commit(ctx, coll, enc, raw); err != nil {
				return err
			}
			storeCommitted = true
			// From here the store has the new schema: should the local
			// switch fail, the next start rebuilds from the store.
		}
		if err := atomicfile.WriteFile(filepath.Join(a.DataDir, currentFile), []byte(name+"\n"), 0o644); err != nil {
			return fmt.Errorf("switch to the new index: %w", err)
		}
		committed = true
		// From here a restart finishes the change (recoverIndexDir).
		if err := atomicfile.WriteFile(filepath.Join(a.DataDir, schemaCopy), raw, 0o644); err != nil {
			log.Error("schema copy not yet rewritten: the next start finishes it", "err", err)
		}
		return nil
	})
	if err != nil {
		if storeCommitted {
			// Bound to the new generation as no schema: writes go there
			// without vectors, and the follower sees the store ahead of
			// this instance and rebuilds from it (as a restart would).
			a.Store.Bind(mongo.Meta{Recorded: true, Generation: store.gen.Generation()})
			log.Error("the store switched to the new schema but this instance did not; its follower (or a restart) rebuilds from the store", "plan", plan.ID, "err", err)
		}
		return err
	}
	a.switched(next, raw, enc, coll, name, app)
	a.retireIndex(old, oldDir)
	os.Remove(pending)
	log.Info("schema change applied: switched to the new index", "plan", plan.ID, "dir", name, "documents", coll.Len(),
		"reencoded", plan.Reencode, "took", time.Since(start).Round(time.Millisecond).String())
	if store != nil {
		store.retire(ctx)
	}
	return nil
}

// retireIndex closes and removes an index a switch replaced. Searches that
// began on the old engine read memory only; the old index's files go now,
// its memory once they have surely finished.
func (a *DB) retireIndex(old *index.Collection, oldDir string) {
	log := a.logger()
	if err := old.Close(); err != nil {
		log.Warn("close the replaced index", "err", err)
	}
	grace := releaseGrace
	if a.releaseGrace != nil {
		grace = *a.releaseGrace
	}
	time.AfterFunc(grace, old.Release)
	if err := os.RemoveAll(filepath.Join(a.DataDir, oldDir)); err != nil {
		log.Warn("remove the replaced index (the next start retries)", "dir", oldDir, "err", err)
	}
}

// switched points the engine and the DB at the new schema and applier.
func (a *DB) switched(s *spaces.Schema, raw []byte, enc *spaces.Encoder, coll *index.Collection, dir string, app *ingest.Applier) {
	a.Engine.Switch(query.NewEngine(enc, coll, query.NewParser(enc, a.opts.LLM)))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Schema, a.schemaRaw, a.Encoder, a.Collection, a.indexDir, a.live = s, raw, enc, coll, dir, app
}

// newEncoder builds the encoder of a schema with the directory's embedder.
func (a *DB) newEncoder(s *spaces.Schema) (*spaces.Encoder, error) {
	encOpts := []spaces.EncoderOption{spaces.WithQueryEmbedder(query.NewCachedEmbedder(a.embedder, 10_000))}
	if a.opts.Clock != nil {
		encOpts = append(encOpts, spaces.WithClock(a.opts.Clock))
	}
	return spaces.NewEncoder(s, a.embedder, encOpts...)
}

func indexGraphConfig(s *spaces.Schema) hnsw.Config {
	return hnsw.Config{M: s.Index.M, EfConstruction: s.Index.EfConstruction, EfSearch: s.Index.EfSearch, Seed: 1}
}

func (a *DB) logger() *slog.Logger {
	if a.opts.Logger != nil {
		return a.opts.Logger
	}
	return slog.Default()
}

// releaseGrace is how long a replaced index stays in memory after the
// switch: a search that loaded the old engine just before it finishes
// there. Searches take milliseconds; ten seconds is a wide margin, and the
// old engine object (which the HTTP handlers hold) keeps only an empty
// collection after it.
const releaseGrace = 10 * time.Second

// applyState is what a DB tracks of its schema changes.
type applyState struct {
	applying sync.Mutex // one apply at a time
	// background is the StartSchemaApply goroutine, which Close waits for.
	background sync.WaitGroup
	statusMu   sync.Mutex
	status     schemaplan.Status
	// beforeSwitch, when set (tests), runs after the build and before the
	// switch; releaseGrace, when set (tests), replaces releaseGrace.
	beforeSwitch func()
	releaseGrace *time.Duration
}

// StartSchemaApply checks the change as ApplySchema does (bad schema,
// stale plan, source rows needed, an apply already running),
// then applies it in the background; SchemaApplyStatus follows it. ctx
// bounds the work: cancelled before the switch, the build is discarded.
func (a *DB) StartSchemaApply(ctx context.Context, raw []byte, planID string) (schemaplan.Status, error) {
	plan, err := a.PlanSchema(raw)
	if err != nil {
		return schemaplan.Status{}, err
	}
	switch {
	case planID != "" && planID != plan.ID:
		return schemaplan.Status{}, schemaplan.ErrPlanChanged
	case plan.Refusal() != nil:
		return schemaplan.Status{}, plan.Refusal()
	}
	if err := a.storeFollowed(ctx); err != nil {
		return schemaplan.Status{}, err
	}
	a.statusMu.Lock()
	if a.status.State == schemaplan.StateRunning {
		a.statusMu.Unlock()
		return schemaplan.Status{}, schemaplan.ErrBusy
	}
	a.status = schemaplan.Status{State: schemaplan.StateRunning, Plan: plan, Total: a.Applier.Collection().Len(), Started: time.Now().UTC()}
	st := a.status
	a.statusMu.Unlock()
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		_, err := a.ApplySchema(ctx, raw, ApplyOptions{PlanID: plan.ID, Progress: func(done, total int) {
			a.statusMu.Lock()
			a.status.Done, a.status.Total = done, total
			a.statusMu.Unlock()
		}})
		a.statusMu.Lock()
		defer a.statusMu.Unlock()
		a.status.Finished = time.Now().UTC()
		if err != nil {
			a.status.State, a.status.Error = schemaplan.StateFailed, err.Error()
			a.logger().Error("schema change failed; the current schema and vectors stay", "plan", plan.ID, "err", err)
			return
		}
		a.status.State, a.status.Done = schemaplan.StateDone, a.status.Total
	}()
	return st, nil
}

// SchemaApplyStatus is the state of the last background apply.
func (a *DB) SchemaApplyStatus() schemaplan.Status {
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	if a.status.State == "" {
		return schemaplan.Status{State: schemaplan.StateIdle}
	}
	return a.status
}

// Documents is the number of documents a plan would carry over.
func (a *DB) Documents() int { return a.Applier.Collection().Len() }
