package index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/index/lexical"
	"github.com/tessera-search/tessera/internal/atomicfile"
)

const (
	snapshotFile  = "snapshot.bin"
	graphFile     = "graph.bin"
	snapshotMagic = "TSNAP004"
	// snapshotMagicV3 is the gob-encoded format before 4; it still loads.
	snapshotMagicV3 = "TSNAP003"
)

// snapRecord is a record with the graph slot it occupies, so a saved graph
// can be reused as is.
type snapRecord struct {
	Rec  wireRecord
	Slot uint32
}

// slotRecord is a loaded snapRecord.
type slotRecord struct {
	Record
	Slot uint32
}

type snapshotHeader struct {
	Dim     int
	Count   int
	Meta    map[string][]byte
	Tombs   map[string]tombstone
	Updated time.Time
	// WALGen is the last closed WAL generation (walGenFile) the snapshot
	// holds; older snapshots have 0 and no generations.
	WALGen uint64
}

// snapCapture is a collection as it was when a snapshot began: the
// documents' slices and header copied, the lexical index frozen, and
// run, which keeps the vectors of slots changed since.
type snapCapture struct {
	header snapshotHeader
	ids    []string
	docs   []map[string]any
	vers   []int64
	times  []time.Time
	lex    *lexical.Frozen // nil without a lexical index
	run    *snapRun
	start  time.Time
	held   time.Duration // how long the capture held the writers
}

// snapRun is a snapshot being written. While it runs, Apply keeps the
// vector a slot had when the snapshot began before changing or freeing
// it (applyDocLocked), unless the snapshot has already written it.
type snapRun struct {
	slots   int                  // slots when it began
	written atomic.Int64         // slots below this are written
	pre     map[uint32][]float32 // vectors kept for the snapshot; under c.mu
}

// keepForSnapshotLocked keeps slot s's vector for a running snapshot
// that has yet to write it; c.mu must be held for writing.
func (c *Collection) keepForSnapshotLocked(s uint32) {
	run := c.snapRun
	if run == nil || int(s) >= run.slots || int64(s) < run.written.Load() {
		return
	}
	if _, ok := run.pre[s]; ok {
		return
	}
	if v := c.vectorLocked(s); v != nil {
		run.pre[s] = slices.Clone(v) // the graph's copy changes in place
	}
}

// walGenFile names closed WAL generation gen.
func walGenFile(gen uint64) string { return fmt.Sprintf("wal-%08d.log", gen) }

// walGens lists the closed WAL generations in dir, oldest first.
func walGens(dir string) ([]uint64, error) {
	names, err := filepath.Glob(filepath.Join(dir, "wal-*.log"))
	if err != nil {
		return nil, err
	}
	var gens []uint64
	for _, n := range names {
		var g uint64
		if _, err := fmt.Sscanf(filepath.Base(n), "wal-%d.log", &g); err == nil && walGenFile(g) == filepath.Base(n) {
			gens = append(gens, g)
		}
	}
	slices.Sort(gens)
	return gens, nil
}

// Snapshot writes every document to a new snapshot file and then removes
// the WAL generations it holds. The file is replaced atomically, so a
// crash at any point leaves either the old snapshot plus the WAL or the
// new one. It waits for a background snapshot in progress, then takes
// its own; writers are held only while it begins (beginSnapshotLocked).
func (c *Collection) Snapshot() error {
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	c.writeMu.Lock()
	cp, err := c.beginSnapshotLocked()
	c.writeMu.Unlock()
	if err != nil {
		return err
	}
	return c.finishSnapshot(cp)
}

// snapshotInBackground starts an automatic snapshot unless one is
// running; c.writeMu must be held. Writers go on while it is written:
// a snapshot held them for 0.4–1.3 s at 50,000–100,000 rows (seconds at
// 1M), which cost bulk ingestion about 15 % of its rate (tessera-bench
// ingest, five rounds alternating with a build without snapshots) and
// stream events their freshness.
func (c *Collection) snapshotInBackground() {
	if !c.snapMu.TryLock() {
		return // the running one ends first; the next batch tries again
	}
	cp, err := c.beginSnapshotLocked()
	if err != nil {
		c.snapMu.Unlock()
		c.log.Error("automatic snapshot failed", "err", err)
		return
	}
	go func() {
		defer c.snapMu.Unlock() // Close waits for it
		if err := c.finishSnapshot(cp); err != nil {
			// The WAL generations still hold everything: log and carry on.
			c.log.Error("automatic snapshot failed", "err", err)
		}
	}()
}

