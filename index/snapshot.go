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
	"time"
)

const (
	snapshotFile  = "snapshot.bin"
	snapshotMagic = "TSNAP001"
)

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
	path := filepath.Join(c.dir, snapshotFile)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer os.Remove(tmp)
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	c.mu.RLock()
	err = c.writeSnapshot(bw)
	n := len(c.slots)
	c.mu.RUnlock()
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		var trailer [8]byte
		binary.LittleEndian.PutUint32(trailer[:4], crc.Sum32())
		copy(trailer[4:], "TEND")
		_, err = f.Write(trailer[:])
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("snapshot: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if d, err := os.Open(c.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	if err := c.wal.reset(); err != nil {
		return err
	}
	c.sinceSnapshot = 0
	c.log.Info("snapshot written", "documents", n, "took", time.Since(start).Round(time.Millisecond))
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
		r := Record{ID: id, Fields: c.docs[s], Vector: c.vecs.vector(uint32(s)), Version: c.vers[s], TS: c.times[s]}
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
	for i := 0; i < h.Count; i++ {
		var rec Record
		if err := dec.Decode(&rec); err != nil {
			return fmt.Errorf("snapshot %s: %w: record %d of %d: %v", path, ErrCorrupt, i+1, h.Count, err)
		}
		c.applyLocked(rec)
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
