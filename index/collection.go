package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/index/lexical"
)

// Options configure a Collection.
type Options struct {
	// NoSync skips the fsync after each WAL append. Only for benchmarks and
	// tests that do not test durability: acknowledged writes may be lost.
	NoSync bool
	// SnapshotEvery takes a snapshot (and empties the WAL) after this many
	// logged records; 0 means 50,000, negative disables automatic snapshots.
	SnapshotEvery int
	// Logger receives recovery and snapshot messages; nil means slog.Default.
	Logger *slog.Logger
	// OnSync and OnSnapshot, when set, observe each WAL fsync and each
	// snapshot (metrics).
	OnSync     func(time.Duration)
	OnSnapshot func(time.Duration)
	// Graph configures the HNSW index (M, EfConstruction, EfSearch); zero
	// values take hnsw.DefaultConfig's.
	Graph hnsw.Config
	// FilterFields are the fields searches filter on: the collection keeps
	// typed columns of them (see Columns).
	FilterFields []string
	// TextFields are indexed lexically, each as its own field;
	// LabelFields (category values) are joined into one, LabelsField.
	// Neither set: no lexical index.
	TextFields  []string
	LabelFields []string
	// TruncateWAL, with TruncateWALAt, is the recovery from a corrupt WAL
	// that Open refused (tessera serve --wal-truncate-at): the log is
	// copied aside whole, then cut at that frame boundary, dropping the
	// frames from it on.
	TruncateWAL   bool
	TruncateWALAt int64
	// FaultHook, when set, runs before each WAL write and fsync with op
	// "write" or "sync"; an error it returns is taken as the file system's.
	// Tests inject a full disk (ENOSPC) through it.
	FaultHook func(op string) error
	// CopyDims are the dims in which copies of one item agree: the text
	// spaces, where an order book's lines of one product, or one product
	// listed per seller, hold the same vector. Rows equal bit for bit there
	// form a group, and a search scores every member of the groups its walk
	// reaches that can still enter its top k (see copyGroups). None: no
	// grouping.
	CopyDims []Span
}

// SearchOptions tune one search.
type SearchOptions struct {
	// Select filters: it is given the collection's slot-indexed field
	// columns and sets in sel the bits of the slots that pass (sel is
	// sized for every slot), so a filter is evaluated column by column
	// and a search that scans visits only the passing rows.
	Select func(cols Columns, sel *bitset.BitSet)
	// Exclude drops one id from the results (more like this).
	Exclude string
	// Ef is the graph search breadth; 0 uses the index default, widened
	// for non-uniform Weights.
	Ef int
	// Weights, when set, are the query's per-segment weights: the further
	// from uniform, the wider the graph search, so reweighted queries keep
	// their recall on a graph built for unit weights.
	Weights []float64
	// Exact scores every row the search may return at full precision: the
	// reference that recall is measured against (tessera-bench scale).
	Exact bool
}

type tombstone struct {
	Version int64
	TS      time.Time
}