// beginSnapshotLocked starts a snapshot: the WAL moves on to a new
// generation and the state it describes is captured. c.writeMu and
// c.snapMu must be held. Everything it copies changes only under
// writeMu (Apply, Refresh, Release), except the vectors, which the
// snapshot reads as it writes (snapRun keeps the old ones of slots
// changed before it got to them).
func (c *Collection) beginSnapshotLocked() (*snapCapture, error) {
	start := time.Now()
	gen := c.walGen + 1
	moved, err := c.wal.rotate(filepath.Join(c.dir, walGenFile(gen)))
	if moved {
		c.walGen = gen // the name is taken, whatever else failed
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	cp := &snapCapture{
		header: snapshotHeader{Dim: c.dim, Count: len(c.slots), Meta: maps.Clone(c.meta), Tombs: maps.Clone(c.tombs), Updated: c.updated, WALGen: gen},
		ids:    slices.Clone(c.ids), docs: slices.Clone(c.docs), vers: slices.Clone(c.vers), times: slices.Clone(c.times),
		run: &snapRun{slots: len(c.ids), pre: map[uint32][]float32{}}, start: start,
	}
	if c.lex != nil {
		cp.lex = c.lex.Freeze()
	}
	c.mu.Lock()
	c.snapRun = cp.run
	c.mu.Unlock()
	c.sinceSnapshot = 0
	cp.held = time.Since(start)
	return cp, nil
}

// finishSnapshot writes the captured snapshot, then removes the WAL
// generations it holds. No writer lock is held: the graph's write holds
// the builder's rounds (buildRoundMu), and each chunk of vectors is
// copied under the collection's read lock.
func (c *Collection) finishSnapshot(cp *snapCapture) error {
	// The graph goes first: a snapshot is only ever paired with the graph
	// saved with it or found inconsistent on load (and rebuilt). Saved
	// after the capture, it may hold later vectors: loading checks each
	// one against the snapshot's, and the WAL replays what changed.
	if err := c.writeGraph(); err != nil {
		c.log.Warn("graph not saved; it will be rebuilt on the next start", "err", err)
	}
	err := atomicfile.Write(filepath.Join(c.dir, snapshotFile), 0o644, func(w io.Writer) error {
		crc := crc32.New(castagnoli)
		if err := c.writeSnapshot(io.MultiWriter(w, crc), cp); err != nil {
			return err
		}
		var trailer [8]byte
		binary.LittleEndian.PutUint32(trailer[:4], crc.Sum32())
		copy(trailer[4:], "TEND")
		_, err := w.Write(trailer[:])
		return err
	})
	c.mu.Lock()
	c.snapRun = nil
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err := c.removeWALGens(cp.header.WALGen); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	took := time.Since(cp.start)
	if c.opts.OnSnapshot != nil {
		c.opts.OnSnapshot(took)
	}
	c.log.Info("snapshot written", "documents", cp.header.Count, "took", took.Round(time.Millisecond).String(),
		"writers_held", cp.held.Round(time.Microsecond).String())
	return nil
}

// removeWALGens deletes the closed WAL generations up to upTo, which a
// snapshot holds.
func (c *Collection) removeWALGens(upTo uint64) error {
	gens, err := walGens(c.dir)
	if err != nil {
		return err
	}
	for _, g := range gens {
		if g <= upTo {
			if err := os.Remove(filepath.Join(c.dir, walGenFile(g))); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("wal: %w", err)
			}
		}
	}
	return nil
}

// snapshotChunk is how many slots' vectors a snapshot copies per
// read-lock hold.
const snapshotChunk = 1024

