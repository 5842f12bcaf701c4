package mongo

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
)

// scanIDs reads the bound generation's live documents by ID.
func scanIDs(t *testing.T, s *Store) map[string]Doc {
	t.Helper()
	return scanAll(t, s, 100)
}

// TestGenerationSwitch: a new generation is filled while the old one stays
// active; the commit is one compare-and-set of the meta document that a
// second Store still bound to the old generation loses (ErrMetaChanged);
// a Store dialled afterwards binds to the new generation, and the next
// NewGeneration drops the leftovers.
func TestGenerationSwitch(t *testing.T) {
	s, uri, db := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	if err := s.Upsert(ctx, []Doc{{ID: "a", Fields: map[string]any{"n": 1.0}, Vector: []float32{1, 0}}}); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, uri, db, "docs", "fp-1")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())

	gen, err := s.NewGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Fill(ctx, []Doc{{ID: "a", Fields: map[string]any{"n": 1.0}, Vector: []float32{1, 0, 0}}}); err != nil {
		t.Fatal(err)
	}
	if got := scanIDs(t, s)["a"].Vector; len(got) != 2 {
		t.Fatalf("the active generation changed before the commit: %v", got)
	}
	if err := s.CommitGeneration(ctx, Meta{Generation: gen.Generation(), Fingerprint: "fp-2", Schema: "schema two"}); err != nil {
		t.Fatal(err)
	}
	if got := scanIDs(t, s)["a"].Vector; len(got) != 3 {
		t.Fatalf("after the commit the store reads %v, want the new generation's vector", got)
	}
	if err := other.CommitGeneration(ctx, Meta{Fingerprint: "fp-3", Schema: "schema three"}); !errors.Is(err, ErrMetaChanged) {
		t.Fatalf("a commit from the replaced generation: %v, want ErrMetaChanged", err)
	}
	if _, err := other.NewGeneration(ctx); !errors.Is(err, ErrMetaChanged) {
		t.Fatalf("a new generation from an instance behind the store: %v, want ErrMetaChanged", err)
	}
	late, err := dial(ctx, uri, db, "docs")
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close(context.Background())
	if m := late.Meta(); m.Generation != gen.Generation() || m.Fingerprint != "fp-2" || m.Schema != "schema two" {
		t.Fatalf("a store dialled after the switch binds %+v", m)
	}
	if err := late.Init(ctx, "fp-1", ""); !errors.Is(err, ErrSchemaMismatch) {
		t.Fatalf("the replaced fingerprint: %v, want ErrSchemaMismatch", err)
	}
	// An unfinished generation and the replaced one go with the next change.
	if _, err := s.NewGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, "docs") || !slices.Contains(names, gen.Generation()) || len(names) != 3 {
		t.Fatalf("collections %v: want the active generation, the new one and tessera_meta", names)
	}
}