// Collection holds documents and vectors by id, durably. Any number of
// goroutines may search while writers apply batches; writers are
// serialised.
type Collection struct {
	dir  string
	dim  int
	opts Options
	log  *slog.Logger

	writeMu sync.Mutex // serialises Apply and Snapshot
	// afterDocs, a test hook, runs in Apply between the documents' change
	// and the graph's, where the builder may run.
	afterDocs func()
	mu        sync.RWMutex
	ids       []string
	alive     *bitset.BitSet // slots holding a document (ids[s] != "")
	slots     map[string]uint32
	docs      []map[string]any
	vers      []int64
	times     []time.Time
	tombs     map[string]tombstone
	free      []uint32
	graph     *hnsw.Graph
	meta      map[string][]byte
	cols      map[string]*column // field values by slot, for filters
	// filterFields get typed columns (Options.FilterFields).
	filterFields map[string]bool
	lex          *lexical.Index // nil without TextFields or LabelFields
	copies       *copyGroups    // nil without Options.CopyDims
	updated      time.Time

	wal           *wal
	sinceSnapshot int
	// walGen is the newest closed WAL generation (under writeMu).
	walGen uint64
	// snapMu is held through each snapshot, from its capture to the
	// removal of the WAL generations it holds: one at a time.
	snapMu sync.Mutex
	// snapRun is the snapshot being written, if any (under mu).
	snapRun *snapRun

	// health is the state of WAL writes: while they fail (a full disk),
	// WriteErr reports it and probes for recovery.
	health struct {
		sync.Mutex
		err       error // the last failed write's classified error; nil when healthy
		since     time.Time
		lastProbe time.Time
	}

	// pending holds the slots whose current vector the graph does not have
	// yet. Apply only records vectors here; a background builder inserts
	// them into the graph, and searches scan them exactly meanwhile, so a
	// write is searchable as soon as it is durable and graph construction
	// never holds up ingestion.
	pending   map[uint32][]float32
	buildWake chan struct{}
	lastApply atomic.Int64 // unix nanos of the last Apply, for the builder
	// refreshing counts running Refresh calls; the builder waits for them.
	refreshing atomic.Int32
	// buildRoundMu is held through each round of the builder, through
	// writing the graph to disk and through each chunk of a Refresh
	// (taken before writeMu there). The write holds the graph's read lock for
	// the whole write; a round starting meanwhile asked for its write lock
	// (to grow it or write new vectors) and, waiting, held off every new
	// search until the write ended. With writeSnapshot's lock-free writes,
	// this removed a cluster of tessera-bench stream's slowest searches
	// (5 to 22 ms, against 2 to 3 ms idle) that fell within the snapshot
	// (250 ms at 20,000 rows) taken while it consumed.
	buildRoundMu sync.Mutex
	// snapshotWriting, a test hook, runs while a snapshot writes to disk:
	// "graph" from inside the graph's write, "records" after each chunk's
	// first record.
	snapshotWriting func(stage string)
	searches        searchFirst // searches in flight, which the builder lets go first
	waits           searchWaits // what searches waited for (SearchWaits)
	buildStop       chan struct{}
	buildDone       chan struct{}

	// betweenPieces, a test hook, runs in Apply between two pieces of a
	// batch, with the collection lock released (applyPiece).
	betweenPieces func()

	loadStats LoadStats
}

// LoadStats is where Open spent its time, for start-up benchmarks and the
// "collection loaded" log line.
type LoadStats struct {
	Check   time.Duration // the snapshot's checksum pass
	Records time.Duration // decoding the snapshot's documents
	Graph   time.Duration // reading the saved graph
	Place   time.Duration // checking the graph's vectors, restoring slots and filter columns
	Lexical time.Duration // rebuilding the lexical index
	WAL     time.Duration // replaying the write-ahead log
	Total   time.Duration
}

// LoadStats reports where Open spent its time.
func (c *Collection) LoadStats() LoadStats { return c.loadStats }

// Open loads the collection in dir (creating it when empty): the last
// snapshot, then every intact WAL batch on top of it.
func Open(dir string, dim int, opts Options) (*Collection, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("index: dimension must be positive, got %d", dim)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = 50_000
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	c := &Collection{dir: dir, dim: dim, opts: opts, log: log, slots: map[string]uint32{},
		tombs: map[string]tombstone{}, graph: hnsw.New(dim, opts.Graph), meta: map[string][]byte{}, cols: map[string]*column{}, alive: bitset.New(0), filterFields: map[string]bool{},
		pending: map[uint32][]float32{}, buildWake: make(chan struct{}, 1), buildStop: make(chan struct{}), buildDone: make(chan struct{})}
	for _, f := range opts.FilterFields {
		c.filterFields[f] = true
	}
	if len(opts.TextFields)+len(opts.LabelFields) > 0 {
		c.lex = newLexical(opts)
	}
	c.copies = newCopyGroups(dim, opts.CopyDims)
	start := time.Now()
	if err := c.loadSnapshot(); err != nil {
		return nil, err
	}
	walStart := time.Now()
	truncateAt := int64(-1)
	if opts.TruncateWAL {
		truncateAt = opts.TruncateWALAt
	}
	n, truncated, err := c.replayWALGens(truncateAt)
	if err != nil {
		return nil, err
	}
	if truncated {
		truncateAt = -1
	}
	w, err := openWAL(filepath.Join(dir, "wal.log"), opts, log)
	if err != nil {
		return nil, err
	}
	c.wal = w
	m, err := w.replay(truncateAt, c.replayBatch)
	n += m
	if err != nil {
		w.close()
		return nil, err
	}
	c.loadStats.WAL = time.Since(walStart)
	c.loadStats.Total = time.Since(start)
	go c.buildLoop()
	c.wakeBuilder()
	if c.Len() > 0 || n > 0 {
		ls := c.loadStats
		log.Info("collection loaded", "dir", dir, "documents", c.Len(), "wal_batches", n, "took", ls.Total.Round(time.Millisecond).String(),
			"snapshot_check", ls.Check.Round(time.Millisecond).String(), "snapshot_records", ls.Records.Round(time.Millisecond).String(),
			"graph", ls.Graph.Round(time.Millisecond).String(), "place", ls.Place.Round(time.Millisecond).String(),
			"lexical", ls.Lexical.Round(time.Millisecond).String(), "wal_replay", ls.WAL.Round(time.Millisecond).String(), "pending", c.Pending(), "copy_groups", c.CopyGroups())
	}
	return c, nil
}