// writeSnapshot writes format 4: the magic, a length-prefixed gob
// header, the documents (snapcodec.go), then the lexical index (a byte 1
// and the index, or 0 without one), all as captured in cp. The read
// lock is taken only to copy a chunk's vectors (the graph builder moves
// pending ones under the write lock), never across a write to disk: a
// write held up by the disk kept the builder's next write-lock request
// waiting, and every new search waited behind that request (a waiting
// writer blocks new readers). Seen as tessera-bench stream's slowest
// searches, 5 to 22 ms, all within one snapshot.
func (c *Collection) writeSnapshot(w io.Writer, cp *snapCapture) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(snapshotMagic)
	var hb bytes.Buffer
	if err := gob.NewEncoder(&hb).Encode(cp.header); err != nil {
		return err
	}
	sw := &snapWriter{w: bw}
	sw.uvarint(uint64(hb.Len()))
	bw.Write(hb.Bytes())
	vecs := make([]float32, snapshotChunk*c.dim)
	var inGraph []uint32
	slots := len(cp.ids)
	for start := 0; start < slots; start += snapshotChunk {
		end := min(slots, start+snapshotChunk)
		c.mu.RLock()
		inGraph = inGraph[:0]
		for s := start; s < end; s++ {
			if cp.ids[s] == "" {
				continue
			}
			if v, ok := cp.run.pre[uint32(s)]; ok {
				copy(vecs[(s-start)*c.dim:], v)
			} else if v, ok := c.pending[uint32(s)]; ok {
				copy(vecs[(s-start)*c.dim:], v)
			} else {
				inGraph = append(inGraph, uint32(s))
			}
		}
		c.graph.VisitVectors(inGraph, func(i int, gv []float32) {
			o := (int(inGraph[i]) - start) * c.dim
			clear(vecs[o : o+c.dim])
			copy(vecs[o:o+c.dim], gv)
		})
		cp.run.written.Store(int64(end))
		c.mu.RUnlock()
		for s := start; s < end; s++ {
			id := cp.ids[s]
			if id == "" {
				continue
			}
			v := vecs[(s-start)*c.dim : (s-start+1)*c.dim]
			if err := sw.record(uint32(s), id, cp.docs[s], v, cp.vers[s], cp.times[s]); err != nil {
				return fmt.Errorf("record %q: %w", id, err)
			}
			if c.snapshotWriting != nil && s == start {
				c.snapshotWriting("records")
			}
		}
	}
	if cp.lex == nil {
		bw.WriteByte(0)
	} else {
		bw.WriteByte(1)
		if err := cp.lex.WriteTo(bw); err != nil {
			return fmt.Errorf("lexical index: %w", err)
		}
	}
	return bw.Flush()
}

// ErrCorrupt marks a snapshot that failed its checks.
var ErrCorrupt = errors.New("corrupt")

func (c *Collection) loadSnapshot() error {
	path := filepath.Join(c.dir, snapshotFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	size := st.Size()
	if size < int64(len(snapshotMagic))+8 {
		return fmt.Errorf("snapshot %s: %w: truncated (%d bytes)", path, ErrCorrupt, size)
	}
	var trailer [8]byte
	if _, err := f.ReadAt(trailer[:], size-8); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	if string(trailer[4:]) != "TEND" {
		return fmt.Errorf("snapshot %s: %w: truncated (no end marker)", path, ErrCorrupt)
	}
	checkStart := time.Now()
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(f, 0, size-8)); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(trailer[:4]) {
		return fmt.Errorf("snapshot %s: %w: checksum mismatch", path, ErrCorrupt)
	}
	c.loadStats.Check = time.Since(checkStart)
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, size-8), 1<<20)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(r, magic); err != nil || (string(magic) != snapshotMagic && string(magic) != snapshotMagicV3) {
		return fmt.Errorf("snapshot %s: %w: not a Tessera snapshot (magic %q)", path, ErrCorrupt, magic)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var l loaded
	if string(magic) == snapshotMagicV3 {
		l, err = c.readRecordsV3(r)
		if err == nil {
			l.graph, l.graphErr = c.timedReadGraph()
		}
	} else {
		l, err = c.readRecords(r)
	}
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	h, recs, g, gerr, lexLoaded := l.header, l.recs, l.graph, l.graphErr, l.lexical
	phase := time.Now()
	stale := map[uint32]bool{}
	if gerr == nil {
		// The graph may have been saved before the builder caught up, or
		// after this snapshot by a save that a crash cut short before
		// the snapshot's (#17: kill between the two). Slots whose vector
		// it lacks or holds differently go back to pending (the WAL
		// replays what changed since); vectors it holds for slots the
		// snapshot does not are deleted from it below.
		for _, r := range recs {
			if r.Vector != nil && !g.SameVector(r.Slot, r.Vector) {
				stale[r.Slot] = true
			}
		}
		if len(stale) > len(recs)/2 && len(stale) > 1000 {
			gerr = fmt.Errorf("graph differs from the snapshot in %d of %d vectors", len(stale), len(recs))
		}
	}
	if gerr != nil {
		if !errors.Is(gerr, os.ErrNotExist) || len(recs) > 0 {
			c.log.Warn("saved graph not used; rebuilding the index from the snapshot's vectors in the background", "err", gerr)
		}
		if c.lex != nil && lexLoaded {
			c.lex = newLexical(c.opts)
		}
		for _, r := range recs {
			if r.Vector == nil && g != nil {
				r.Vector = g.Vector(r.Slot) // read as the graph's copy
			}
			c.applyLocked(r.Record)
		}
	} else {
		c.graph = g
		c.placeLocked(recs, stale, lexLoaded)
		for _, id := range g.LiveIDs() {
			if int(id) >= len(c.ids) || c.ids[id] == "" {
				g.Delete(id)
			}
		}
	}
	c.loadStats.Place = time.Since(phase) - c.loadStats.Lexical
	if h.Meta != nil {
		c.meta = h.Meta
	}
	if h.Tombs != nil {
		for id, t := range h.Tombs {
			c.tombs[id] = t
		}
	}
	c.updated = h.Updated
	c.walGen = h.WALGen
	return nil
}