// TestCarryLateKeepsNewerWrites: writes made to a replaced generation after
// the switch are copied into the new one without vectors, unless the new
// one already holds a later write of the document.
func TestCarryLateKeepsNewerWrites(t *testing.T) {
	s, uri, db := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	writer, err := Open(ctx, uri, db, "docs", "fp-1") // another instance, still on the old generation
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close(context.Background())
	start := time.Now()
	gen, err := s.NewGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Fill(ctx, []Doc{{ID: "kept", Fields: map[string]any{"v": "new"}, Vector: []float32{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitGeneration(ctx, Meta{Generation: gen.Generation(), Fingerprint: "fp-2", Schema: "two"}); err != nil {
		t.Fatal(err)
	}
	// After the switch: the writer, not knowing, writes to the old
	// generation; this instance writes "kept" again on the new one last.
	if err := writer.Upsert(ctx, []Doc{{ID: "late", Fields: map[string]any{"v": "late"}, Vector: []float32{9}}, {ID: "kept", Fields: map[string]any{"v": "old"}, Vector: []float32{9}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Upsert(ctx, []Doc{{ID: "kept", Fields: map[string]any{"v": "newest"}, Vector: []float32{2}}}); err != nil {
		t.Fatal(err)
	}
	n, err := s.CarryLate(ctx, "docs", start, 100*time.Millisecond, 20*time.Millisecond)
	if err != nil || n != 2 {
		t.Fatalf("CarryLate: %d, %v; want the 2 late writes read", n, err)
	}
	got := scanIDs(t, s)
	if d := got["late"]; d.Fields["v"] != "late" || d.Vector != nil {
		t.Fatalf("late write in the new generation: %+v, want its fields without a vector", d)
	}
	if d := got["kept"]; d.Fields["v"] != "newest" || len(d.Vector) != 1 || d.Vector[0] != 2 {
		t.Fatalf("a later write was undone by the copy: %+v", d)
	}
	if err := s.DropGeneration(ctx, gen.Generation()); err == nil {
		t.Fatal("dropped the active generation")
	}
	if err := s.DropGeneration(ctx, "docs"); err != nil {
		t.Fatal(err)
	}
}

// TestSinkEchoIsSkippedAndVectorsFollowTheFingerprint: the follower does
// not hand back this process's own Sink writes (re-applying an old one
// could undo a newer local write), but does hand back others' writes; a
// Sink whose encoder is not the bound generation's writes no vectors.
func TestSinkEchoIsSkippedAndVectorsFollowTheFingerprint(t *testing.T) {
	s, uri, db := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	other, err := Open(ctx, uri, db, "docs", "fp-1")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	fp := "fp-1"
	sink := Sink{Store: s, Fingerprint: func() string { return fp }}
	if err := writeRecords(ctx, sink, "own", []float32{1}); err != nil {
		t.Fatal(err)
	}
	if err := other.Upsert(ctx, []Doc{{ID: "theirs", Fields: map[string]any{}, Vector: []float32{2}}}); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var seen []string
	err = s.Follow(fctx, Checkpoint{}, 20*time.Millisecond, func(_ context.Context, docs []Doc, _ Checkpoint) error {
		for _, d := range docs {
			seen = append(seen, d.ID)
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || !slices.Equal(seen, []string{"theirs"}) {
		t.Fatalf("follow saw %v (%v), want only the other writer's document", seen, err)
	}
	fp = "fp-old"
	if err := writeRecords(ctx, sink, "stale", []float32{3}); err != nil {
		t.Fatal(err)
	}
	if d := scanIDs(t, s)["stale"]; d.Vector != nil {
		t.Fatalf("a vector of another schema reached the store: %v", d.Vector)
	}
}

func writeRecords(ctx context.Context, sink Sink, id string, vec []float32) error {
	return sink.Write(ctx, []index.Record{{ID: id, Fields: map[string]any{"v": id}, Vector: vec}})
}

// TestUpsertUnversionedReplaces: as in the local index, an unversioned
// write (version 0) replaces the stored document, so an update or a delete
// made without versions reaches the store; versioned writes stay
// last-writer-wins.
func TestUpsertUnversionedReplaces(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 30*time.Second)
	steps := []struct {
		doc  Doc
		want string
	}{
		{Doc{ID: "a", Fields: map[string]any{"v": "one"}}, "one"},
		{Doc{ID: "a", Fields: map[string]any{"v": "two"}}, "two"},
		{Doc{ID: "a", Fields: map[string]any{"v": "five"}, Version: 5}, "five"},
		{Doc{ID: "a", Fields: map[string]any{"v": "four"}, Version: 4}, "five"},
		{Doc{ID: "a", Fields: map[string]any{"v": "unversioned"}}, "unversioned"},
	}
	for i, st := range steps {
		if err := s.Upsert(ctx, []Doc{st.doc}); err != nil {
			t.Fatal(err)
		}
		if got := scanIDs(t, s)["a"].Fields["v"]; got != st.want {
			t.Fatalf("step %d: stored %v, want %v", i, got, st.want)
		}
	}
	if err := s.Upsert(ctx, []Doc{{ID: "a", Deleted: true}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := scanIDs(t, s)["a"]; ok {
		t.Fatal("an unversioned delete did not reach the store")
	}
}

// recordingApplier is the follower's applier in these tests: it records
// the IDs it was given.
type recordingApplier struct{ ids chan string }

func (r recordingApplier) ApplyStored(_ context.Context, _ string, docs []ingest.StoredDoc) ([]ingest.Result, error) {
	for _, d := range docs {
		r.ids <- d.ID
	}
	return nil, nil
}

// TestFollowerSeesItselfMarkedBehind: an instance's own commit moves its
// follower to the new generation; when the instance then fails its local
// switch and marks itself behind (bound to the generation without its
// schema), the follower must still call OnSchemaChange. It used to compare
// the meta document only with the binding it started following, which
// already matched, and never rebuilt (a CI failure of
// TestStoreApplyLocalSwitchFailureHeals).
func TestFollowerSeesItselfMarkedBehind(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	applied := recordingApplier{ids: make(chan string, 16)}
	changes := make(chan Meta, 4)
	f := &Follower{Applier: applied, Store: s, Checkpoint: filepath.Join(t.TempDir(), "checkpoint"), Poll: 20 * time.Millisecond,
		OnSchemaChange: func(_ context.Context, m Meta) error {
			s.Bind(m)
			changes <- m
			return nil
		}}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	gen, err := s.NewGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := Meta{Generation: gen.Generation(), Fingerprint: "fp-2", Schema: "schema two"}
	if err := s.CommitGeneration(ctx, next); err != nil {
		t.Fatal(err)
	}
	// A write to the new generation reaching the applier shows the
	// follower now follows it.
	if err := s.Upsert(ctx, []Doc{{ID: "after-commit", Fields: map[string]any{"n": 1.0}}}); err != nil {
		t.Fatal(err)
	}
	for id := ""; id != "after-commit"; {
		select {
		case id = <-applied.ids:
		case m := <-changes:
			t.Fatalf("OnSchemaChange(%+v) for the instance's own commit", m)
		case <-ctx.Done():
			t.Fatal("the follower never applied the write made after the commit")
		}
	}
	s.Bind(Meta{Recorded: true, Generation: gen.Generation()}) // the local switch failed
	select {
	case m := <-changes:
		if m.Schema != "schema two" || m.Generation != gen.Generation() {
			t.Fatalf("OnSchemaChange(%+v), want the committed generation and schema", m)
		}
	case <-ctx.Done():
		t.Fatal("the follower never called OnSchemaChange for an instance marked behind")
	}
}

// TestEchoSkipsOlderStatesOfOwnWrites: a poll may read a document just
// before this process writes it again (a delete); that older state, read
// back after the newer local write, is skipped like the echo itself,
// while a later write (another process's) is not.
func TestEchoSkipsOlderStatesOfOwnWrites(t *testing.T) {
	var c writeClock
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c.remember([]string{"p"}, t0)
	c.remember([]string{"p"}, t0.Add(time.Second)) // written again: a delete
	if !c.echo(Doc{ID: "p", UpdatedAt: t0}) {
		t.Error("the first write's state, read back after the second, was not skipped")
	}
	if c.echo(Doc{ID: "p", UpdatedAt: t0.Add(2 * time.Second)}) {
		t.Error("a later write was taken for an echo")
	}
	if !c.echo(Doc{ID: "p", UpdatedAt: t0.Add(time.Second)}) {
		t.Error("the latest own write's echo was not skipped")
	}
	if c.echo(Doc{ID: "p", UpdatedAt: t0}) {
		t.Error("an old state was skipped after the latest echo was seen and forgotten")
	}
	if c.echo(Doc{ID: "q", UpdatedAt: t0}) {
		t.Error("a document this process never wrote was taken for an echo")
	}
}
