package mongo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// edgeVector holds values that a round trip through doubles or text could
// alter: negative zero, a NaN payload, subnormals, infinities, extremes.
func edgeVector() []float32 {
	return []float32{
		0, float32(math.Copysign(0, -1)), math.Float32frombits(0x7fc00001),
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)),
		0.1, -1.0 / 3,
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func scanAll(t *testing.T, s *Store, batch int) map[string]Doc {
	t.Helper()
	got := map[string]Doc{}
	err := s.Scan(testCtx(t, 60*time.Second), batch, func(docs []Doc) error {
		if len(docs) == 0 || len(docs) > batch {
			t.Errorf("Scan batch of %d, want 1..%d", len(docs), batch)
		}
		for _, d := range docs {
			if _, dup := got[d.ID]; dup {
				t.Errorf("Scan yielded %q twice", d.ID)
			}
			got[d.ID] = d
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return got
}

func TestUpsertScanRoundTrip(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	when := time.Date(2024, 3, 1, 12, 30, 0, 123e6, time.UTC)
	in := []Doc{
		{ID: "edge", Vector: edgeVector(), Version: 1, Fields: map[string]any{
			"title": "Kettle", "price": 499.5, "count": int64(12), "in_stock": true,
			"added_at": when, "tags": []any{"a", "b"}, "dims": map[string]any{"w": 1.5},
			"note": nil,
		}},
		{ID: "novec", Version: 3, Fields: map[string]any{"title": "No vector yet"}},
		{ID: "gone", Version: 2, Deleted: true, Vector: []float32{1}},
	}
	for i := range 7 {
		in = append(in, Doc{ID: fmt.Sprintf("p%02d", i), Version: 1, Vector: []float32{float32(i), -float32(i)},
			Fields: map[string]any{"i": int64(i)}})
	}
	before := time.Now().Add(-time.Second)
	if err := s.Upsert(ctx, in); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	got := scanAll(t, s, 3)
	if _, ok := got["gone"]; ok {
		t.Error("Scan yielded the deleted document")
	}
	if len(got) != len(in)-1 {
		t.Fatalf("Scan yielded %d documents, want %d", len(got), len(in)-1)
	}
	for _, want := range in {
		if want.Deleted {
			continue
		}
		g := got[want.ID]
		if !sameBits(g.Vector, want.Vector) {
			t.Errorf("%s: vector %v, want bit-identical %v", want.ID, g.Vector, want.Vector)
		}
		if !reflect.DeepEqual(g.Fields, want.Fields) {
			t.Errorf("%s: fields %#v, want %#v", want.ID, g.Fields, want.Fields)
		}
		if g.Version != want.Version || g.Deleted {
			t.Errorf("%s: version %d deleted %v, want %d false", want.ID, g.Version, g.Deleted, want.Version)
		}
		if g.UpdatedAt.Before(before) || g.UpdatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("%s: UpdatedAt %v not set to the write time", want.ID, g.UpdatedAt)
		}
	}
	n, err := s.Count(ctx)
	if err != nil || n != int64(len(in)-1) {
		t.Errorf("Count = %d, %v; want %d live documents", n, err, len(in)-1)
	}

	// A newer write without a vector removes the stored one.
	if err := s.Upsert(ctx, []Doc{{ID: "edge", Version: 2, Fields: map[string]any{"title": "Kettle 2"}}}); err != nil {
		t.Fatal(err)
	}
	if g := scanAll(t, s, 100)["edge"]; g.Vector != nil || g.Fields["title"] != "Kettle 2" {
		t.Errorf("after vectorless v2: vector %v fields %v, want nil and the new title", g.Vector, g.Fields)
	}
}

func TestUpsertIdempotent(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	docs := []Doc{
		{ID: "a", Version: 5, Vector: []float32{1, 2}, Fields: map[string]any{"x": "1"}},
		{ID: "b", Version: 5, Vector: []float32{3, 4}, Fields: map[string]any{"x": "2"}},
	}
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	first := scanAll(t, s, 10)
	time.Sleep(5 * time.Millisecond) // so a rewrite would get a later updated_at
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatalf("re-Upsert: %v", err)
	}
	second := scanAll(t, s, 10)
	if !reflect.DeepEqual(first, second) {
		t.Errorf("re-upserting the same versions changed the store:\n%v\n%v", first, second)
	}
	if n, _ := s.Count(ctx); n != 2 {
		t.Errorf("Count = %d after re-upsert, want 2", n)
	}
}

func TestUpsertStaleVersionIgnored(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 60*time.Second)
	if err := s.Upsert(ctx, []Doc{{ID: "a", Version: 2, Vector: []float32{2}, Fields: map[string]any{"v": "two"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Upsert(ctx, []Doc{{ID: "a", Version: 1, Vector: []float32{1}, Fields: map[string]any{"v": "one"}}}); err != nil {
		t.Fatalf("stale Upsert returned %v, want it silently ignored", err)
	}
	if g := scanAll(t, s, 10)["a"]; g.Version != 2 || g.Fields["v"] != "two" || !sameBits(g.Vector, []float32{2}) {
		t.Errorf("stale write overwrote: %+v", g)
	}
	// Both versions in one call, newer first: the newer still wins.
	err := s.Upsert(ctx, []Doc{
		{ID: "a", Version: 4, Fields: map[string]any{"v": "four"}},
		{ID: "a", Version: 3, Fields: map[string]any{"v": "three"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := scanAll(t, s, 10)["a"]; g.Version != 4 || g.Fields["v"] != "four" {
		t.Errorf("got %+v, want version 4", g)
	}
	// A stale tombstone does not delete a newer document either.
	if err := s.Upsert(ctx, []Doc{{ID: "a", Version: 3, Deleted: true}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx); n != 1 {
		t.Errorf("Count = %d after stale delete, want 1", n)
	}
}

func TestUpsertOverwritesThirdPartyDocWithoutVersion(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 30*time.Second)
	if _, err := s.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}, {Key: "title", Value: "raw"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Upsert(ctx, []Doc{{ID: "x", Version: 1, Vector: []float32{1}, Fields: map[string]any{"title": "clean"}}}); err != nil {
		t.Fatal(err)
	}
	if g := scanAll(t, s, 10)["x"]; g.Version != 1 || !reflect.DeepEqual(g.Fields, map[string]any{"title": "clean"}) {
		t.Errorf("got %+v, want Tessera's version 1 with only the fields subdocument", g)
	}
}

func TestUpsertRejectsEmptyID(t *testing.T) {
	s, _, _ := openTestStore(t)
	err := s.Upsert(testCtx(t, 10*time.Second), []Doc{{ID: "ok"}, {ID: ""}})
	if err == nil || !strings.Contains(err.Error(), "document 1") {
		t.Errorf("Upsert with empty ID: %v, want an error naming document 1", err)
	}
}

func TestOpenFingerprintMismatch(t *testing.T) {
	uri := mongoURI(t)
	db := uniqueDB(t, uri)
	ctx := testCtx(t, 30*time.Second)
	s, err := Open(ctx, uri, db, "docs", "schema-aaa")
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	s, err = Open(ctx, uri, db, "docs", "schema-aaa")
	if err != nil {
		t.Fatalf("reopen with the same fingerprint: %v", err)
	}
	s.Close(ctx)
	_, err = Open(ctx, uri, db, "docs", "schema-bbb")
	if !errors.Is(err, ErrSchemaMismatch) {
		t.Fatalf("Open with another fingerprint: %v, want ErrSchemaMismatch", err)
	}
	for _, want := range []string{"schema-aaa", "schema-bbb"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// Another collection in the same database is independent.
	s, err = Open(ctx, uri, db, "other", "schema-bbb")
	if err != nil {
		t.Fatalf("Open another collection: %v", err)
	}
	s.Close(ctx)
}

func TestOpenErrors(t *testing.T) {
	ctx := testCtx(t, 10*time.Second)
	if _, err := Open(ctx, "", "d", "c", "f"); err == nil {
		t.Error("empty URI accepted")
	}
	if _, err := Open(ctx, "mongodb://127.0.0.1:1/", "d", "c", ""); err == nil {
		t.Error("empty fingerprint accepted")
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := Open(short, "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", "d", "c", "f"); err == nil || !strings.Contains(err.Error(), "ping") {
		t.Errorf("Open on a closed port: %v, want a ping error", err)
	}
}

// TestUpsertBulk2000 writes 2,000 documents, then overwrites 400 of them: a
// single bulk write of that many updates of existing documents hangs
// FerretDB, so this proves the chunking. (Only 400 because FerretDB scans
// the collection for each updated _id.)
func TestUpsertBulk2000(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 120*time.Second)
	const n = 2000
	docs := make([]Doc, n)
	for i := range docs {
		v := make([]float32, 64)
		for j := range v {
			v[j] = float32(i*64 + j)
		}
		docs[i] = Doc{ID: fmt.Sprintf("d%05d", i), Version: 1, Vector: v, Fields: map[string]any{"i": int64(i)}}
	}
	t0 := time.Now()
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatalf("insert pass: %v", err)
	}
	t.Logf("insert pass: %v", time.Since(t0))
	t0 = time.Now()
	const updated = 400
	for i := range docs[:updated] {
		docs[i].Version = 2
		docs[i].Fields = map[string]any{"i": int64(i), "pass": int64(2)}
	}
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatalf("update pass: %v", err)
	}
	t.Logf("update pass: %v", time.Since(t0))
	got := scanAll(t, s, 256)
	if len(got) != n {
		t.Fatalf("Scan yielded %d, want %d", len(got), n)
	}
	for i, want := range docs {
		g := got[want.ID]
		if g.Version != want.Version || !reflect.DeepEqual(g.Fields, want.Fields) || !sameBits(g.Vector, want.Vector) {
			t.Fatalf("doc %d: %+v, want version %d of %s", i, g, want.Version, want.ID)
		}
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 30*time.Second)
	if err := s.Upsert(ctx, []Doc{{ID: "a"}, {ID: "b"}, {ID: "c"}}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	calls := 0
	err := s.Scan(ctx, 1, func([]Doc) error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("Scan = %v after %d calls, want boom after 1", err, calls)
	}
	if err := s.Scan(ctx, 0, func([]Doc) error { return nil }); err == nil {
		t.Error("Scan accepted batch 0")
	}
}

func TestStoreNowIncreases(t *testing.T) {
	s := Store{clock: &writeClock{}}
	prev := s.now()
	for range 1000 {
		t1 := s.now()
		if !t1.After(prev) {
			t.Fatalf("now() = %v after %v; want strictly increasing", t1, prev)
		}
		if t1.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("now() = %v has sub-millisecond digits BSON cannot keep", t1)
		}
		prev = t1
	}
}

var _ = context.Background
