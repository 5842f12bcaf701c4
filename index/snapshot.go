package index

import (
	"bufio"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/index/lexical"
	"github.com/tessera-search/tessera/internal/atomicfile"
)

const (
	snapshotFile  = "snapshot.bin"
	graphFile     = "graph.bin"
	snapshotMagic = "TSNAP003"
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
}

// Snapshot writes every document to a new snapshot file and then empties
// the WAL. The file is replaced atomically, so a crash at any point leaves
// either the old snapshot plus the WAL or the new one.
func (c *Collection) Snapshot() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.snapshotLocked()
}

func (c *Collection) snapshotLocked() error {
	start := time.Now()
	// The graph goes first: a snapshot is only ever paired with the graph
	// saved with it or found inconsistent on load (and rebuilt).
	if err := c.writeGraph(); err != nil {
		c.log.Warn("graph not saved; it will be rebuilt on the next start", "err", err)
	}
	var n int
	err := atomicfile.Write(filepath.Join(c.dir, snapshotFile), 0o644, func(w io.Writer) error {
		crc := crc32.New(castagnoli)
		c.mu.RLock()
		err := c.writeSnapshot(io.MultiWriter(w, crc))
		n = len(c.slots)
		c.mu.RUnlock()
		if err != nil {
			return err
		}
		var trailer [8]byte
		binary.LittleEndian.PutUint32(trailer[:4], crc.Sum32())
		copy(trailer[4:], "TEND")
		_, err = w.Write(trailer[:])
		return err
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err := c.wal.reset(); err != nil {
		return err
	}
	c.sinceSnapshot = 0
	if c.opts.OnSnapshot != nil {
		c.opts.OnSnapshot(time.Since(start))
	}
	c.log.Info("snapshot written", "documents", n, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

func (c *Collection) writeSnapshot(w io.Writer) error {
	if _, err := io.WriteString(w, snapshotMagic); err != nil {
		return err
	}
	enc := gob.NewEncoder(w)
	if err := enc.Encode(snapshotHeader{Dim: c.dim, Count: len(c.slots), Meta: c.meta, Tombs: c.tombs, Updated: c.updated}); err != nil {
		return err
	}
	for s, id := range c.ids {
		if id == "" {
			continue
		}
		r := snapRecord{Rec: toWire(Record{ID: id, Fields: c.docs[s], Vector: c.vectorLocked(uint32(s)), Version: c.vers[s], TS: c.times[s]}), Slot: uint32(s)}
		if err := enc.Encode(&r); err != nil {
			return fmt.Errorf("record %q: %w", id, err)
		}
	}
	return nil
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
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(f, 0, size-8)); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(trailer[:4]) {
		return fmt.Errorf("snapshot %s: %w: checksum mismatch", path, ErrCorrupt)
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, size-8), 1<<20)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != snapshotMagic {
		return fmt.Errorf("snapshot %s: %w: not a Tessera snapshot (magic %q)", path, ErrCorrupt, magic)
	}
	dec := gob.NewDecoder(r)
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("snapshot %s: %w: header: %v", path, ErrCorrupt, err)
	}
	if h.Dim != c.dim {
		return fmt.Errorf("snapshot %s: vectors have %d dims, the schema makes %d: the schema changed; remove the data directory or re-ingest", path, h.Dim, c.dim)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	recs := make([]slotRecord, h.Count)
	for i := range recs {
		var sr snapRecord
		if err := dec.Decode(&sr); err != nil {
			return fmt.Errorf("snapshot %s: %w: record %d of %d: %v", path, ErrCorrupt, i+1, h.Count, err)
		}
		recs[i] = slotRecord{Record: fromWire(sr.Rec), Slot: sr.Slot}
	}
	g, err := c.readGraph()
	var stale map[uint32]bool
	if err == nil {
		// The graph may have been saved before the builder caught up: slots
		// whose vector it lacks or holds stale go back to pending. A graph
		// holding live vectors the snapshot does not is not used.
		stale = map[uint32]bool{}
		for _, r := range recs {
			if !slices.Equal(g.Vector(r.Slot), r.Vector) {
				stale[r.Slot] = true
			}
		}
		if extra := g.Len() - (len(recs) - len(stale)); extra > 0 {
			err = fmt.Errorf("graph holds %d vectors the snapshot does not", extra)
		}
	}
	if err != nil {
		c.log.Warn("saved graph not used; rebuilding the index from the snapshot's vectors in the background", "err", err)
		for _, r := range recs {
			c.applyLocked(r.Record)
		}
	} else {
		c.graph = g
		c.placeLocked(recs, stale)
	}
	if h.Meta != nil {
		c.meta = h.Meta
	}
	if h.Tombs != nil {
		for id, t := range h.Tombs {
			c.tombs[id] = t
		}
	}
	c.updated = h.Updated
	return nil
}

func (c *Collection) writeGraph() error {
	return atomicfile.Write(filepath.Join(c.dir, graphFile), 0o644, func(w io.Writer) error {
		_, err := c.graph.WriteTo(w)
		return err
	})
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
func (c *Collection) placeLocked(recs []slotRecord, stale map[uint32]bool) {
	n := 0
	for _, r := range recs {
		n = max(n, int(r.Slot)+1)
	}
	c.ids = make([]string, n)
	c.alive = bitset.New(uint(n))
	c.docs = make([]map[string]any, n)
	c.vers = make([]int64, n)
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
	c.placeLexicalLocked(recs)
	c.free = c.free[:0]
	for s, id := range c.ids {
		if id == "" {
			c.free = append(c.free, uint32(s))
		}
	}
}