// timedReadGraph is readGraph with its time kept for LoadStats.
func (c *Collection) timedReadGraph() (*hnsw.Graph, error) {
	start := time.Now()
	g, err := c.readGraph()
	c.loadStats.Graph = time.Since(start)
	return g, err
}

// loaded is what a snapshot load read: the header, the documents (a nil
// vector where the graph's copy is the same), the saved graph or why it
// cannot be used, and whether the lexical index was read into c.lex.
type loaded struct {
	header   snapshotHeader
	recs     []slotRecord
	graph    *hnsw.Graph
	graphErr error
	lexical  bool
}

// readRecordsV3 reads a format 3 (gob) snapshot's header and documents.
func (c *Collection) readRecordsV3(r io.Reader) (loaded, error) {
	var l loaded
	dec := gob.NewDecoder(r)
	if err := dec.Decode(&l.header); err != nil {
		return l, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if l.header.Dim != c.dim {
		return l, dimChanged(l.header.Dim, c.dim)
	}
	start := time.Now()
	l.recs = make([]slotRecord, l.header.Count)
	for i := range l.recs {
		var sr snapRecord
		if err := dec.Decode(&sr); err != nil {
			return l, fmt.Errorf("%w: record %d of %d: %v", ErrCorrupt, i+1, l.header.Count, err)
		}
		l.recs[i] = slotRecord{Record: fromWire(sr.Rec), Slot: sr.Slot}
	}
	c.loadStats.Records = time.Since(start)
	return l, nil
}

func dimChanged(saved, want int) error {
	return fmt.Errorf("vectors have %d dims, the schema makes %d: the schema changed; remove the data directory or re-ingest", saved, want)
}

// readRecords reads a format 4 snapshot: the header, the saved graph
// (first, so that each document's vector is compared with the graph's as
// it is read and kept only when they differ), the documents and the
// lexical index.
func (c *Collection) readRecords(r *bufio.Reader) (loaded, error) {
	var l loaded
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 1<<31 {
		return l, fmt.Errorf("%w: header length: %v", ErrCorrupt, err)
	}
	hb := make([]byte, n)
	if _, err := io.ReadFull(r, hb); err != nil {
		return l, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if err := gob.NewDecoder(bytes.NewReader(hb)).Decode(&l.header); err != nil {
		return l, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if l.header.Dim != c.dim {
		return l, dimChanged(l.header.Dim, c.dim)
	}
	l.graph, l.graphErr = c.timedReadGraph()
	start := time.Now()
	l.recs = make([]slotRecord, l.header.Count)
	sr := &snapReader{r: r, dim: c.dim}
	scratch := make([]float32, c.dim)
	for i := range l.recs {
		rec, err := sr.record(scratch)
		if err != nil {
			return l, fmt.Errorf("%w: record %d of %d: %v", ErrCorrupt, i+1, l.header.Count, err)
		}
		if l.graphErr == nil && l.graph.SameVector(rec.Slot, scratch) {
			rec.Vector = nil // the graph's copy is the vector
		} else {
			rec.Vector = slices.Clone(scratch)
		}
		l.recs[i] = rec
	}
	c.loadStats.Records = time.Since(start)
	flag, err := r.ReadByte()
	if err != nil {
		return l, fmt.Errorf("%w: lexical index: %v", ErrCorrupt, err)
	}
	if flag == 1 && c.lex != nil {
		lexStart := time.Now()
		if err := c.lex.ReadFrom(r); err != nil {
			// Other text fields than when saved (a schema change):
			// placeLocked analyses the documents again.
			c.log.Info("saved lexical index not used; re-analysing the documents", "err", err)
		} else {
			l.lexical = true
		}
		c.loadStats.Lexical = time.Since(lexStart)
	}
	return l, nil
}

func (c *Collection) writeGraph() error {
	c.buildRoundMu.Lock()
	defer c.buildRoundMu.Unlock()
	return atomicfile.Write(filepath.Join(c.dir, graphFile), 0o644, func(w io.Writer) error {
		if c.snapshotWriting != nil {
			w = hookedWriter{w, func() { c.snapshotWriting("graph") }}
		}
		_, err := c.graph.WriteTo(w)
		return err
	})
}

// hookedWriter calls hook before each write (tests: a disk that stalls).
type hookedWriter struct {
	w    io.Writer
	hook func()
}

func (h hookedWriter) Write(p []byte) (int, error) {
	h.hook()
	return h.w.Write(p)
}

// readGraph loads the saved graph; a truncated or corrupt file is an
// error and the caller rebuilds.
func (c *Collection) readGraph() (*hnsw.Graph, error) {
	f, err := os.Open(filepath.Join(c.dir, graphFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g, err := hnsw.ReadFrom(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, err
	}
	if g.Dim() != c.dim {
		return nil, fmt.Errorf("graph has %d dims, collection %d", g.Dim(), c.dim)
	}
	return g, nil
}

// placeLexicalLocked indexes restored documents lexically: analysed on
// every core in chunks (all at once would hold every row's analysis in
// memory), indexed in order.
func (c *Collection) placeLexicalLocked(recs []slotRecord) {
	if c.lex == nil {
		return
	}
	const chunk = 4096
	out := make([]*lexical.Analyzed, chunk)
	todo := make([]int, 0, chunk)
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(start+chunk, len(recs))]
		todo = todo[:0]
		for i := range part {
			todo = append(todo, i)
		}
		c.analyzeAll(todo, func(i int) map[string]any { return part[i].Fields }, out)
		for i, r := range part {
			c.lex.SetAnalyzed(r.Slot, out[i])
			out[i] = nil
		}
	}
}

// placeLocked restores documents into the slots they had when saved.
// lexLoaded says the lexical index was read with the snapshot.
func (c *Collection) placeLocked(recs []slotRecord, stale map[uint32]bool, lexLoaded bool) {
	n := 0
	for _, r := range recs {
		n = max(n, int(r.Slot)+1)
	}
	c.ids = make([]string, n)
	c.alive = bitset.New(uint(n))
	c.docs = make([]map[string]any, n)
	c.vers = make([]int64, n)
	c.slots = make(map[string]uint32, len(recs))
	c.times = make([]time.Time, n)
	for _, r := range recs {
		c.ids[r.Slot], c.docs[r.Slot], c.vers[r.Slot], c.times[r.Slot] = r.ID, r.Fields, r.Version, r.TS
		c.alive.Set(uint(r.Slot))
		c.setColumnsLocked(r.Slot, nil, r.Fields)
		c.slots[r.ID] = r.Slot
		if stale[r.Slot] {
			c.pending[r.Slot] = r.Vector
		}
	}
	if !lexLoaded {
		lexStart := time.Now()
		c.placeLexicalLocked(recs)
		c.loadStats.Lexical = time.Since(lexStart)
	}
	if c.copies != nil {
		slots := make([]uint32, len(recs))
		for i, r := range recs {
			slots[i] = r.Slot
		}
		c.placeCopiesLocked(slots)
	}
	c.free = c.free[:0]
	for s, id := range c.ids {
		if id == "" {
			c.free = append(c.free, uint32(s))
		}
	}
}
