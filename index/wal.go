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
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/tessera-search/tessera/internal/atomicfile"
)

// walBatch is one durable unit: the records of one Apply and any metadata
// that changed with them (for example a learned category vocabulary).
type walBatch struct {
	Records []wireRecord
	Meta    map[string][]byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxFrameBytes bounds one frame's payload. append refuses larger batches,
// so replay can take a larger length for what it is — damage — without
// allocating a buffer for it. The largest batches Tessera writes (4,096
// stream events, 1,024 recency refreshes) are tens of megabytes.
const maxFrameBytes = 256 << 20

// framePrefix is how every frame's payload begins: each frame is its own
// gob stream, so it opens with the same type definitions. Replay looks for
// it to find intact frames after damage without trusting any length.
var framePrefix = func() []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&walBatch{}); err != nil {
		panic(err)
	}
	return buf.Bytes()[:min(32, buf.Len())]
}()

// ErrStorageFull marks a write that failed because the disk (or quota) is
// full; ErrStorage any other failure to write or fsync the WAL. Either way
// the batch was not acknowledged and nothing of it is applied.
var (
	ErrStorageFull = errors.New("storage full")
	ErrStorage     = errors.New("storage failure")
)

// wal is an append-only log of frames: length, CRC-32C, gob payload. A torn
// frame at the tail (a crash mid-write) was never acknowledged and is cut
// off on open; damage followed by an intact frame is corruption and an
// error, so acknowledged batches are never dropped silently.
type wal struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	size   int64
	noSync bool
	onSync func(time.Duration)
	log    *slog.Logger
	// fault, when set, runs before each write and fsync (Options.FaultHook).
	fault func(op string) error
}

func openWAL(path string, opts Options, log *slog.Logger) (*wal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	return &wal{f: f, path: path, noSync: opts.NoSync, onSync: opts.OnSync, log: log, fault: opts.FaultHook}, nil
}

// replay calls fn for every intact batch and cuts a torn tail. With
// truncateAt ≥ 0 it stops at that frame boundary and truncates the log
// there, after keeping a copy of the whole log (a recovery the operator
// asked for).
func (w *wal) replay(truncateAt int64, fn func(walBatch) error) (int, error) {
	st, err := w.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("wal: %w", err)
	}
	end := st.Size()
	if truncateAt > end {
		return 0, fmt.Errorf("wal %s: cannot truncate at offset %d: the log has %d bytes", w.path, truncateAt, end)
	}
	r := bufio.NewReaderSize(io.NewSectionReader(w.f, 0, end), 1<<20)
	var off, prev int64
	n := 0
	var hdr [8]byte
	var payload []byte
	for off < end && (truncateAt < 0 || off < truncateAt) {
		if end-off < 8 {
			return n, w.damage(off, end, n, "truncated frame header")
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return n, fmt.Errorf("wal %s: read at offset %d: %w", w.path, off, err)
		}
		size := int64(binary.LittleEndian.Uint32(hdr[:4]))
		sum := binary.LittleEndian.Uint32(hdr[4:])
		switch {
		case size > maxFrameBytes && end-off > 8:
			// No frame this long is ever written, and the bytes after
			// it are not its payload: the length itself is damaged.
			return n, w.corrupt(off, n, fmt.Sprintf("frame length %d exceeds the maximum %d with %d bytes after it", size, maxFrameBytes, end-off-8), -1)
		case size == 0 || size > maxFrameBytes:
			return n, w.damage(off, end, n, fmt.Sprintf("impossible frame length %d", size))
		case off+8+size > end:
			return n, w.damage(off, end, n, fmt.Sprintf("frame length %d runs past the end of the log", size))
		}
		if int64(cap(payload)) < size {
			payload = make([]byte, size)
		}
		payload = payload[:size]
		if _, err := io.ReadFull(r, payload); err != nil {
			return n, fmt.Errorf("wal %s: read at offset %d: %w", w.path, off, err)
		}
		if crc32.Checksum(payload, castagnoli) != sum {
			return n, w.damage(off, end, n, "checksum mismatch")
		}
		var b walBatch
		if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&b); err != nil {
			return n, w.corrupt(off, n, fmt.Sprintf("intact checksum but undecodable batch (%v)", err), -1)
		}
		if err := fn(b); err != nil {
			return n, err
		}
		n++
		prev, off = off, off+8+size
	}
	if truncateAt >= 0 {
		if off != truncateAt {
			return n, fmt.Errorf("wal %s: offset %d is not the start of a frame (frames start at %d and %d)", w.path, truncateAt, prev, off)
		}
		if err := w.truncateOnRequest(off, end, n); err != nil {
			return n, err
		}
	}
	w.size = off
	_, err = w.f.Seek(off, io.SeekStart)
	return n, err
}

