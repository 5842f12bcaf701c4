package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// walWithFrames writes n batches of one record each (ids r0…) and returns
// the data directory, the WAL's bytes and each frame's offset.
func walWithFrames(t *testing.T, n int) (string, []byte, []int64) {
	t.Helper()
	dir := t.TempDir()
	c, err := Open(dir, 3, Options{SnapshotEvery: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := c.Apply(context.Background(), []Record{{ID: fmt.Sprintf("r%d", i), Vector: vec3(1, float32(i), 0), Fields: map[string]any{"t": strings.Repeat("x", 100)}}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	data, err := os.ReadFile(filepath.Join(dir, "wal.log"))
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	for off := int64(0); off < int64(len(data)); off += 8 + int64(binary.LittleEndian.Uint32(data[off:])) {
		offs = append(offs, off)
	}
	if len(offs) != n {
		t.Fatalf("%d frames, want %d", len(offs), n)
	}
	return dir, data, offs
}

func openLogged(dir string, opts Options) (*Collection, string, error) {
	var buf bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	opts.SnapshotEvery = -1
	c, err := Open(dir, 3, opts)
	return c, buf.String(), err
}

// TestWALHeaderByteFlips damages each byte of a frame header, for the
// first, a middle and the last frame, in several ways. Every outcome must
// be either a refusal naming the damaged frame's offset, or — only where
// nothing intact follows — a logged cut of the tail. Never a silent loss of
// later intact frames.
func TestWALHeaderByteFlips(t *testing.T) {
	const frames = 5
	_, orig, offs := walWithFrames(t, frames)
	for _, frame := range []int{0, 2, frames - 1} {
		for pos := range 8 {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				t.Run(fmt.Sprintf("frame%d/byte%d/xor%02x", frame, pos, mask), func(t *testing.T) {
					dir := t.TempDir()
					data := bytes.Clone(orig)
					data[offs[frame]+int64(pos)] ^= mask
					if err := os.WriteFile(filepath.Join(dir, "wal.log"), data, 0o644); err != nil {
						t.Fatal(err)
					}
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					before := ms.TotalAlloc
					c, logs, err := openLogged(dir, Options{})
					runtime.ReadMemStats(&ms)
					if grew := ms.TotalAlloc - before; grew > 64<<20 {
						t.Errorf("open allocated %d MB for a damaged length", grew>>20)
					}
					if err != nil {
						if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("frame at offset %d:", offs[frame])) {
							t.Fatalf("refusal does not name offset %d: %v", offs[frame], err)
						}
						if !strings.Contains(err.Error(), fmt.Sprintf("--wal-truncate-at %d", offs[frame])) {
							t.Fatalf("refusal does not offer the recovery: %v", err)
						}
						return
					}
					defer c.Close()
					if frame != frames-1 {
						t.Fatalf("damage to frame %d of %d was not refused (%d docs): intact frames after it were dropped", frame, frames, c.Len())
					}
					if c.Len() != frame {
						t.Fatalf("%d docs after cutting frame %d", c.Len(), frame)
					}
					if !strings.Contains(logs, "cut a torn tail") || !strings.Contains(logs, fmt.Sprintf("offset=%d ", offs[frame])) ||
						!strings.Contains(logs, fmt.Sprintf("bytes_discarded=%d ", int64(len(data))-offs[frame])) || !strings.Contains(logs, "frames_discarded=1 ") {
						t.Fatalf("tail cut not logged with its offset, bytes and frames: %s", logs)
					}
				})
			}
		}
	}
}

func TestWALTailDamageIsCutAndLogged(t *testing.T) {
	_, orig, offs := walWithFrames(t, 3)
	cases := map[string][]byte{
		"mid-payload":      orig[:len(orig)-5],
		"mid-header":       orig[:offs[2]+3],
		"zero-filled tail": append(bytes.Clone(orig), make([]byte, 4096)...),
		"garbage tail":     append(bytes.Clone(orig), []byte("\x10\x00\x00\x00 not a frame at all")...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "wal.log"), data, 0o644)
			c, logs, err := openLogged(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			want := 3
			if len(data) < len(orig) {
				want = 2
			}
			if c.Len() != want {
				t.Fatalf("%d docs, want %d", c.Len(), want)
			}
			if !strings.Contains(logs, "cut a torn tail") || !strings.Contains(logs, "bytes_discarded=") {
				t.Fatalf("tail cut not logged: %s", logs)
			}
			// The cut is durable: a second open has nothing to cut.
			c.Close()
			c, logs, err = openLogged(dir, Options{})
			if err != nil || c.Len() != want || strings.Contains(logs, "cut") {
				t.Fatalf("reopen: %v, %d docs, logs %s", err, c.Len(), logs)
			}
		})
	}
}

// TestWALTruncateAtRecovers follows the refusal's advice: the frames
// before the offset are kept, the whole log is copied aside first.
func TestWALTruncateAtRecovers(t *testing.T) {
	_, orig, offs := walWithFrames(t, 5)
	dir := t.TempDir()
	data := bytes.Clone(orig)
	data[offs[2]+3] ^= 0x80 // the high byte of a middle frame's length
	os.WriteFile(filepath.Join(dir, "wal.log"), data, 0o644)
	if _, _, err := openLogged(dir, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("want a refusal, got %v", err)
	}
	if _, _, err := openLogged(dir, Options{TruncateWAL: true, TruncateWALAt: offs[1] + 1}); err == nil || !strings.Contains(err.Error(), "not the start of a frame") {
		t.Fatalf("an offset inside a frame: %v", err)
	}
	c, logs, err := openLogged(dir, Options{TruncateWAL: true, TruncateWALAt: offs[2]})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Len() != 2 {
		t.Fatalf("%d docs, want the 2 before the offset", c.Len())
	}
	if !strings.Contains(logs, "truncated on request") || !strings.Contains(logs, fmt.Sprintf("bytes_discarded=%d", int64(len(data))-offs[2])) {
		t.Fatalf("truncation not logged: %s", logs)
	}
	copies, _ := filepath.Glob(filepath.Join(dir, "wal.log.before-truncate-*"))
	if len(copies) != 1 {
		t.Fatalf("copies %v", copies)
	}
	if kept, _ := os.ReadFile(copies[0]); !bytes.Equal(kept, data) {
		t.Fatalf("the copy is not the whole log (%d of %d bytes)", len(kept), len(data))
	}
}

func TestWALFullDiskLeavesLogClean(t *testing.T) {
	dir := t.TempDir()
	var fail error
	c, err := Open(dir, 3, Options{SnapshotEvery: -1, FaultHook: func(op string) error { return fail }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Apply(ctx, []Record{{ID: "a", Vector: vec3(1, 0, 0)}}, nil); err != nil {
		t.Fatal(err)
	}
	fail = fmt.Errorf("write wal.log: %w", enospc)
	if _, err := c.Apply(ctx, []Record{{ID: "b", Vector: vec3(0, 1, 0)}}, nil); !errors.Is(err, ErrStorageFull) {
		t.Fatalf("want ErrStorageFull, got %v", err)
	}
	if _, ok := c.Get("b"); ok {
		t.Fatal("a batch that failed to write was applied")
	}
	fail = nil
	if _, err := c.Apply(ctx, []Record{{ID: "c", Vector: vec3(0, 0, 1)}}, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, logs, err := openLogged(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.Get("b"); ok || c.Len() != 2 || strings.Contains(logs, "cut") {
		t.Fatalf("after a failed write: %d docs, logs %s", c.Len(), logs)
	}
}
