package tessera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/atomicfile"
	"github.com/tessera-search/tessera/mongo"
	"github.com/tessera-search/tessera/schemaplan"
	"github.com/tessera-search/tessera/spaces"
)

// Schema changes in MongoDB store mode. The store's meta document is the
// commit point (see mongo/generation.go): the applying instance builds the
// new vectors into its local index as in local mode and into a new store
// generation, then switches the meta document atomically, then its own
// CURRENT file. Every other instance's follower notices the meta change,
// rebuilds its local index from the new generation while it keeps
// answering from the old one, and switches. On open, an instance whose
// local index was built for another schema or generation than the store's
// active one discards it and rebuilds, so a kill -9 anywhere leaves the
// old generation or the new, never a mix.

// carryGrace is how long, after a switch, writes that other instances
// still make to the old generation (until their follower notices, at most
// a poll interval later) are carried over before it is dropped: three
// polls and a second for writes in flight.
func carryGrace(poll time.Duration) time.Duration {
	if poll <= 0 {
		poll = time.Second
	}
	return 3*poll + time.Second
}

// dialStore connects to the store and, unless a schema was given
// explicitly, adopts the store's schema when it differs from the saved
// copy (another instance applied a change). It discards the local index
// when it was built for another schema or generation than the store's
// active one, so openStore rebuilds it. It returns the schema to open
// with and whether it is the adopted one.
func (a *DB) dialStore(ctx context.Context, o Options, raw []byte, saved string, log *slog.Logger) (st *mongo.Store, _ []byte, adopted bool, err error) {
	st, err = mongo.DialURI(ctx, o.Store, a.Schema.Name)
	if err != nil {
		return nil, nil, false, err
	}
	defer func() {
		if err != nil {
			st.Close(context.WithoutCancel(ctx))
		}
	}()
	m := st.Meta()
	explicit := o.Schema != nil || o.SchemaPath != ""
	reset := ""
	if m.Schema != "" && m.Schema != string(raw) && !explicit {
		next, err := parseSchema([]byte(m.Schema))
		if err != nil {
			return nil, nil, false, fmt.Errorf("the schema recorded in store %s: %w", mongo.Redacted(o.Store), err)
		}
		if next.Name != a.Schema.Name {
			return nil, nil, false, fmt.Errorf("the schema recorded in store %s for %s is named %s", mongo.Redacted(o.Store), a.Schema.Name, next.Name)
		}
		log.Info("adopting the store's schema, changed by another instance", "collection", m.Generation)
		if old, err := os.ReadFile(saved); err == nil {
			prev, perr := spaces.ParseSchema(old)
			if perr != nil || schemaplan.Diff(prev, next, old, []byte(m.Schema)).Cost > schemaplan.Metadata {
				reset = "built for the schema the store replaced"
			}
		}
		raw, adopted = []byte(m.Schema), true
	}
	f := &mongo.Follower{Store: st, Checkpoint: filepath.Join(o.DataDir, followerCheckpoint)}
	gen, ok, err := f.CheckpointGeneration()
	if err != nil {
		return nil, nil, false, err
	}
	if ok && gen != st.Generation() {
		reset = "built from generation " + gen + ", the store's is " + st.Generation()
	}
	if reset != "" {
		// The checkpoint goes first: without it the index is rebuilt even
		// if a kill stops this half-way.
		log.Info("discarding the local index to rebuild it from the store", "why", reset)
		if err := os.Remove(f.Checkpoint); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, false, fmt.Errorf("discard the local index: %w", err)
		}
		if err := os.RemoveAll(filepath.Join(o.DataDir, a.indexDir)); err != nil {
			return nil, nil, false, fmt.Errorf("discard the local index: %w", err)
		}
	}
	return st, raw, adopted, nil
}

// storeFollowed refuses a schema change, in store mode, while this
// instance has not yet followed the store to its active schema: the plan
// was made against a schema another instance has replaced.
func (a *DB) storeFollowed(ctx context.Context) error {
	if a.Store == nil {
		return nil
	}
	m, err := a.Store.ReadMeta(ctx)
	if err != nil {
		return err
	}
	if m != a.Store.Meta() {
		return fmt.Errorf("%w: another instance changed the store's schema (generation %s); this instance follows it within a poll interval: plan again then", schemaplan.ErrPlanChanged, m.Generation)
	}
	return nil
}

// current is the applier that answers now.
func (a *DB) current() *ingest.Applier {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.live
}

// applyMetadataStore switches a metadata-only change in store mode: the
// meta document takes the new schema text in the same commit as the local
// applier, and every replica follows it.
func (a *DB) applyMetadataStore(ctx context.Context, next *spaces.Schema, raw []byte, enc *spaces.Encoder) error {
	coll := a.current().Collection()
	app, err := a.current().Switch(ctx, func(ctx context.Context) (*ingest.Applier, error) {
		app, err := ingest.NewApplier(enc, coll)
		if err != nil {
			return nil, err
		}
		if err := a.Store.CommitGeneration(ctx, mongo.Meta{Fingerprint: enc.Fingerprint(), Schema: string(raw)}); err != nil {
			return nil, planChanged(err)
		}
		a.saveSchemaCopy(raw)
		return app, nil
	})
	if err != nil {
		return err
	}
	a.switched(next, raw, enc, coll, a.indexDir, app)
	return nil
}

