package tessera_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/schemaplan"
)

// openStoreDB opens dir in store mode, following every 50 ms; schema ""
// uses the saved copy or the store's.
func openStoreDB(t *testing.T, dir, uri, schema string) *tessera.DB {
	t.Helper()
	o := tessera.Options{DataDir: dir, Store: uri, NoSync: true, FollowPoll: 50 * time.Millisecond}
	if schema != "" {
		o.Schema = []byte(schema)
	}
	db, err := tessera.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// follow runs db's store follower until stop is called.
func follow(t *testing.T, db *tessera.DB) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- db.Follower.Run(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("follower: %v", err)
			}
		})
	}
}

// storeCollections lists the collections of uri's database.
func storeCollections(t *testing.T, uri string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	u, _ := url.Parse(uri)
	names, err := c.Database(strings.Trim(u.Path, "/")).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// eventually retries check (which describes what is still wrong, or "")
// until it passes or 30 s have gone.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sortedIDs(vecs map[string][]float32) []string {
	ids := make([]string, 0, len(vecs))
	for id := range vecs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// vectorsDiffer describes the first difference between two vector sets,
// or returns "".
func vectorsDiffer(got, want map[string][]float32) string {
	if len(got) != len(want) {
		var extra, missing []string
		for id := range got {
			if _, ok := want[id]; !ok {
				extra = append(extra, id)
			}
		}
		for id := range want {
			if _, ok := got[id]; !ok {
				missing = append(missing, id)
			}
		}
		return fmt.Sprintf("%d documents, want %d: extra %v, missing %v", len(got), len(want), extra, missing)
	}
	for id, w := range want {
		g := got[id]
		if len(g) != len(w) {
			return fmt.Sprintf("%s: %d dims, want %d", id, len(g), len(w))
		}
		for k := range w {
			if d := g[k] - w[k]; d > 1e-5 || d < -1e-5 {
				return fmt.Sprintf("%s dim %d is %v, want %v", id, k, g[k], w[k])
			}
		}
	}
	return ""
}

// TestStoreApplyReplicaFollows applies a space-parameter change and then a
// weight change on instance A in store mode while replica B follows: B
// keeps answering during the build, writes made on both during the build
// are carried over, and afterwards both hold exactly the vectors of a
// fresh build with the new schema and answer with its scores. The old
// store generation is dropped, and B restarted without a schema adopts the
// store's.
func TestStoreApplyReplicaFollows(t *testing.T) {
	uri := mongoURI(t)
	ctx := context.Background()
	a, b, csv, bDir := storePair(t, uri, 120)
	defer a.Close()
	defer follow(t, a)()
	stopB := follow(t, b)

	// B answers throughout, from the old vectors and then the new.
	var failures atomic.Int64
	stopSearches := untilStopped(func() {
		resp, err := b.Engine.Search(ctx, query.Request{Text: "oak lamp", Limit: 5})
		if err != nil || len(resp.Results) == 0 {
			failures.Add(1)
		}
	})
	// Each call builds new events: the apply path may keep their maps.
	writeA := func() []ingest.Event {
		return []ingest.Event{
			{Op: ingest.OpUpsert, ID: "new-a", Fields: map[string]any{"title": "walnut desk", "price": "₹900", "kind": "desk"}},
			{Op: ingest.OpDelete, ID: "p002"},
		}
	}
	writeB := func() []ingest.Event {
		return []ingest.Event{{Op: ingest.OpReplace, ID: "new-b", Fields: map[string]any{"title": "wool rug", "price": "₹450", "kind": "rug"}}}
	}
	buildSearch := ""
	tessera.SetBeforeSwitch(a, func() {
		if _, err := a.Applier.Apply(ctx, writeA()); err != nil {
			t.Errorf("write on A during the build: %v", err)
		}
		if _, err := b.Applier.Apply(ctx, writeB()); err != nil {
			t.Errorf("write on B during the build: %v", err)
		}
		ids := searchIDs(t, b, query.Request{Text: "oak lamp", Limit: 3})
		if len(ids) == 0 {
			buildSearch = "replica found nothing during the build"
		}
	})
	next := strings.Replace(planShopSchema, "max: 1000", "max: 5000", 1)
	plan, err := a.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Cost != schemaplan.Reencode {
		t.Fatalf("plan %+v, want a re-encode", plan)
	}
	if buildSearch != "" {
		t.Error(buildSearch)
	}
	want := freshVectors(t, next, csv, append(writeA(), writeB()...)...)
	eventually(t, "A's vectors after apply", func() string { return vectorsDiffer(vectors(a), want) })
	// A replica encodes what it reads with its own encoder, whose category
	// slots it learned in the store's order: its vectors are the new
	// schema's encoding of the same documents, and it answers with the
	// same scores.
	eventually(t, "replica B after apply", func() string {
		if got := *b.Engine.Encoder().Schema().Spaces[1].Max; got != 5000 {
			return fmt.Sprintf("price max %v, want 5000", got)
		}
		if ids := fmt.Sprint(sortedIDs(vectors(b))); ids != fmt.Sprint(sortedIDs(want)) {
			return fmt.Sprintf("holds %s, want %s", ids, fmt.Sprint(sortedIDs(want)))
		}
		return ""
	})
	checkAllEncodedBy(t, b)

	searches := stopSearches()
	fresh := openDB(t, t.TempDir(), next)
	defer fresh.Close()
	ingestFile(t, fresh, csv)
	if _, err := fresh.Applier.Apply(ctx, append(writeA(), writeB()...)); err != nil {
		t.Fatal(err)
	}
	// The linear mix scores the stored vectors alone. The default ranking
	// also calibrates by its candidate pool, whose lexical part breaks
	// ties by slot, and slots differ between a rebuilt index and a fresh
	// one: equal vectors can then answer with slightly different scores.
	req := query.Request{Text: "soft steel desk", Weights: query.Weights{"price": 1, "title": 1}, Limit: 10, Rank: query.RankLinear}
	wantIDs := fmt.Sprint(searchIDs(t, fresh, req))
	if got := fmt.Sprint(searchIDs(t, a, req)); got != wantIDs {
		t.Fatalf("A answers\n%s\na fresh build answers\n%s", got, wantIDs)
	}
	if got := fmt.Sprint(searchIDs(t, b, req)); got != wantIDs {
		t.Fatalf("replica answers\n%s\na fresh build answers\n%s", got, wantIDs)
	}
	// Only the new generation is left.
	eventually(t, "store collections", func() string {
		got := storeCollections(t, uri)
		if len(got) != 2 || !strings.HasPrefix(got[0], "shop_gen_") || got[1] != "tessera_meta" {
			return fmt.Sprintf("collections %v, want the new generation and tessera_meta", got)
		}
		return ""
	})

	// A weight change: no new vectors, the replica follows at once.
	next2 := strings.Replace(next, "weight: 0.5", "weight: 2", 1)
	plan, err = a.ApplySchema(ctx, []byte(next2), tessera.ApplyOptions{})
	if err != nil || plan.Cost != schemaplan.Metadata {
		t.Fatalf("weight change: %v, plan %+v", err, plan)
	}
	eventually(t, "replica's price weight", func() string {
		if w := *b.Engine.Encoder().Schema().Spaces[1].Weight; w != 2 {
			return fmt.Sprintf("%v, want 2", w)
		}
		return ""
	})
	fresh2 := openDB(t, t.TempDir(), next2)
	defer fresh2.Close()
	ingestFile(t, fresh2, csv)
	if _, err := fresh2.Applier.Apply(ctx, append(writeA(), writeB()...)); err != nil {
		t.Fatal(err)
	}
	req2 := query.Request{Text: "soft steel desk", Rank: query.RankLinear, Limit: 10}
	wantIDs = fmt.Sprint(searchIDs(t, fresh2, req2))
	for name, db := range map[string]*tessera.DB{"A": a, "replica": b} {
		if got := fmt.Sprint(searchIDs(t, db, req2)); got != wantIDs {
			t.Fatalf("%s answers after the weight change\n%s\na fresh build answers\n%s", name, got, wantIDs)
		}
	}
	if d := vectorsDiffer(vectors(a), want); d != "" {
		t.Fatalf("a weight change changed vectors: %s", d)
	}
	if failures.Load() > 0 || searches == 0 {
		t.Fatalf("%d of %d replica searches failed during the changes", failures.Load(), searches)
	}

	// A write on the replica after the switch reaches A with new vectors.
	if _, err := b.Applier.Apply(ctx, []ingest.Event{{Op: ingest.OpReplace, ID: "after", Fields: map[string]any{"title": "linen rug", "price": "₹80", "kind": "rug"}}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replica's write on A", func() string {
		if _, ok := a.Applier.Collection().Get("after"); !ok {
			return "missing"
		}
		return ""
	})
	checkAllEncodedBy(t, a)

	// Restarted without a schema, B serves the store's.
	stopB()
	b.Close()
	b = openStoreDB(t, bDir, uri, "")
	defer b.Close()
	if got := *b.Engine.Encoder().Schema().Spaces[1].Weight; got != 2 {
		t.Fatalf("restarted replica's price weight %v, want 2", got)
	}
	checkAllEncodedBy(t, b)
}

// TestStoreReplicaAdoptsOnOpen: a replica that was down during a schema
// change (its saved schema and local index are the old ones) discards its
// index on open and rebuilds it from the new generation; given the old
// schema explicitly, it refuses, naming the way out.
func TestStoreReplicaAdoptsOnOpen(t *testing.T) {
	uri := mongoURI(t)
	ctx := context.Background()
	a, b, _, bDir := storePair(t, uri, 40)
	defer a.Close()
	b.Close()
	next := strings.Replace(planShopSchema, "max: 1000", "max: 3000", 1)
	if _, err := a.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := tessera.Open(ctx, tessera.Options{DataDir: bDir, Store: uri, Schema: []byte(planShopSchema), NoSync: true}); err == nil || !strings.Contains(err.Error(), "start without --schema to adopt it") {
		t.Fatalf("open with the replaced schema: %v, want a mismatch naming the way out", err)
	}
	b = openStoreDB(t, bDir, uri, "")
	defer b.Close()
	if got := *b.Engine.Encoder().Schema().Spaces[1].Max; got != 3000 {
		t.Fatalf("replica's price max %v after open, want 3000", got)
	}
	if got := fmt.Sprint(sortedIDs(vectors(b))); got != fmt.Sprint(sortedIDs(vectors(a))) {
		t.Fatalf("replica holds %s, want %s", got, fmt.Sprint(sortedIDs(vectors(a))))
	}
	checkAllEncodedBy(t, b)
}

// TestStoreApplyLocalSwitchFailureHeals: the store commits the new
// generation but the applying instance cannot switch its own index (its
// CURRENT file cannot be replaced): apply reports the error, and the
// instance's follower then rebuilds from the store like a replica.
func TestStoreApplyLocalSwitchFailureHeals(t *testing.T) {
	uri := mongoURI(t)
	ctx := context.Background()
	csv := writeShopCSV(t, 30)
	dir := t.TempDir()
	a := openStoreDB(t, dir, uri, planShopSchema)
	defer a.Close()
	ingestFile(t, a, csv)
	defer follow(t, a)()
	blocker := filepath.Join(dir, "CURRENT", "blocker") // a rename cannot replace a non-empty directory
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	next := strings.Replace(planShopSchema, "max: 1000", "max: 6000", 1)
	if _, err := a.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{}); err == nil {
		t.Fatal("apply succeeded although CURRENT could not be replaced")
	}
	if m := a.Store.Meta(); m.Schema != "" {
		t.Fatalf("after the failed local switch the store binding is %+v, want it marked behind", m)
	}
	if err := os.RemoveAll(filepath.Join(dir, "CURRENT")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the instance after its follower caught up", func() string {
		if got := *a.Engine.Encoder().Schema().Spaces[1].Max; got != 6000 {
			return fmt.Sprintf("price max %v, want 6000", got)
		}
		return ""
	})
	checkAllEncodedBy(t, a)
	if n := a.Applier.Collection().Len(); n != 30 {
		t.Fatalf("%d documents after the rebuild, want 30", n)
	}
}

// storePair stores a generated shop of rows rows through instance A and
// opens replica B (in bDir) on the same store; B must have rebuilt every
// row from it.
func storePair(t *testing.T, uri string, rows int) (a, b *tessera.DB, csv, bDir string) {
	t.Helper()
	csv = writeShopCSV(t, rows)
	a = openStoreDB(t, t.TempDir(), uri, planShopSchema)
	ingestFile(t, a, csv)
	bDir = t.TempDir()
	b = openStoreDB(t, bDir, uri, planShopSchema)
	if n := b.Applier.Collection().Len(); n != rows {
		t.Fatalf("replica rebuilt %d documents, want %d", n, rows)
	}
	return a, b, csv, bDir
}