// Dim is the vector length.
func (c *Collection) Dim() int { return c.dim }

// Len is the number of live documents.
func (c *Collection) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.slots)
}

// LastUpdate is when a batch was last applied (zero if never).
func (c *Collection) LastUpdate() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.updated
}

// Meta returns a metadata value saved with Apply.
func (c *Collection) Meta(key string) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.meta[key]
}

// MetaAll returns a copy of every metadata entry, so a schema change can
// carry them (stream positions, vocabularies) into its new collection.
func (c *Collection) MetaAll() map[string][]byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string][]byte, len(c.meta))
	for k, v := range c.meta {
		out[k] = v
	}
	return out
}

// Get returns the live document with id. The returned fields and vector are
// shared: do not modify them.
func (c *Collection) Get(id string) (Record, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.slots[id]
	if !ok {
		return Record{}, false
	}
	// A copy: an upsert replaces the graph's vector in place.
	vec := append([]float32(nil), c.vectorLocked(s)...)
	return Record{ID: id, Fields: c.docs[s], Vector: vec, Version: c.vers[s], TS: c.times[s]}, true
}

// Version returns the version applied for id, live or deleted, and whether
// the id was ever seen.
func (c *Collection) Version(id string) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s, ok := c.slots[id]; ok {
		return c.vers[s], true
	}
	t, ok := c.tombs[id]
	return t.Version, ok
}

// stale reports whether r is older than, or a duplicate of, what is applied.
func (c *Collection) stale(r Record) bool {
	var prev int64
	var prevTS time.Time
	if s, ok := c.slots[r.ID]; ok {
		prev, prevTS = c.vers[s], c.times[s]
	} else if t, ok := c.tombs[r.ID]; ok {
		prev, prevTS = t.Version, t.TS
	} else {
		return false
	}
	if r.Version > 0 && prev > 0 {
		return r.Version <= prev
	}
	if r.Version == 0 && !r.TS.IsZero() && !prevTS.IsZero() {
		return r.TS.Before(prevTS)
	}
	return false
}

// unchangedLocked reports whether r would store exactly what is stored:
// the same fields and vector, and no newer version or other event time.
// c.mu must be held.
func (c *Collection) unchangedLocked(r Record) bool {
	s, ok := c.slots[r.ID]
	if !ok || r.Deleted {
		return false
	}
	if (r.Version != 0 && r.Version != c.vers[s]) || (!r.TS.IsZero() && !r.TS.Equal(c.times[s])) {
		return false
	}
	return slices.Equal(c.vectorLocked(s), r.Vector) && equalFields(c.docs[s], r.Fields)
}

// VectorIfUnchanged returns a copy of the stored vector of id when the
// stored document has exactly fields (and version, unless it is 0): a
// writer can skip encoding a row that would change nothing, and Apply then
// reports it Unchanged without logging it.
func (c *Collection) VectorIfUnchanged(id string, fields map[string]any, version int64) ([]float32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.slots[id]
	if !ok || (version != 0 && version != c.vers[s]) || !equalFields(c.docs[s], fields) {
		return nil, false
	}
	return append([]float32(nil), c.vectorLocked(s)...), true
}