// damage handles a frame at off that is not intact. If an intact frame
// follows, acknowledged batches would be lost by cutting: that is
// corruption. Otherwise it is the torn tail of a write that crashed before
// it was acknowledged, and it is cut off — loudly.
func (w *wal) damage(off, end int64, good int, why string) error {
	if next, ok, err := w.nextFrame(off+1, end); err != nil {
		return fmt.Errorf("wal %s: %w", w.path, err)
	} else if ok {
		return w.corrupt(off, good, why, next)
	}
	frames, err := w.countFrameStarts(off, end)
	if err != nil {
		return fmt.Errorf("wal %s: %w", w.path, err)
	}
	w.log.Warn("wal: cut a torn tail (a write interrupted by a crash; it was never acknowledged)",
		"path", w.path, "offset", off, "bytes_discarded", end-off, "frames_discarded", max(frames, 1), "reason", why, "batches_kept", good)
	if err := w.f.Truncate(off); err != nil {
		return fmt.Errorf("wal %s: cut torn tail (%s): %w", w.path, why, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("wal %s: cut torn tail: %w", w.path, err)
	}
	w.size = off
	_, err = w.f.Seek(off, io.SeekStart)
	return err
}

func (w *wal) corrupt(off int64, good int, why string, next int64) error {
	where := ""
	if next >= 0 {
		where = fmt.Sprintf("; an intact frame follows at offset %d", next)
	}
	return fmt.Errorf("wal %s: %w: frame at offset %d: %s%s. Refusing to start rather than drop acknowledged writes. "+
		"To keep the %d batches before offset %d and discard the rest, restart once with `tessera serve --wal-truncate-at %d` (it keeps a copy of the whole log)",
		w.path, ErrCorrupt, off, why, where, good, off, off)
}

// nextFrame finds the first intact frame starting at or after from: a
// frame whose payload opens with framePrefix, fits in the file and matches
// its checksum. It reads in bounded chunks; no length is trusted before
// it is checked against the file.
func (w *wal) nextFrame(from, end int64) (int64, bool, error) {
	found := int64(-1)
	err := w.scanPrefix(from+8, end, func(p int64) (bool, error) {
		start := p - 8
		var hdr [8]byte
		if _, err := w.f.ReadAt(hdr[:], start); err != nil {
			return false, err
		}
		size := int64(binary.LittleEndian.Uint32(hdr[:4]))
		if size == 0 || size > maxFrameBytes || start+8+size > end {
			return true, nil
		}
		crc := crc32.New(castagnoli)
		if _, err := io.Copy(crc, io.NewSectionReader(w.f, p, size)); err != nil {
			return false, err
		}
		if crc.Sum32() != binary.LittleEndian.Uint32(hdr[4:]) {
			return true, nil
		}
		found = start
		return false, nil
	})
	return found, found >= 0, err
}

// countFrameStarts counts the frames begun in [from, end), for the log.
func (w *wal) countFrameStarts(from, end int64) (int, error) {
	n := 0
	err := w.scanPrefix(from+8, end, func(int64) (bool, error) { n++; return true, nil })
	return n, err
}

// scanPrefix calls fn with the offset of every occurrence of framePrefix
// in [from, end) until fn returns false.
func (w *wal) scanPrefix(from, end int64, fn func(off int64) (bool, error)) error {
	const chunk = 1 << 20
	buf := make([]byte, chunk+len(framePrefix))
	for pos := from; pos < end; pos += chunk {
		n, err := w.f.ReadAt(buf[:min(int64(len(buf)), end-pos)], pos)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], framePrefix)
			if j < 0 || int64(i+j) >= chunk {
				break
			}
			more, err := fn(pos + int64(i+j))
			if err != nil || !more {
				return err
			}
			i += j + 1
		}
	}
	return nil
}

