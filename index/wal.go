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
	"os"
	"sync"
	"time"
)

// walBatch is one durable unit: the records of one Apply and any metadata
// that changed with them (for example a learned category vocabulary).
type walBatch struct {
	Records []wireRecord
	Meta    map[string][]byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// wal is an append-only log of frames: length, CRC-32C, gob payload. A torn
// frame at the tail (a crash mid-write) was never acknowledged and is cut
// off on open; a bad frame followed by good data is corruption and an error.
type wal struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	size   int64
	noSync bool
	onSync func(time.Duration)
}

func openWAL(path string, noSync bool, onSync func(time.Duration)) (*wal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	return &wal{f: f, path: path, noSync: noSync, onSync: onSync}, nil
}

// replay calls fn for every intact batch and truncates a torn tail.
func (w *wal) replay(fn func(walBatch) error) (int, error) {
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("wal: %w", err)
	}
	r := bufio.NewReaderSize(w.f, 1<<20)
	var off int64
	n := 0
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				break
			}
			return n, w.cutTail(off, "truncated frame header")
		}
		size := binary.LittleEndian.Uint32(hdr[:4])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		payload := make([]byte, size)
		if _, err := io.ReadFull(r, payload); err != nil {
			return n, w.cutTail(off, "truncated frame")
		}
		if crc32.Checksum(payload, castagnoli) != sum {
			rest, _ := io.Copy(io.Discard, r)
			if rest > 0 {
				return n, fmt.Errorf("wal %s: checksum mismatch in frame at offset %d with %d bytes after it: the log is corrupt", w.path, off, rest)
			}
			return n, w.cutTail(off, "checksum mismatch in the last frame")
		}
		var b walBatch
		if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&b); err != nil {
			return n, fmt.Errorf("wal %s: frame at offset %d: %w", w.path, off, err)
		}
		if err := fn(b); err != nil {
			return n, err
		}
		n++
		off += 8 + int64(size)
	}
	w.size = off
	_, err := w.f.Seek(off, io.SeekStart)
	return n, err
}

func (w *wal) cutTail(off int64, why string) error {
	if err := w.f.Truncate(off); err != nil {
		return fmt.Errorf("wal %s: cut torn tail (%s): %w", w.path, why, err)
	}
	w.size = off
	_, err := w.f.Seek(off, io.SeekStart)
	return err
}

// append writes one batch and, unless disabled, fsyncs before returning:
// a batch is acknowledged only once it is on disk.
func (w *wal) append(b walBatch) error {
	var buf bytes.Buffer
	buf.Write(make([]byte, 8))
	if err := gob.NewEncoder(&buf).Encode(&b); err != nil {
		return fmt.Errorf("wal: encode batch: %w", err)
	}
	frame := buf.Bytes()
	payload := frame[8:]
	binary.LittleEndian.PutUint32(frame[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:8], crc32.Checksum(payload, castagnoli))
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(frame); err != nil {
		// A partial write would leave a torn frame in the middle of later
		// ones; cut back to the last good frame.
		_ = w.f.Truncate(w.size)
		_, _ = w.f.Seek(w.size, io.SeekStart)
		return fmt.Errorf("wal: write: %w", err)
	}
	w.size += int64(len(frame))
	if !w.noSync {
		start := time.Now()
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("wal: fsync: %w", err)
		}
		if w.onSync != nil {
			w.onSync(time.Since(start))
		}
	}
	return nil
}

// reset empties the log after a snapshot has made its contents redundant.
func (w *wal) reset() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Truncate(0); err != nil {
		return fmt.Errorf("wal: truncate: %w", err)
	}
	w.size = 0
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return w.f.Sync()
}

func (w *wal) close() error {
	if w == nil || w.f == nil {
		return nil
	}
	return errors.Join(w.f.Sync(), w.f.Close())
}