// equalFields compares documents as stored: a nil value and a missing key
// are the same, and times compare as instants (a WAL or snapshot round
// trip may change a time's location pointer, not its meaning).
func equalFields(a, b map[string]any) bool {
	for k, v := range a {
		if !equalValue(v, b[k]) {
			return false
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok && v != nil {
			return false
		}
	}
	return true
}

func equalValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// Apply makes a batch durable, then visible (in pieces of applyPiece
// records, meta with the last). Stale records (an equal or
// newer version already applied) are skipped and reported as Stale, and
// records that would store exactly what is stored as Unchanged: neither
// is logged. meta is saved with the batch and survives restarts. When
// Apply returns nil, every other record is in the fsynced WAL.
func (c *Collection) Apply(ctx context.Context, recs []Record, meta map[string][]byte) ([]Outcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.ID == "" {
			return nil, errors.New("index: record with an empty id")
		}
		if !r.Deleted && len(r.Vector) != c.dim {
			return nil, fmt.Errorf("index: record %q has %d dims, collection has %d", r.ID, len(r.Vector), c.dim)
		}
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	out := make([]Outcome, len(recs))
	keep := make([]Record, 0, len(recs))
	c.mu.RLock()
	// Within a batch a later record for the same id wins over an earlier
	// one; track versions seen in this batch as well.
	batchVer := map[string]Record{}
	for i, r := range recs {
		prev, inBatch := batchVer[r.ID]
		if (inBatch && olderOrSame(r, prev)) || (!inBatch && c.stale(r)) {
			out[i] = Stale
			continue
		}
		if !inBatch && c.unchangedLocked(r) {
			// Writing it would cost a WAL frame and a graph insert for
			// nothing: re-ingesting an unchanged file must be free.
			out[i] = Unchanged
			continue
		}
		batchVer[r.ID] = r
		keep = append(keep, r)
	}
	c.mu.RUnlock()
	if len(keep) == 0 && len(meta) == 0 {
		return out, nil
	}
	packBuf := walBuffers.Get().(*bytes.Buffer)
	defer walBuffers.Put(packBuf)
	packed, err := packRecords(packBuf, keep)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	batch := walBatch{Meta: make(map[string][]byte, len(meta)+1)}
	for k, v := range meta {
		batch.Meta[k] = v
	}
	batch.Meta[walRecordsKey] = packed
	// The lexical analysis of changed texts runs on every core while the
	// WAL is written and synced; only its cheap second half runs under
	// the collection lock.
	analyzed := c.analyzeLexical(recs, out)
	if err := c.wal.append(batch); err != nil {
		analyzed.wait()
		c.setWriteErr(err)
		return nil, err
	}
	c.setWriteErr(nil)
	analyzed.wait()
	// Documents change under the collection lock; the graph, which has its
	// own, changes after it is released, so searches are not blocked for
	// the length of a batch of graph inserts.
	ops := make([]graphOp, 0, len(keep))
	c.lockForWrite()
	for i, r := range recs {
		if out[i] != Stale && out[i] != Unchanged {
			if len(ops) > 0 && len(ops)%applyPiece == 0 {
				c.yieldWrite() // applyPiece rows per hold (writelock.go)
			}
			var op graphOp
			out[i], op = c.applyDocLocked(r, analyzed.of(i))
			ops = append(ops, op)
		}
	}
	for k, v := range meta {
		c.meta[k] = v
	}
	c.updated = time.Now()
	c.unlockWrite()
	if c.afterDocs != nil {
		c.afterDocs()
	}
	var freed []uint32
	for _, op := range ops {
		op.run(c.graph)
		if op.delete {
			freed = append(freed, op.slot)
		}
	}
	if len(freed) > 0 {
		c.lockForWrite()
		c.free = append(c.free, freed...)
		c.unlockWrite()
	}
	c.lastApply.Store(time.Now().UnixNano())
	c.wakeBuilder()
	c.sinceSnapshot += len(keep)
	if c.opts.SnapshotEvery > 0 && c.sinceSnapshot >= c.opts.SnapshotEvery {
		c.snapshotInBackground()
	}
	return out, nil
}

func olderOrSame(r, prev Record) bool {
	if r.Version > 0 && prev.Version > 0 {
		return r.Version <= prev.Version
	}
	return false
}

// graphOp is the graph side of one applied record that cannot wait for
// the builder: removing a deleted document's vector.
type graphOp struct {
	slot   uint32
	delete bool
}

func (op graphOp) run(g *hnsw.Graph) {
	if op.delete {
		g.Delete(op.slot)
	}
}

// applyLocked applies one record to memory, graph included; c.mu must be
// held for writing.
func (c *Collection) applyLocked(r Record) Outcome {
	out, op := c.applyDocLocked(r, nil)
	op.run(c.graph)
	if op.delete {
		c.free = append(c.free, op.slot)
	}
	return out
}

// applyDocLocked applies a record's document side and returns the graph
// change still to make; c.mu must be held for writing.
func (c *Collection) applyDocLocked(r Record, lex *lexical.Analyzed) (Outcome, graphOp) {
	s, exists := c.slots[r.ID]
	if exists {
		c.keepForSnapshotLocked(s)
	}
	if r.Deleted {
		t := tombstone{Version: r.Version, TS: r.TS}
		if exists {
			if t.Version < c.vers[s] {
				t.Version = c.vers[s]
			}
			c.setColumnsLocked(s, c.docs[s], nil)
			c.setLexicalLocked(s, c.docs[s], nil, nil)
			c.docs[s], c.ids[s] = nil, ""
			c.alive.Clear(uint(s))
			delete(c.slots, r.ID)
			delete(c.pending, s)
			if c.copies != nil {
				c.copies.remove(s)
			}
			// The slot is freed by the caller once the graph has dropped
			// it (graphOp.run): reused before that, in the same batch,
			// the builder could insert the new row's vector and the
			// late delete then remove it from the graph.
			c.tombs[r.ID] = t
			return Deleted, graphOp{slot: s, delete: true}
		}
		c.tombs[r.ID] = t
		return Deleted, graphOp{}
	}
	ver := r.Version
	if exists && c.vers[s] > ver {
		ver = c.vers[s] // an unversioned write keeps the known version
	} else if t, ok := c.tombs[r.ID]; ok && t.Version > ver {
		ver = t.Version
	}
	out := Updated
	if !exists {
		out = Inserted
		if n := len(c.free); n > 0 {
			s = c.free[n-1]
			c.free = c.free[:n-1]
		} else {
			s = uint32(len(c.ids))
			c.ids = append(c.ids, "")
			c.docs = append(c.docs, nil)
			c.vers = append(c.vers, 0)
			c.times = append(c.times, time.Time{})
		}
		c.slots[r.ID] = s
		c.ids[s] = r.ID
		c.alive.Set(uint(s))
		delete(c.tombs, r.ID)
	}
	c.setColumnsLocked(s, c.docs[s], r.Fields)
	c.setLexicalLocked(s, c.docs[s], r.Fields, lex)
	c.docs[s], c.vers[s], c.times[s] = r.Fields, ver, r.TS
	c.pending[s] = r.Vector
	if c.copies != nil {
		c.copyLocked(s, c.copies.key(r.Vector))
	}
	return out, graphOp{}
}

// vectorLocked is a slot's current vector; c.mu must be held.
func (c *Collection) vectorLocked(s uint32) []float32 {
	if v, ok := c.pending[s]; ok {
		return v
	}
	return c.graph.Vector(s)
}

// Search returns the k documents whose vectors have the largest inner
// product with q, best first.
func (c *Collection) Search(ctx context.Context, q []float32, k int, opt SearchOptions) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(q) != c.dim {
		return nil, fmt.Errorf("index: query has %d dims, collection has %d", len(q), c.dim)
	}
	if k <= 0 {
		return nil, nil
	}
	c.searches.begin()
	defer c.searches.end()
	c.rlockSearch()
	defer c.mu.RUnlock()
	res := c.searchLocked(q, k, opt, c.planLocked(opt))
	hits := make([]Hit, len(res))
	// Vectors are copied: an upsert replaces the graph's vector in place.
	flat := make([]float32, len(res)*c.dim)
	for i, r := range res {
		v := flat[i*c.dim : (i+1)*c.dim : (i+1)*c.dim]
		copy(v, c.vectorLocked(r.ID))
		hits[i] = Hit{ID: c.ids[r.ID], Score: r.Score, Fields: c.docs[r.ID], Vector: v}
	}
	return hits, nil
}