// truncateOnRequest cuts the log at off after copying all of it aside.
func (w *wal) truncateOnRequest(off, end int64, kept int) error {
	if off == end {
		w.log.Warn("wal: --wal-truncate-at is the end of the log; nothing to discard", "path", w.path, "offset", off)
		return nil
	}
	backup := fmt.Sprintf("%s.before-truncate-%s", w.path, time.Now().UTC().Format("20060102T150405Z"))
	if err := copyFile(backup, w.f, end); err != nil {
		return fmt.Errorf("wal %s: keep a copy before truncating: %w", w.path, err)
	}
	if err := w.f.Truncate(off); err != nil {
		return fmt.Errorf("wal %s: truncate at %d: %w", w.path, off, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("wal %s: truncate at %d: %w", w.path, off, err)
	}
	w.log.Warn("wal: truncated on request (--wal-truncate-at)", "path", w.path, "offset", off,
		"bytes_discarded", end-off, "batches_kept", kept, "copy", backup)
	return nil
}

func copyFile(dst string, src io.ReaderAt, size int64) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, io.NewSectionReader(src, 0, size))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// append writes one batch and, unless disabled, fsyncs before returning:
// a batch is acknowledged only once it is on disk. On failure the log is
// cut back to its last good frame, so it always matches what was applied.
func (w *wal) append(b walBatch) error {
	buf := walBuffers.Get().(*bytes.Buffer)
	defer walBuffers.Put(buf)
	buf.Reset()
	buf.Write(make([]byte, 8))
	if err := gob.NewEncoder(buf).Encode(&b); err != nil {
		return fmt.Errorf("wal: encode batch: %w", err)
	}
	frame := buf.Bytes()
	payload := frame[8:]
	if len(payload) > maxFrameBytes {
		return fmt.Errorf("wal: a batch encodes to %d bytes, more than the %d a frame may hold: apply it in smaller batches", len(payload), maxFrameBytes)
	}
	binary.LittleEndian.PutUint32(frame[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:8], crc32.Checksum(payload, castagnoli))
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.write(frame); err != nil {
		// A partial write would leave a torn frame in the middle of later
		// ones; cut back to the last good frame.
		w.rollback()
		return storageError("wal: write", err)
	}
	if !w.noSync {
		start := time.Now()
		if err := w.sync(); err != nil {
			// The frame may or may not be on disk; it was not
			// acknowledged and is not applied, so it must not come back
			// on replay either.
			w.rollback()
			return storageError("wal: fsync", err)
		}
		if w.onSync != nil {
			w.onSync(time.Since(start))
		}
	}
	w.size += int64(len(frame))
	return nil
}

func (w *wal) write(p []byte) error {
	if w.fault != nil {
		if err := w.fault("write"); err != nil {
			return err
		}
	}
	_, err := w.f.Write(p)
	return err
}

func (w *wal) sync() error {
	if w.fault != nil {
		if err := w.fault("sync"); err != nil {
			return err
		}
	}
	return w.f.Sync()
}