// saveSchemaCopy rewrites the saved schema after the store committed it;
// a failure is only logged, since the next open adopts the store's.
func (a *DB) saveSchemaCopy(raw []byte) {
	if err := atomicfile.WriteFile(filepath.Join(a.DataDir, schemaCopy), raw, 0o644); err != nil {
		a.logger().Error("schema copy not rewritten: the next start adopts the store's", "err", err)
	}
}

// storeGeneration is rebuild's part in store mode: it fills a new store
// generation with the new index's documents and commits it.
type storeGeneration struct {
	db    *DB
	gen   *mongo.Generation
	old   string // the generation it replaces
	start time.Time
	stop  func()

	mu    sync.Mutex
	dirty map[string]struct{} // written to the old applier since the build began
}

// newStoreGeneration creates the generation and starts recording writes.
func (a *DB) newStoreGeneration(ctx context.Context) (*storeGeneration, error) {
	gen, err := a.Store.NewGeneration(ctx)
	if err != nil {
		return nil, planChanged(err)
	}
	g := &storeGeneration{db: a, gen: gen, old: a.Store.Generation(), start: time.Now(), dirty: map[string]struct{}{}}
	g.stop = a.current().Observe(func(items []ingest.Item, _ []ingest.Result) {
		g.mu.Lock()
		defer g.mu.Unlock()
		for i := range items {
			g.dirty[items[i].ID] = struct{}{}
		}
	})
	return g, nil
}

// built copies every document and deletion of the new index to the new
// generation; searches and writes go on meanwhile.
func (g *storeGeneration) built(ctx context.Context, coll *index.Collection) error {
	var docs []mongo.Doc
	coll.Each(func(r index.Record) bool {
		docs = append(docs, mongo.Doc{ID: r.ID, Fields: r.Fields, Vector: r.Vector, Version: r.Version})
		return true
	})
	for _, t := range coll.Tombstones() {
		docs = append(docs, mongo.Doc{ID: t.ID, Version: t.Version, Deleted: true})
	}
	if err := g.gen.Fill(ctx, docs); err != nil {
		return fmt.Errorf("fill the new store generation: %w", err)
	}
	return nil
}

// commit runs under the old applier's commit lock, after the migration
// carried the writes made during the build into coll: it copies those to
// the new generation too and switches the store's meta document, the
// commit point. From here the change is made whatever happens locally.
func (g *storeGeneration) commit(ctx context.Context, coll *index.Collection, enc *spaces.Encoder, raw []byte) error {
	g.stop()
	g.mu.Lock()
	ids := slices.Sorted(maps.Keys(g.dirty))
	g.mu.Unlock()
	docs := make([]mongo.Doc, 0, len(ids))
	for _, id := range ids {
		if r, ok := coll.Get(id); ok {
			docs = append(docs, mongo.Doc{ID: r.ID, Fields: r.Fields, Vector: r.Vector, Version: r.Version})
		} else if v, gone := coll.Version(id); gone {
			docs = append(docs, mongo.Doc{ID: id, Version: v, Deleted: true})
		}
	}
	if err := g.gen.Upsert(ctx, docs); err != nil {
		return fmt.Errorf("carry the writes made during the build to the store: %w", err)
	}
	at := time.Now()
	if err := g.db.Store.CommitGeneration(ctx, mongo.Meta{Generation: g.gen.Generation(), Fingerprint: enc.Fingerprint(), Schema: string(raw)}); err != nil {
		return planChanged(err)
	}
	// Everything the new generation held before the commit is in coll;
	// the follower reads what others write from then on (a margin for
	// their clocks).
	if err := g.db.Follower.ResumeAt(at.Add(-5 * time.Second)); err != nil {
		g.db.logger().Error("follower position not saved: the next start rebuilds from the store", "err", err)
	}
	return nil
}

// planChanged marks a commit that lost to another instance's schema
// change as a stale plan (HTTP 409).
func planChanged(err error) error {
	if errors.Is(err, mongo.ErrMetaChanged) {
		return fmt.Errorf("%w: %w", schemaplan.ErrPlanChanged, err)
	}
	return err
}

// abandon drops the unfinished generation.
func (g *storeGeneration) abandon() {
	g.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A commit that failed on its way back may still have switched.
	if m, err := g.db.Store.ReadMeta(ctx); err != nil || m.Generation == g.gen.Generation() {
		g.db.logger().Warn("the unfinished store generation stays: the store may have switched to it", "generation", g.gen.Generation(), "err", err)
		return
	}
	if err := g.db.Store.DropGeneration(ctx, g.gen.Generation()); err != nil {
		g.db.logger().Warn("drop the unfinished store generation (the next schema change drops it)", "err", err)
	}
}