// searchLocked runs the dense search under plan; c.mu must be held.
//
// It plans the search from the query's weights: the graph is built on
// unit-weight vectors, so the further a weighting is from uniform (or the
// more it inverts a space) the wider the walk must be (hnsw.EfForWeights).
// When the rows the query can return are few enough that scanning them
// costs no more than that walk, they are scanned instead, which is exact.
func (c *Collection) searchLocked(q []float32, k int, opt SearchOptions, plan filterPlan) []hnsw.Result {
	ef := opt.Ef
	if ef <= 0 {
		// The schema's ef_search, not the one saved with a reloaded graph.
		ef = c.opts.Graph.EfSearch
	}
	if ef <= 0 {
		ef = c.graph.Config().EfSearch
	}
	configured := ef
	if opt.Ef <= 0 {
		ef = efForRows(ef, len(c.slots))
	}
	if len(opt.Weights) > 1 {
		// The two widenings share EfForWeights' cap of 16× the configured
		// ef: uncapped, a reweighted query at 100k rows walked at ef 2,048
		// and the index p99 of tessera-bench query went 2.3 → 10 ms (the
		// weights+similar kind's fastest time 0.48 → 1.29 ms; capped 0.90
		// ms in a busier run, p99 7.0 ms). The 40k order book keeps ≥ 0.99
		// in every class capped.
		ef = min(hnsw.EfForWeights(ef, opt.Weights), max(ef, 16*configured))
	}
	if opt.Exact {
		return c.exactLocked(q, k, plan)
	}
	rows := plan.passing
	if rows < 0 {
		rows = len(c.slots)
	}
	exact := rows <= max(scanRowsAlways, scanRowsPerEf*max(ef, k))
	// A walk over copies of items keeps its whole candidate list: the
	// groups it reached are scored member by member.
	walkK := k
	copies := c.copies != nil && len(c.copies.multi) > 0
	grouped := copies && !exact
	if grouped {
		walkK = max(k, ef)
	}
	// The groups' members are live rows: they need testing only against
	// a filter (a bitset when there is one) or for being pending.
	members := memberTest{allow: plan.allow}
	if plan.allow == nil && !plan.live {
		members.pass = plan.pass
	}
	graphPass, passing := plan.graph, plan.passing
	if len(c.pending) > 0 {
		members = memberTest{pass: func(s uint32) bool { _, p := c.pending[s]; return !p && plan.pass(s) }}
		// The graph's copy of a pending slot is missing or stale: take
		// pending slots from an exact scan instead, and merge.
		graphPass = func(s uint32) bool { _, p := c.pending[s]; return !p && (plan.graph == nil || plan.graph(s)) }
		if passing >= 0 {
			passing = max(passing-len(c.pending), 0)
		}
	}
	withPending := func(res []hnsw.Result) []hnsw.Result {
		if len(c.pending) == 0 {
			return res
		}
		return mergeTop(res, c.scanPending(q, k, plan.pass), k)
	}
	if copies && (!exact || rows > scanRowsAlways) && c.copiesCoverLocked(ef) {
		// Every row is a copy in a group the search bounds: the groups
		// answer exactly without a walk or a scan, unless a cap cut them
		// short. Cheaper than a scan of more than scanRowsAlways rows,
		// and exact where the scan's int8 codes cannot tell copies apart
		// (demo ×324, a filter passing 25 %: index p50 3.9 → 0.3 ms,
		// recall 0.995 → 1.000). A filter passing fewer rows is scanned:
		// the groups' bounds do not see the filter.
		if res, complete := c.expandCopiesLocked(q, k, ef, nil, members); complete {
			return withPending(res)
		}
	}
	res := c.graph.Search(q, walkK, hnsw.SearchOptions{Ef: ef, Filter: graphPass, Allow: plan.allow, FilterCount: passing, Exact: exact})
	if grouped {
		res, _ = c.expandCopiesLocked(q, k, ef, res, members)
	}
	return withPending(res)
}

