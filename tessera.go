// Package tessera opens a Tessera data directory: the schema, the encoder,
// the durable collection and the apply and query paths over it. The
// tessera command and the tests build on it; embedders of Tessera as a
// library can too.
package tessera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/ingest/read"
	"github.com/tessera-search/tessera/internal/atomicfile"
	"github.com/tessera-search/tessera/internal/breaker"
	"github.com/tessera-search/tessera/internal/datasets"
	"github.com/tessera-search/tessera/mongo"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/schemaplan"
	"github.com/tessera-search/tessera/spaces"
	"github.com/tessera-search/tessera/spaces/openai"
	"github.com/tessera-search/tessera/spaces/wordvec"
)

// schemaCopy is the schema saved in the data directory, so later commands
// on the same directory need no --schema.
const schemaCopy = "schema.yaml"

// DB is one opened data directory.
type DB struct {
	DataDir    string
	Schema     *spaces.Schema
	Encoder    *spaces.Encoder
	Collection *index.Collection
	Applier    *ingest.Applier
	Engine     *query.Engine
	// Demo is true when the schema is the built-in demo schema.
	Demo bool
	// Store and Follower are set in store mode (Options.Store).
	Store    *mongo.Store
	Follower *mongo.Follower

	lock *dirLock
	opts Options
	// embedder is shared by the encoders of every schema the DB applies.
	embedder spaces.Embedder
	// mu guards the schema fields a schema change replaces (Schema,
	// schemaRaw, Encoder, Collection, indexDir). Readers that run during
	// an apply go through Applier.Collection() and Engine.Encoder(),
	// which follow the switch.
	mu        sync.Mutex
	schemaRaw []byte
	indexDir  string
	// live is the applier that answers now: Applier itself or the last
	// one a schema change switched to (a switch starts from it).
	live *ingest.Applier
	applyState
}

// Options say which data directory to open and how.
type Options struct {
	DataDir string
	// SchemaPath or Schema (YAML) give the schema; with neither, the copy
	// saved in DataDir is used, else the built-in demo schema.
	SchemaPath string
	Schema     []byte
	// RequireSchema refuses the demo fallback: with no schema given and
	// none saved, Open fails with ErrNoSchema before writing anything.
	// Commands that bring user data set it, so a file is never read
	// through a schema that was not written for it.
	RequireSchema bool
	// Holder names this process in the data directory's LOCK file (its
	// Command, and a server's Addr), for the error another process gets
	// when it tries to open the same directory. PID and Since are filled in.
	Holder Holder
	// Embedder overrides EmbedderKind: "builtin" (default) or "openai".
	Embedder     spaces.Embedder
	EmbedderKind string
	// OpenAI configures the "openai" embedder (see NewEmbedder).
	OpenAI openai.Config
	// LLM configures the natural-language parser's chat model; without a
	// BaseURL and a Model, queries are interpreted offline only.
	LLM nl.LLMConfig
	// NoSync skips WAL fsyncs (benchmarks only).
	NoSync bool
	// NoLexical keeps no lexical index: relevance ranking falls back to
	// the dense text similarity (benchmarks compare the two).
	NoLexical bool
	Logger    *slog.Logger
	// Clock is read by recency spaces; nil means time.Now.
	Clock func() time.Time
	// Store, a mongodb:// URI, makes a MongoDB collection (named after the
	// schema, in the URI's database or "tessera") the system of record: every
	// write goes there too, an empty local index is rebuilt from it, and
	// Follower keeps this instance in step with writes made by others.
	Store string
	// FollowPoll is the follower's polling interval (default 1s).
	FollowPoll time.Duration
	// OnWALSync and OnSnapshot observe durability timings (metrics).
	OnWALSync  func(time.Duration)
	OnSnapshot func(time.Duration)
	// TruncateWAL and TruncateWALAt recover from a corrupt WAL (see
	// index.Options).
	TruncateWAL   bool
	TruncateWALAt int64
	// FaultHook injects file-system faults into WAL writes (tests).
	FaultHook func(op string) error
}

// ErrNoSchema is wrapped by Open's error when Options.RequireSchema is set
// and neither a schema nor a saved copy is there.
var ErrNoSchema = errors.New("no schema")

