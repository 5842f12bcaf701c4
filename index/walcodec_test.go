package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// Every field type the apply path stores comes back from a WAL batch as
// it went in, and so do deletions, versions, event times and vectors.
func TestPackedRecordsRoundTrip(t *testing.T) {
	ts := time.Date(2026, 12, 6, 7, 0, 0, 123, time.UTC)
	recs := []Record{
		{ID: "a", Version: 7, TS: ts, Vector: []float32{1, -2.5, float32(math.Pi)}, Fields: map[string]any{
			"s": "text", "f": 12.5, "i64": int64(-3), "i": 42, "b": true, "t": ts, "list": []string{"x", "y"},
			"nolist": []string(nil), "nil": nil, "other": map[string]any{"k": "v"},
		}},
		{ID: "gone", Deleted: true, Version: 9},
		{ID: "bare"},
	}
	packed, err := packRecords(new(bytes.Buffer), recs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := walBatch{Meta: map[string][]byte{walRecordsKey: packed}}.records()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, recs)
	}
	if _, err := unpackRecords(packed[:len(packed)-3]); err == nil {
		t.Fatal("a cut batch decoded without an error")
	}
	// A length past the batch's end is refused before anything that long
	// is allocated.
	huge := append([]byte{1}, binary.AppendUvarint(nil, 1<<29)...)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	if _, err := unpackRecords(huge); err == nil {
		t.Fatal("an impossible id length decoded")
	}
	runtime.ReadMemStats(&ms)
	if grew := ms.TotalAlloc - before; grew > 1<<20 {
		t.Fatalf("decoding a bogus length allocated %d bytes", grew)
	}
}

// A WAL written before records were packed (gob walBatch.Records) still
// replays: an upgrade loses nothing of an unsnapshotted log.
func TestLegacyWALBatchReplays(t *testing.T) {
	dir := t.TempDir()
	w, err := openWAL(filepath.Join(dir, "wal.log"), Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	legacy := []Record{
		{ID: "old-1", Version: 1, Vector: vec3(1, 0, 0), Fields: map[string]any{"title": "lamp", "price": 12.0}},
		{ID: "old-2", Version: 1, Vector: vec3(0, 1, 0), Fields: map[string]any{"title": "desk"}},
	}
	wire := make([]wireRecord, len(legacy))
	for i, r := range legacy {
		wire[i] = toWire(r)
	}
	if err := w.append(walBatch{Records: wire, Meta: map[string][]byte{"k": []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir, 3, Options{SnapshotEvery: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(context.Background(), []Record{{ID: "new-1", Version: 1, Vector: vec3(0, 0, 1), Fields: map[string]any{"title": "chair"}}}, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = Open(dir, 3, Options{SnapshotEvery: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range []string{"old-1", "old-2", "new-1"} {
		if _, ok := c.Get(id); !ok {
			t.Errorf("%s lost on replay", id)
		}
	}
	if r, _ := c.Get("old-1"); r.Fields["price"] != 12.0 {
		t.Errorf("old-1 replayed as %v", r.Fields)
	}
	if string(c.Meta("k")) != "v" || c.Meta(walRecordsKey) != nil {
		t.Errorf("meta after replay: k=%q, packed records kept as meta: %v", c.Meta("k"), c.Meta(walRecordsKey) != nil)
	}
}
