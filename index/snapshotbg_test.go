package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// copyFiles copies the named files of dir (those present) into a new
// directory: what a crash at that moment would leave on disk.
func copyFiles(t *testing.T, dir string, names ...string) string {
	t.Helper()
	to := t.TempDir()
	copyFilesTo(t, dir, to, names...)
	return to
}

// copyFilesTo copies the named files of dir that are present into to.
func copyFilesTo(t *testing.T, dir, to string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// dataFiles lists the files of a collection's directory.
func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func vectorOf(t *testing.T, c *Collection, id string) []float32 {
	t.Helper()
	r, ok := c.Get(id)
	if !ok {
		return nil
	}
	return r.Vector
}

// TestSnapshotLetsWritersOn: a snapshot holds the collection as it was
// when it began, while writes go on: rows updated or deleted before it
// wrote them keep their old vectors in it, rows added after are not in
// it, and the WAL holds every change since, so a restart has them all.
func TestSnapshotLetsWritersOn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openTemp(t, dir, 3, Options{NoSync: true, SnapshotEvery: -1})
	applyRows(t, c, 0, 3000)
	waitBuilt(t, c)
	old10, old2500, old2600 := vectorOf(t, c, "10"), vectorOf(t, c, "2500"), vectorOf(t, c, "2600")
	// The snapshot stalls after copying its first chunk (slots 0-1023).
	release, wait := stallSnapshot(t, c, "records")
	within(t, "writes during a snapshot", release, func() {
		recs := []Record{
			{ID: "10", Vector: vec3(-1, 10, 0)},   // already written
			{ID: "2500", Vector: vec3(-1, 25, 0)}, // not yet written
			{ID: "2600", Deleted: true},
		}
		if _, err := c.Apply(ctx, recs, nil); err != nil {
			t.Error(err)
		}
		applyRows(t, c, 3000, 100)
	})
	waitBuilt(t, c) // the builder moves the new vectors into the graph meanwhile
	release()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if got := dataFiles(t, dir); slices.ContainsFunc(got, func(n string) bool { return filepath.Ext(n) == ".log" && n != "wal.log" }) {
		t.Fatalf("WAL generations left after the snapshot: %v", got)
	}

	// The snapshot alone: the collection as the snapshot began.
	at := openTemp(t, copyFiles(t, dir, snapshotFile, graphFile), 3, Options{NoSync: true})
	if at.Len() != 3000 {
		t.Fatalf("snapshot alone: %d rows, want the 3000 it began with", at.Len())
	}
	for id, want := range map[string][]float32{"10": old10, "2500": old2500, "2600": old2600} {
		if got := vectorOf(t, at, id); want == nil || !slices.Equal(got, want) {
			t.Errorf("snapshot alone: row %s has %v, want %v", id, got, want)
		}
	}
	if _, ok := at.Get("3000"); ok {
		t.Error("snapshot alone: row 3000, added after it began, is in it")
	}

	// Snapshot and WAL: every change.
	c.Close()
	r := openTemp(t, dir, 3, Options{NoSync: true})
	if r.Len() != 3099 {
		t.Fatalf("reopened: %d rows, want 3099", r.Len())
	}
	if got := vectorOf(t, r, "2500"); !slices.Equal(got, vec3(-1, 25, 0)) {
		t.Errorf("reopened: row 2500 has %v, want its update", got)
	}
	if _, ok := r.Get("2600"); ok {
		t.Error("reopened: deleted row 2600 is back")
	}
}

// TestCrashDuringSnapshotKeepsEveryRow: killed while a snapshot is being
// written, the directory holds the previous snapshot, the closed WAL
// generation and the new log; killed after the snapshot replaced the old
// one but before the generation it holds was removed, that generation is
// removed on open and applies nothing twice.
func TestCrashDuringSnapshotKeepsEveryRow(t *testing.T) {
	dir := t.TempDir()
	c := openTemp(t, dir, 3, Options{NoSync: true, SnapshotEvery: -1})
	applyRows(t, c, 0, 1000)
	if err := c.Snapshot(); err != nil {
		t.Fatal(err)
	}
	applyRows(t, c, 1000, 1500)
	release, wait := stallSnapshot(t, c, "records")
	within(t, "writes during a snapshot", release, func() { applyRows(t, c, 2500, 500) })
	gen := walGenFile(c.walGen)
	files := append(dataFiles(t, dir), snapshotFile, graphFile)
	mid := copyFiles(t, dir, files...)
	if !slices.Contains(dataFiles(t, mid), gen) {
		t.Fatalf("no WAL generation while the snapshot runs: %v", dataFiles(t, mid))
	}
	genCopy := copyFiles(t, dir, gen)
	release()
	if err := wait(); err != nil {
		t.Fatal(err)
	}

	r := openTemp(t, mid, 3, Options{NoSync: true})
	if r.Len() != 3000 {
		t.Fatalf("killed during the snapshot: %d rows, want 3000", r.Len())
	}
	r.Close()

	late := copyFiles(t, dir, snapshotFile, graphFile, "wal.log")
	copyFilesTo(t, genCopy, late, gen)
	r = openTemp(t, late, 3, Options{NoSync: true})
	if r.Len() != 3000 {
		t.Fatalf("killed before the old generation's removal: %d rows, want 3000", r.Len())
	}
	if slices.Contains(dataFiles(t, late), gen) {
		t.Errorf("the generation the snapshot holds was not removed: %v", dataFiles(t, late))
	}
}