// Open resolves the schema (given, saved copy, or the built-in demo),
// builds the encoder and opens the collection, replaying its WAL. The
// data directory has one owner: Open takes its lock and fails with an
// error wrapping ErrLocked (a *LockedError naming the holder) while
// another process, or another DB in this one, has it open. Close releases
// it.
func Open(ctx context.Context, o Options) (db *DB, err error) {
	if o.DataDir == "" {
		return nil, errors.New("no data directory (--data)")
	}
	saved := filepath.Join(o.DataDir, schemaCopy)
	if o.RequireSchema && o.Schema == nil && o.SchemaPath == "" && !fileExists(saved) {
		return nil, fmt.Errorf("%w for %s: it holds no data yet, so pass --schema FILE to say how its rows are read", ErrNoSchema, o.DataDir)
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	lock, err := lockDir(o.DataDir, o.Holder)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.release()
		}
	}()
	a := &DB{DataDir: o.DataDir, lock: lock, opts: o}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if a.indexDir, err = recoverIndexDir(o.DataDir, logger); err != nil {
		return nil, err
	}
	var raw []byte
	switch {
	case o.Schema != nil:
		raw = o.Schema
	case o.SchemaPath != "":
		raw, err = os.ReadFile(o.SchemaPath)
	case fileExists(saved):
		raw, err = os.ReadFile(saved)
	default:
		raw, a.Demo = datasets.DemoSchema(), true
	}
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	a.Schema, err = spaces.ParseSchema(raw)
	if err == nil {
		// Before anything is written: a schema the cleaner rejects must
		// not become the data directory's saved copy.
		err = ingest.ValidateCleaning(a.Schema)
	}
	if err != nil {
		name := o.SchemaPath
		if name == "" {
			name = saved
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if o.Store != "" {
		// In store mode the store's schema is the truth: adopt it (see
		// dialStore) before anything local is written.
		var adopted bool
		if a.Store, raw, adopted, err = a.dialStore(ctx, o, raw, saved, logger); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				a.Store.Close(context.WithoutCancel(ctx))
			}
		}()
		if adopted {
			a.Schema, _ = parseSchema(raw) // dialStore parsed it
		}
	}
	if old, err := os.ReadFile(saved); err == nil && !bytes.Equal(old, raw) && o.Store == "" {
		// A change of weights or query templates needs nothing but the
		// new copy; anything else is planned and applied (tessera plan).
		oldSchema, perr := spaces.ParseSchema(old)
		if perr == nil {
			if plan := schemaplan.Diff(oldSchema, a.Schema, old, raw); plan.Cost > schemaplan.Metadata {
				return nil, fmt.Errorf("schema %s differs from the one %s was built with (%s) in ways that change vectors or the index: review the change with tessera plan --data %s --schema %s, apply it with tessera apply (or use a new --data directory)", o.SchemaPath, o.DataDir, saved, o.DataDir, o.SchemaPath)
			}
		}
	}
	a.schemaRaw = raw
	if bytes.Equal(raw, datasets.DemoSchema()) {
		a.Demo = true
	}
	a.embedder = o.Embedder
	if a.embedder == nil {
		if a.embedder, err = NewEmbedder(o.EmbedderKind, o.OpenAI); err != nil {
			return nil, err
		}
	}
	a.Encoder, err = a.newEncoder(a.Schema)
	if err != nil {
		return nil, err
	}
	// Only a changed schema is written, and atomically: a kill during
	// start-up must never leave an empty or half-written copy behind (the
	// directory would refuse to open).
	if old, err := os.ReadFile(saved); err != nil || !bytes.Equal(old, raw) {
		if err := atomicfile.WriteFile(saved, raw, 0o644); err != nil {
			return nil, fmt.Errorf("save schema copy: %w", err)
		}
	}
	a.Collection, err = index.Open(filepath.Join(o.DataDir, a.indexDir), a.Encoder.Dim(), collectionOptions(a.Encoder, o))
	if err != nil {
		return nil, err
	}
	a.Applier, err = ingest.NewApplier(a.Encoder, a.Collection)
	if err != nil {
		a.Collection.Close()
		return nil, err
	}
	// Recency parts are kept in memory only (RefreshRecency): every
	// process recomputes them from the stored times after opening.
	if _, err := a.Applier.RefreshRecency(ctx); err != nil {
		a.Collection.Close()
		return nil, fmt.Errorf("refresh recency: %w", err)
	}
	a.live = a.Applier
	a.Engine = query.NewEngine(a.Encoder, a.Collection, query.NewParser(a.Encoder, o.LLM))
	if o.Store != "" {
		if err := a.openStore(ctx, o); err != nil {
			a.Collection.Close()
			return nil, err
		}
	}
	return a, nil
}