// exactLocked scores every row plan passes in float, pending rows
// included; c.mu must be held.
func (c *Collection) exactLocked(q []float32, k int, plan filterPlan) []hnsw.Result {
	inGraph := func(s uint32) bool { _, p := c.pending[s]; return !p && plan.pass(s) }
	return mergeTop(c.graph.SearchExact(q, k, inGraph), c.scanPending(q, k, plan.pass), k)
}

// CountPassing is how many live rows opt's filter (and exclusion) passes.
func (c *Collection) CountPassing(opt SearchOptions) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.planLocked(opt).passing
}

// Each calls fn for every live document until fn returns false. It holds a
// read lock: fn must not call Apply.
func (c *Collection) Each(fn func(Record) bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for id, s := range c.slots {
		if !fn(Record{ID: id, Fields: c.docs[s], Vector: c.vectorLocked(s), Version: c.vers[s], TS: c.times[s]}) {
			return
		}
	}
}

// Reserve makes room in the graph for more rows beyond those the
// collection holds (less the free slots they will reuse), so that a bulk
// load whose size is known grows the graph's storage once. Growing by a
// quarter at a time copies every vector about four times over a load: 5 %
// of the CPU of ingesting 100,000 rows of the demo schema (476 dims), with
// searches held off during each copy.
func (c *Collection) Reserve(more int) {
	if more <= 0 {
		return
	}
	c.mu.RLock()
	n := len(c.ids) + more - len(c.free)
	c.mu.RUnlock()
	c.graph.Reserve(n)
}