// retire carries the late writes other instances make to the old
// generation, then drops it.
func (g *storeGeneration) retire(ctx context.Context) {
	log := g.db.logger()
	n, err := g.db.Store.CarryLate(ctx, g.old, g.start, carryGrace(g.db.opts.FollowPoll), max(g.db.opts.FollowPoll, 10*time.Millisecond))
	if err != nil {
		log.Warn("carry late writes from the replaced store generation; it stays until the next schema change", "generation", g.old, "err", err)
		return
	}
	if err := g.db.Store.DropGeneration(ctx, g.old); err != nil {
		log.Warn("drop the replaced store generation (the next schema change drops it)", "generation", g.old, "err", err)
		return
	}
	log.Info("dropped the replaced store generation", "generation", g.old, "late_writes_carried", n)
}

// followStoreSchema is the follower's OnSchemaChange: another instance
// changed the store's schema. The local index keeps answering while a new
// one is rebuilt from the new generation (or, for a metadata change in the
// same generation, the new schema is switched to at once).
func (a *DB) followStoreSchema(ctx context.Context, _ mongo.Meta) error {
	a.applying.Lock()
	defer a.applying.Unlock()
	m, err := a.Store.ReadMeta(ctx)
	if err != nil {
		return err
	}
	if m == a.Store.Meta() {
		return nil // this instance applied it meanwhile
	}
	if m.Schema == "" {
		return fmt.Errorf("the store's meta document for %s names generation %s without a schema", a.Schema.Name, m.Generation)
	}
	raw := []byte(m.Schema)
	next, err := parseSchema(raw)
	if err != nil {
		return fmt.Errorf("the store's new schema: %w", err)
	}
	enc, err := a.newEncoder(next)
	if err != nil {
		return err
	}
	if enc.Fingerprint() != m.Fingerprint {
		return fmt.Errorf("the store's new schema has fingerprint %s with this instance's embedder, the store records %s", enc.Fingerprint(), m.Fingerprint)
	}
	log := a.logger()
	start := time.Now()
	a.mu.Lock()
	cost := schemaplan.Diff(a.Schema, next, a.schemaRaw, raw).Cost
	a.mu.Unlock()
	if m.Generation == a.Store.Generation() && cost <= schemaplan.Metadata {
		coll := a.current().Collection()
		app, err := a.current().Switch(ctx, func(context.Context) (*ingest.Applier, error) {
			app, err := ingest.NewApplier(enc, coll)
			if err != nil {
				return nil, err
			}
			a.Store.Bind(m)
			a.saveSchemaCopy(raw)
			return app, nil
		})
		if err != nil {
			return err
		}
		a.switched(next, raw, enc, coll, a.indexDir, app)
		log.Info("followed the store's schema change: metadata only")
		return nil
	}
	// Writes made here from now on go to the new generation, without
	// vectors until the switch below (mongo.Sink).
	a.Store.Bind(m)
	followed := false
	defer func() {
		if !followed {
			// Still behind the store: bound to its generation as no
			// schema, so the follower's next poll sees the change again
			// and retries (bound to m, it would see none and never
			// rebuild).
			a.Store.Bind(mongo.Meta{Recorded: true, Generation: m.Generation})
		}
	}()
	name := fmt.Sprintf("index-%d", time.Now().UnixNano())
	dir := filepath.Join(a.DataDir, name)
	pending := dir + pendingSuffix
	if err := atomicfile.WriteFile(pending, raw, 0o644); err != nil {
		return fmt.Errorf("save the new schema: %w", err)
	}
	coll, err := index.Open(dir, enc.Dim(), collectionOptions(enc, a.opts))
	if err != nil {
		os.Remove(pending)
		return err
	}
	committed := false
	defer func() {
		if !committed {
			coll.Close()
			os.RemoveAll(dir)
			os.Remove(pending)
		}
	}()
	app, err := ingest.NewApplier(enc, coll)
	if err != nil {
		return err
	}
	f := &mongo.Follower{Applier: app, Store: a.Store, Checkpoint: a.Follower.Checkpoint}
	n, err := f.Rebuild(ctx)
	if err != nil {
		return err
	}
	if _, err := app.RefreshRecency(ctx); err != nil {
		return fmt.Errorf("refresh recency: %w", err)
	}
	if err := coll.Snapshot(); err != nil {
		return fmt.Errorf("snapshot the new index: %w", err)
	}
	old, oldDir := a.current().Collection(), a.indexDir
	_, err = a.current().Switch(ctx, func(context.Context) (*ingest.Applier, error) {
		if err := atomicfile.WriteFile(filepath.Join(a.DataDir, currentFile), []byte(name+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("switch to the new index: %w", err)
		}
		committed = true
		a.saveSchemaCopy(raw)
		return app, nil
	})
	if err != nil {
		return err
	}
	followed = true
	a.switched(next, raw, enc, coll, name, app)
	a.retireIndex(old, oldDir)
	os.Remove(pending)
	log.Info("followed the store's schema change: switched to the new index", "generation", m.Generation, "documents", n,
		"took", time.Since(start).Round(time.Millisecond).String())
	return nil
}
