package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// batch is one Follow callback invocation.
type batch struct {
	docs []Doc
	cp   Checkpoint
}

// follow runs Follow in the background, sending batches to the returned
// channel; stop cancels it and returns Follow's error.
func follow(t *testing.T, s *Store, from Checkpoint) (<-chan batch, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan batch, 1000)
	done := make(chan error, 1)
	go func() {
		done <- s.Follow(ctx, from, 20*time.Millisecond, func(_ context.Context, docs []Doc, cp Checkpoint) error {
			ch <- batch{docs, cp}
			return nil
		})
	}()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Follow did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return ch, stop
}

// next waits for the next batch.
func next(t *testing.T, ch <-chan batch) batch {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(15 * time.Second):
		t.Fatal("no batch from Follow within 15s")
		return batch{}
	}
}

// quiet asserts that no batch arrives for a while.
func quiet(t *testing.T, ch <-chan batch) {
	t.Helper()
	select {
	case b := <-ch:
		t.Fatalf("unexpected batch: %+v", b.docs)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestFollowPollingSeesDirectWrites(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	ch, stop := follow(t, s, Checkpoint{})
	quiet(t, ch) // empty collection

	// A third party inserts with top-level fields and no vector.
	if _, err := s.coll.InsertOne(ctx, bson.D{
		{Key: "_id", Value: "ext-1"}, {Key: "title", Value: "Mixer"}, {Key: "price", Value: 120.0},
		{Key: "updated_at", Value: time.Now()},
	}); err != nil {
		t.Fatal(err)
	}
	b := next(t, ch)
	if len(b.docs) != 1 {
		t.Fatalf("got %d docs, want the inserted one", len(b.docs))
	}
	d := b.docs[0]
	if d.ID != "ext-1" || d.Vector != nil || !reflect.DeepEqual(d.Fields, map[string]any{"title": "Mixer", "price": 120.0}) {
		t.Errorf("insert seen as %+v", d)
	}

	// It then updates the document, stamping updated_at on the server.
	time.Sleep(2 * time.Millisecond)
	if _, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "ext-1"}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "price", Value: 99.0}}},
		{Key: "$currentDate", Value: bson.D{{Key: "updated_at", Value: true}}},
	}); err != nil {
		t.Fatal(err)
	}
	b = next(t, ch)
	if len(b.docs) != 1 || b.docs[0].Fields["price"] != 99.0 {
		t.Fatalf("update seen as %+v, want price 99", b.docs)
	}

	// Tessera's own writes, including a tombstone, come through too.
	if err := s.Upsert(ctx, []Doc{{ID: "t-1", Version: 1, Vector: []float32{1, 2}}, {ID: "t-2", Version: 1, Deleted: true}}); err != nil {
		t.Fatal(err)
	}
	b = next(t, ch)
	got := map[string]Doc{}
	for _, d := range b.docs {
		got[d.ID] = d
	}
	if len(got) != 2 || !sameBits(got["t-1"].Vector, []float32{1, 2}) || !got["t-2"].Deleted {
		t.Fatalf("Tessera writes seen as %+v", b.docs)
	}
	quiet(t, ch)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Follow returned %v after cancel, want context.Canceled", err)
	}

	// Resuming from the last checkpoint repeats nothing and sees what follows.
	ch, stop = follow(t, s, b.cp)
	quiet(t, ch)
	if err := s.Upsert(ctx, []Doc{{ID: "t-3", Version: 1}}); err != nil {
		t.Fatal(err)
	}
	b = next(t, ch)
	if len(b.docs) != 1 || b.docs[0].ID != "t-3" {
		t.Fatalf("after resume got %+v, want only t-3", b.docs)
	}
	quiet(t, ch)
	stop()
}