// followerCheckpoint is the store follower's position file in the data
// directory.
const followerCheckpoint = "follower-checkpoint.json"

// openStore records the schema in the MongoDB system of record (or checks
// it against the recorded one), rebuilds an empty local index from it and
// prepares the follower, which also follows the store's schema changes.
func (a *DB) openStore(ctx context.Context, o Options) error {
	if err := a.Store.Init(ctx, a.Encoder.Fingerprint(), string(a.schemaRaw)); err != nil {
		return fmt.Errorf("store %s: %w", mongo.Redacted(o.Store), err)
	}
	// Vectors go to the store only while the encoder that made them is the
	// store generation's: see mongo.Sink.
	a.Applier.SetSink(mongo.Sink{Store: a.Store, Fingerprint: func() string { return a.Applier.Encoder().Fingerprint() }})
	a.Follower = &mongo.Follower{Applier: a.Applier, Store: a.Store, Poll: o.FollowPoll,
		Checkpoint: filepath.Join(a.DataDir, followerCheckpoint), OnSchemaChange: a.followStoreSchema}
	if a.Collection.Len() == 0 {
		if _, err := a.Follower.Rebuild(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Ready reports whether the instance can serve: the index is open, its
// write-ahead log takes writes and, in store mode, the store answers.
func (a *DB) Ready(ctx context.Context) error {
	if err := a.Applier.Collection().WriteErr(); err != nil {
		return err
	}
	if a.Store != nil {
		if _, err := a.Store.Count(ctx); err != nil {
			return fmt.Errorf("store unreachable: %w", err)
		}
	}
	return nil
}

// NewEmbedder builds a text embedder by kind: "builtin" (default) or
// "openai", configured by cfg (the config package builds it from the
// openai.* settings). The remote one is guarded by a *breaker.Breaker
// (timeout, retries, circuit breaker), so a dead endpoint fails fast and
// reports Degraded.
func NewEmbedder(kind string, cfg openai.Config) (spaces.Embedder, error) {
	switch kind {
	case "", "builtin":
		return wordvec.Default()
	case "openai":
		emb, err := openai.New(cfg)
		if err != nil {
			return nil, err
		}
		// The client already retries rate limits honouring Retry-After;
		// the breaker bounds the whole call and stops calling a dead
		// endpoint. Client errors (4xx) are permanent: not retried, and
		// they say nothing about the endpoint's health.
		return breaker.Wrap(emb, breaker.Options{Timeout: 30 * time.Second, Retries: 1,
			Retryable: func(err error) bool {
				var se *openai.StatusError
				if errors.As(err, &se) {
					return se.Retryable()
				}
				return !errors.Is(err, context.Canceled)
			}}), nil
	}
	return nil, fmt.Errorf("unknown embedder %q (want builtin or openai)", kind)
}

// LoadDemo ingests the built-in catalogue into an empty collection that
// uses the demo schema.
func (a *DB) LoadDemo(ctx context.Context) error {
	if !a.Demo || a.Collection.Len() > 0 {
		return nil
	}
	start := time.Now()
	r, err := read.New(bytes.NewReader(datasets.DemoCatalogue()), "demo-products.csv", read.Options{Format: "csv"})
	if err != nil {
		return fmt.Errorf("demo catalogue: %w", err)
	}
	defer r.Close()
	sum, err := a.Applier.Ingest(ctx, r, "demo-products.csv", ingest.BulkOptions{})
	if err != nil {
		return fmt.Errorf("demo catalogue: %w", err)
	}
	if sum.Rejected > 0 {
		return fmt.Errorf("demo catalogue: %d rows rejected: %v", sum.Rejected, sum.Problems[0])
	}
	slog.Info("loaded the built-in demo catalogue", "rows", sum.Ingested, "took", time.Since(start).Round(time.Millisecond).String())
	return a.Collection.Snapshot()
}

// Close closes the collection's WAL and the store connection, and then
// releases the data directory's lock.
func (a *DB) Close() error {
	a.background.Wait() // a schema change in flight finishes or rolls back first
	a.applying.Lock()
	defer a.applying.Unlock()
	err := a.Applier.Collection().Close()
	if a.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, a.Store.Close(ctx))
	}
	return errors.Join(err, a.lock.release())
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