// Capacity is how many rows the graph holds without growing its storage.
func (c *Collection) Capacity() int { return c.graph.Capacity() }

// MemoryBytes estimates the index's memory (vectors and graph links).
func (c *Collection) MemoryBytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.graph.MemoryBytes() + int64(len(c.pending)*c.dim*4)
}

// Close snapshots nothing; it closes the WAL. Call Snapshot first for a
// fast next start.
func (c *Collection) Close() error {
	c.snapMu.Lock() // a background snapshot finishes first
	defer c.snapMu.Unlock()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	select {
	case <-c.buildStop:
	default:
		close(c.buildStop)
	}
	<-c.buildDone
	return c.wal.close()
}

// setWriteErr records the outcome of a WAL write.
func (c *Collection) setWriteErr(err error) {
	if err != nil && !errors.Is(err, ErrStorage) && !errors.Is(err, ErrStorageFull) {
		return // not the storage's fault (an oversized batch)
	}
	c.health.Lock()
	defer c.health.Unlock()
	switch {
	case err == nil && c.health.err != nil:
		c.log.Info("writes succeed again", "failing_for", time.Since(c.health.since).Round(time.Millisecond).String())
		c.health.err = nil
	case err != nil && c.health.err == nil:
		c.log.Error("writes are failing: nothing is acknowledged until the write-ahead log can be written", "err", err)
		c.health.since = time.Now()
		c.health.err = err
	case err != nil:
		c.health.err = err
	}
}

// probeEvery bounds how often WriteErr tests a failing disk.
const probeEvery = 2 * time.Second

// WriteErr reports whether writes are failing: nil when the last WAL write
// succeeded, else an error wrapping ErrStorageFull or ErrStorage. Its
// message names no path. While writes fail it probes the disk (a small
// file written, fsynced and removed, at most every two seconds), so the
// state clears by itself once space returns, even with no writes coming.
func (c *Collection) WriteErr() error {
	c.health.Lock()
	defer c.health.Unlock()
	if c.health.err == nil {
		return nil
	}
	if time.Since(c.health.lastProbe) >= probeEvery {
		c.health.lastProbe = time.Now()
		if err := c.wal.probe(); err == nil {
			c.log.Info("storage writable again", "failing_for", time.Since(c.health.since).Round(time.Millisecond).String())
			c.health.err = nil
			return nil
		}
	}
	kind := ErrStorage
	if errors.Is(c.health.err, ErrStorageFull) {
		kind = ErrStorageFull
	}
	return fmt.Errorf("%w: write-ahead log writes failing since %s", kind, c.health.since.UTC().Format(time.RFC3339))
}