// TestFollowPollingTies stores more documents with one updated_at than a
// poll batch holds, and resumes from a checkpoint taken inside the tie.
func TestFollowPollingTies(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	tie := time.Now().UTC().Truncate(time.Millisecond)
	const n = followBatch + 150
	docs := make([]any, n)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("k%04d", i)}, {Key: "fields", Value: bson.D{{Key: "i", Value: i}}}, {Key: "updated_at", Value: tie}}
	}
	if _, err := s.coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	ch, stop := follow(t, s, Checkpoint{})
	seen := map[string]int{}
	var first Checkpoint
	for len(seen) < n {
		b := next(t, ch)
		if first.UpdatedAt.IsZero() {
			first = b.cp
		}
		for _, d := range b.docs {
			seen[d.ID]++
			if seen[d.ID] > 1 {
				t.Fatalf("%s yielded twice", d.ID)
			}
		}
	}
	quiet(t, ch)
	stop()
	if !first.UpdatedAt.Equal(tie) || len(first.LastIDs) != followBatch {
		t.Fatalf("first checkpoint %v with %d ids, want the tie time with %d ids", first.UpdatedAt, len(first.LastIDs), followBatch)
	}

	// From the first batch's checkpoint, exactly the rest comes.
	ch, stop = follow(t, s, first)
	rest := map[string]bool{}
	for len(rest) < n-followBatch {
		for _, d := range next(t, ch).docs {
			if rest[d.ID] {
				t.Fatalf("%s yielded twice after resume", d.ID)
			}
			rest[d.ID] = true
		}
	}
	quiet(t, ch)
	stop()
	for _, id := range first.LastIDs {
		if rest[id] {
			t.Fatalf("%s from the checkpoint's LastIDs was repeated", id)
		}
	}
}

func TestFollowCallbackErrorStops(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 30*time.Second)
	if err := s.Upsert(ctx, []Doc{{ID: "a"}}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := s.Follow(ctx, Checkpoint{}, 10*time.Millisecond, func(context.Context, []Doc, Checkpoint) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("Follow = %v, want boom", err)
	}
	if err := s.Follow(ctx, Checkpoint{}, 0, nil); err == nil {
		t.Error("Follow accepted a nil callback")
	}
}

// TestFollowChangeStream exercises Watch where the server has change
// streams (a replica set); FerretDB and standalone servers skip it.
func TestFollowChangeStream(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	cs, err := s.watch(ctx, nil)
	if streamsUnsupported(err) {
		t.Skipf("server has no change streams (FerretDB, standalone mongod): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	cs.Close(ctx)

	if err := s.Upsert(ctx, []Doc{{ID: "before", Version: 1}}); err != nil {
		t.Fatal(err)
	}
	ch, stop := follow(t, s, Checkpoint{})
	if b := next(t, ch); len(b.docs) != 1 || b.docs[0].ID != "before" || b.cp.ResumeToken != nil {
		t.Fatalf("catch-up batch %+v, want 'before' without a resume token", b)
	}
	if err := s.Upsert(ctx, []Doc{{ID: "after", Version: 1, Vector: []float32{3}}}); err != nil {
		t.Fatal(err)
	}
	b := next(t, ch)
	if len(b.docs) != 1 || b.docs[0].ID != "after" || b.cp.ResumeToken == nil {
		t.Fatalf("stream batch %+v, want 'after' with a resume token", b)
	}
	if _, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: "after"}}); err != nil {
		t.Fatal(err)
	}
	del := next(t, ch)
	if len(del.docs) != 1 || !del.docs[0].Deleted || del.docs[0].ID != "after" {
		t.Fatalf("hard delete seen as %+v", del.docs)
	}
	stop()
	ch, stop = follow(t, s, b.cp)
	if again := next(t, ch); len(again.docs) != 1 || again.docs[0].ID != "after" || !again.docs[0].Deleted {
		t.Fatalf("resume from token yielded %+v, want only the delete", again.docs)
	}
	stop()
}

func TestCheckpointJSONRoundTrip(t *testing.T) {
	cp := Checkpoint{
		ResumeToken: bson.Raw(mustMarshal(t, bson.D{{Key: "_data", Value: "82650A"}})),
		UpdatedAt:   time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC),
		LastIDs:     []string{"a", "b"},
	}
	data, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var back Checkpoint
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cp) {
		t.Errorf("round trip %s gave %+v, want %+v", data, back, cp)
	}
}

func TestCheckpointObserve(t *testing.T) {
	t0 := time.UnixMilli(1000).UTC()
	var cp Checkpoint
	cp.observe("a", t0)
	cp.observe("b", t0)
	cp.observe("a", t0) // seen again at the same time: no duplicate
	cp.observe("z", time.Time{})
	if !cp.UpdatedAt.Equal(t0) || !reflect.DeepEqual(cp.LastIDs, []string{"a", "b"}) {
		t.Fatalf("after ties: %+v", cp)
	}
	cp.observe("c", t0.Add(time.Millisecond))
	cp.observe("d", t0) // older: no change
	if !reflect.DeepEqual(cp.LastIDs, []string{"c"}) || !cp.UpdatedAt.Equal(t0.Add(time.Millisecond)) {
		t.Fatalf("after newer: %+v", cp)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