// TestAutomaticSnapshotRunsInBackground: the snapshot that Apply starts
// every SnapshotEvery rows no longer holds up that Apply or the next
// ones while it writes; Close waits for it.
func TestAutomaticSnapshotRunsInBackground(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, 3, Options{NoSync: true, SnapshotEvery: 1500})
	if err != nil {
		t.Fatal(err)
	}
	stalled, resume := make(chan struct{}), make(chan struct{})
	stalls := 0
	c.snapshotWriting = func(stage string) {
		if stage == "records" && stalls == 0 {
			stalls++
			close(stalled)
			<-resume
		}
	}
	release := func() {
		select {
		case <-resume:
		default:
			close(resume)
		}
	}
	defer release()
	within(t, "the Apply that starts a snapshot", release, func() { applyRows(t, c, 0, 2000) })
	<-stalled
	within(t, "an Apply while it writes", release, func() { applyRows(t, c, 2000, 500) })
	release()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(dataFiles(t, dir), walGenFile(1)) {
		t.Error("Close returned before the snapshot removed the generation it holds")
	}
	r := openTemp(t, dir, 3, Options{NoSync: true})
	if r.Len() != 2500 {
		t.Fatalf("reopened: %d rows, want 2500", r.Len())
	}
}

// TestTruncateCorruptWALGeneration: a closed WAL generation that a
// crash left behind is replayed like the log, and damage in it is
// reported with its file and recovered with the same TruncateWAL option.
func TestTruncateCorruptWALGeneration(t *testing.T) {
	dir := t.TempDir()
	c := openTemp(t, dir, 3, Options{NoSync: true, SnapshotEvery: -1})
	for i := range 3 {
		applyRows(t, c, i*100, 100) // three frames
	}
	release, wait := stallSnapshot(t, c, "records")
	within(t, "writes during a snapshot", release, func() { applyRows(t, c, 300, 50) })
	gen := walGenFile(c.walGen)
	crashed := copyFiles(t, dir, gen, "wal.log")
	release()
	if err := wait(); err != nil {
		t.Fatal(err)
	}

	// Damage the second frame's payload.
	path := filepath.Join(crashed, gen)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first := 8 + int(binary.LittleEndian.Uint32(b[:4]))
	b[first+8+40] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(crashed, 3, Options{NoSync: true})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), gen) || !strings.Contains(err.Error(), fmt.Sprintf("frame at offset %d", first)) {
		t.Fatalf("open: %v, want corruption of %s at offset %d", err, gen, first)
	}
	r := openTemp(t, crashed, 3, Options{NoSync: true, TruncateWAL: true, TruncateWALAt: int64(first)})
	if r.Len() != 150 {
		t.Fatalf("after the cut: %d rows, want the first frame's 100 and the log's 50", r.Len())
	}
}

// TestRefreshWaitsWithoutHoldingWriters: a refresh that has to wait for
// a snapshot's graph write (it nudges graph vectors, which that write
// reads) waits before taking the writers' lock, so writes go on.
func TestRefreshWaitsWithoutHoldingWriters(t *testing.T) {
	c := openTemp(t, "", 3, Options{NoSync: true, SnapshotEvery: -1})
	applyRows(t, c, 0, 500)
	waitBuilt(t, c)
	release, wait := stallSnapshot(t, c, "graph")
	refreshed := make(chan error, 1)
	go func() {
		_, err := c.Refresh(context.Background(), []Span{{Off: 2, Len: 1}}, func(_ []map[string]any, vs [][]float32) error {
			for _, v := range vs {
				v[2] += 0.01
			}
			return nil
		})
		refreshed <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the refresh reach its wait
	within(t, "a write while a refresh waits for the graph write", release, func() { applyRows(t, c, 500, 10) })
	select {
	case err := <-refreshed:
		t.Fatalf("the refresh ended (%v) while the graph write stalled: it did not wait, and the test proves nothing", err)
	default:
	}
	release()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if c.Len() != 510 {
		t.Fatalf("%d rows, want 510", c.Len())
	}
}