// probe tests whether the log's directory takes a write again: a file of
// probeBytes written, fsynced and removed, through the fault hook.
func (w *wal) probe() error {
	const probeBytes = 1 << 20
	path := w.path + ".probe"
	defer os.Remove(path)
	if w.fault != nil {
		if err := w.fault("write"); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(make([]byte, probeBytes))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func (w *wal) rollback() {
	_ = w.f.Truncate(w.size)
	_, _ = w.f.Seek(w.size, io.SeekStart)
}

// storageError classifies a failed write: a full disk or quota is
// ErrStorageFull, anything else ErrStorage.
func storageError(what string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%s: %w: %w", what, ErrStorageFull, err)
	}
	return fmt.Errorf("%s: %w: %w", what, ErrStorage, err)
}

// rotate moves the log's contents aside to the file to (a closed
// generation, replayed before the log until a snapshot covers it) and
// continues in a new, empty file at the log's path. A background
// snapshot starts with it: what is applied from then on is in the new
// file, and what the snapshot holds in the older ones. Both names are
// made durable (the directory fsynced) before the next batch can be
// acknowledged into the new file. moved reports that to now exists,
// even when err says the directory could not be synced.
func (w *wal) rotate(to string) (moved bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fault != nil {
		if err := w.fault("write"); err != nil {
			return false, storageError("wal: rotate", err)
		}
	}
	next := w.path + ".new"
	f, err := os.OpenFile(next, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return false, storageError("wal: rotate", err)
	}
	if err := os.Rename(w.path, to); err != nil {
		f.Close()
		os.Remove(next)
		return false, storageError("wal: rotate", err)
	}
	if err := os.Rename(next, w.path); err != nil {
		f.Close()
		os.Remove(next)
		if back := os.Rename(to, w.path); back != nil {
			// Appends go on into the old log under its generation's name,
			// which a start replays; no snapshot is taken until then.
			w.log.Error("wal: rotation failed half-way", "err", err, "undo", back)
			return true, storageError("wal: rotate", err)
		}
		return false, storageError("wal: rotate", err)
	}
	if cerr := w.f.Close(); cerr != nil {
		w.log.Warn("wal: closing the rotated log", "err", cerr) // every frame in it was fsynced
	}
	w.f, w.size = f, 0
	if err := atomicfile.SyncDir(filepath.Dir(w.path)); err != nil {
		// Both files are in place; the snapshot is not taken, and the
		// next rotation's directory fsync makes the names durable.
		return true, storageError("wal: rotate", err)
	}
	return true, nil
}

func (w *wal) close() error {
	if w == nil || w.f == nil {
		return nil
	}
	return errors.Join(w.f.Sync(), w.f.Close())
}

// replayBatch applies one replayed WAL batch.
func (c *Collection) replayBatch(b walBatch) error {
	recs, err := b.records()
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	for _, r := range recs {
		if len(r.Vector) != 0 && len(r.Vector) != c.dim {
			return fmt.Errorf("wal: record %q has %d dims, collection has %d", r.ID, len(r.Vector), c.dim)
		}
		c.applyLocked(r)
	}
	for k, v := range b.Meta {
		if k != walRecordsKey {
			c.meta[k] = v
		}
	}
	c.sinceSnapshot += len(recs)
	return nil
}

// replayWALGens replays the closed WAL generations that the snapshot
// does not hold, oldest first, and removes those it does (left by a crash
// between a snapshot's rename and their removal). A generation file is
// left by a background snapshot that has not finished. With truncateAt ≥
// 0 (the operator's recovery from a corrupt log), the first generation
// found corrupt is cut there, and truncated reports it; otherwise the cut
// is the current log's.
func (c *Collection) replayWALGens(truncateAt int64) (n int, truncated bool, err error) {
	os.Remove(filepath.Join(c.dir, "wal.log.new")) // a rotation cut short
	if err := c.removeWALGens(c.walGen); err != nil {
		return 0, false, err
	}
	gens, err := walGens(c.dir)
	if err != nil {
		return 0, false, fmt.Errorf("wal: %w", err)
	}
	for _, g := range gens {
		w, err := openWAL(filepath.Join(c.dir, walGenFile(g)), c.opts, c.log)
		if err != nil {
			return n, false, err
		}
		at := int64(-1)
		if truncateAt >= 0 && !truncated {
			// Only a read first: the cut belongs to the damaged log.
			if _, err := w.replay(-1, func(walBatch) error { return nil }); errors.Is(err, ErrCorrupt) {
				at, truncated = truncateAt, true
			}
		}
		m, err := w.replay(at, c.replayBatch)
		n += m
		if err := errors.Join(err, w.close()); err != nil {
			return n, truncated, err
		}
		c.walGen = g
	}
	return n, truncated, nil
}
