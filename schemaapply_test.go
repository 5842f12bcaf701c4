package tessera_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/dbtest"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/schemaplan"
)

const planShopSchema = `
name: shop
id: id
fields:
  id:    {type: text}
  title: {type: text}
  price: {type: number, format: money}
  kind:  {type: category}
spaces:
  - {name: title, kind: text,     field: title}
  - {name: price, kind: number,   field: price, min: 0, max: 1000, mode: minimum, weight: 0.5}
  - {name: kind,  kind: category, field: kind, max_categories: 8}
filters: [price, kind]
`

// writeShopCSV writes n rows whose prices, kinds and titles vary.
func writeShopCSV(t *testing.T, n int) string {
	t.Helper()
	kinds := []string{"lamp", "chair", "desk", "rug"}
	words := []string{"oak", "steel", "blue", "soft", "tall", "round", "linen", "brass"}
	var b strings.Builder
	b.WriteString("id,title,price,kind\n")
	for i := range n {
		fmt.Fprintf(&b, "p%03d,%s %s %s,₹%d,%s\n", i, words[i%8], words[(i/3)%8], kinds[i%4], 50+i*37%3000, kinds[(i/2)%4])
	}
	p := filepath.Join(t.TempDir(), "shop.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func openDB(t *testing.T, dir, schema string) *tessera.DB {
	t.Helper()
	o := tessera.Options{DataDir: dir, NoSync: true}
	if schema != "" {
		o.Schema = []byte(schema)
	}
	db, err := tessera.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func ingestFile(t *testing.T, db *tessera.DB, path string) {
	t.Helper()
	sum, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{})
	if err != nil || sum.Rejected > 0 {
		t.Fatalf("ingest %s: %v %+v", path, err, sum)
	}
}

// vectors reads every stored vector by id.
func vectors(db *tessera.DB) map[string][]float32 {
	out := map[string][]float32{}
	db.Applier.Collection().Each(func(r index.Record) bool {
		out[r.ID] = r.Vector
		return true
	})
	return out
}

// sameVectors fails unless got and want hold the same ids with vectors
// equal to float32 rounding (copied parts are rescaled, not re-encoded).
func sameVectors(t *testing.T, got, want map[string][]float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d documents, want %d", len(got), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok || len(g) != len(w) {
			t.Fatalf("%s: vector of %d dims (present %v), want %d", id, len(g), ok, len(w))
		}
		for k := range w {
			if math.Abs(float64(g[k]-w[k])) > 1e-5 {
				t.Fatalf("%s: dim %d is %v, want %v", id, k, g[k], w[k])
			}
		}
	}
}

// freshVectors ingests the file into a new directory with schema.
func freshVectors(t *testing.T, schema, csv string, events ...ingest.Event) map[string][]float32 {
	t.Helper()
	db := openDB(t, t.TempDir(), schema)
	defer db.Close()
	ingestFile(t, db, csv)
	if len(events) > 0 {
		if _, err := db.Applier.Apply(context.Background(), events); err != nil {
			t.Fatal(err)
		}
	}
	return vectors(db)
}

// TestApplyReencodesOnlyTheChangedSpace: a number space's max changes; the
// plan re-encodes that space only, and after apply (and after a restart)
// every vector equals a fresh ingest of the file with the new schema.
func TestApplyReencodesOnlyTheChangedSpace(t *testing.T) {
	ctx := context.Background()
	csv := writeShopCSV(t, 120)
	dir := t.TempDir()
	db := openDB(t, dir, planShopSchema)
	ingestFile(t, db, csv)
	next := strings.Replace(planShopSchema, "max: 1000", "max: 5000", 1)
	plan, err := db.PlanSchema([]byte(next))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Cost != schemaplan.Reencode || len(plan.Reencode) != 1 || plan.Reencode[0] != "price" || len(plan.Changes) != 1 || plan.Changes[0].Path != "spaces.price" {
		t.Fatalf("plan %+v, want one change re-encoding price", plan)
	}
	var progress []int
	old := db.Applier.Collection()
	tessera.SetReleaseGrace(db, 0)
	if _, err := db.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{PlanID: plan.ID, Progress: func(done, total int) { progress = append(progress, done) }}); err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 120 {
		t.Errorf("progress %v, want it to end at 120", progress)
	}
	want := freshVectors(t, next, csv)
	sameVectors(t, vectors(db), want)
	// The replaced index's memory is released after the grace period.
	for i := 0; old.Len() != 0; i++ {
		if i == 500 {
			t.Fatalf("the replaced index still holds %d documents", old.Len())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The engine answers with the new encoder: a price query on the new
	// scale.
	if got := db.Engine.Encoder().Schema().Spaces[1].Max; got == nil || *got != 5000 {
		t.Fatalf("engine's price max %v, want 5000", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	if string(saved) != next {
		t.Fatalf("saved schema is not the applied one:\n%s", saved)
	}
	cur, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if _, err := os.Stat(filepath.Join(dir, "index")); !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(string(cur), "index-") {
		t.Fatalf("CURRENT %q, old index dir: %v; want the old index gone and CURRENT naming the new", cur, err)
	}
	db = openDB(t, dir, "")
	defer db.Close()
	sameVectors(t, vectors(db), want)
}

// TestApplyAddsAndRemovesSpaces: dimensions change; the copied parts are
// rescaled and the added space encoded, exactly as a fresh ingest would.
func TestApplyAddsAndRemovesSpaces(t *testing.T) {
	csv := writeShopCSV(t, 60)
	db := openDB(t, t.TempDir(), planShopSchema)
	defer db.Close()
	ingestFile(t, db, csv)
	next := strings.Replace(planShopSchema, "  - {name: kind,  kind: category, field: kind, max_categories: 8}\n",
		"  - {name: near, kind: number, field: price, min: 0, max: 3000, mode: similar}\n", 1)
	plan, err := db.ApplySchema(context.Background(), []byte(next), tessera.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Cost != schemaplan.Reencode || strings.Join(plan.Reencode, ",") != "near" {
		t.Fatalf("plan %+v, want near re-encoded", plan)
	}
	sameVectors(t, vectors(db), freshVectors(t, next, csv))
	if db.Applier.Collection().Dim() != db.Engine.Encoder().Dim() {
		t.Fatalf("collection %d dims, encoder %d", db.Applier.Collection().Dim(), db.Engine.Encoder().Dim())
	}
}

// TestApplyMetadataOnly: a default weight changes no vector: the same
// index keeps serving, searches use the new weight at once, and serve
// --schema with only such a change is no longer refused.
func TestApplyMetadataOnly(t *testing.T) {
	ctx := context.Background()
	csv := writeShopCSV(t, 40)
	dir := t.TempDir()
	db := openDB(t, dir, planShopSchema)
	ingestFile(t, db, csv)
	before := vectors(db)
	coll := db.Applier.Collection()
	next := strings.Replace(planShopSchema, "weight: 0.5", "weight: 2", 1) + "queries:\n  cheap: {weights: {price: 3}}\n"
	plan, err := db.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Cost != schemaplan.Metadata || len(plan.Changes) != 2 {
		t.Fatalf("plan %+v, want two metadata changes", plan)
	}
	if db.Applier.Collection() != coll {
		t.Fatal("a metadata change replaced the collection")
	}
	resp, err := db.Engine.Search(ctx, query.Request{Text: "oak lamp", Rank: query.RankLinear})
	if err != nil || len(resp.Results) == 0 {
		t.Fatalf("search after apply: %v", err)
	}
	if w := *db.Engine.Encoder().Schema().Spaces[1].Weight; w != 2 {
		t.Fatalf("price weight %v, want 2", w)
	}
	if _, ok := db.Engine.Encoder().Schema().Queries["cheap"]; !ok {
		t.Fatal("the new query template is not served")
	}
	sameVectors(t, vectors(db), before)
	db.Close()
	// Opening with a schema that differs only in weights is accepted;
	// one that changes vectors is refused, naming the plan command.
	db = openDB(t, dir, strings.Replace(next, "weight: 2", "weight: 3", 1))
	db.Close()
	_, err = tessera.Open(ctx, tessera.Options{DataDir: dir, Schema: []byte(strings.Replace(next, "max: 1000", "max: 10", 1)), NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "tessera plan --data "+dir) {
		t.Fatalf("open with a vector-changing schema: %v, want a refusal naming tessera plan", err)
	}
}

// TestApplyRefusesWhatNeedsSourceRows: a field's cleaning and a new field
// cannot be applied from stored values; nothing changes.
func TestApplyRefusesWhatNeedsSourceRows(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, planShopSchema)
	defer db.Close()
	ingestFile(t, db, writeShopCSV(t, 10))
	for _, tc := range []struct{ from, to, path string }{
		{"{type: number, format: money}", "{type: number}", "fields.price"},
		{"  kind:  {type: category}\n", "  kind:  {type: category}\n  brand: {type: category}\n", "fields.brand"},
		{"id: id\n", "id: title\n", "id"},
	} {
		next := strings.Replace(planShopSchema, tc.from, tc.to, 1)
		_, err := db.ApplySchema(context.Background(), []byte(next), tessera.ApplyOptions{})
		var re *schemaplan.RefusalError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "needs the source rows") || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: error %v, want a refusal naming %s", tc.path, err, tc.path)
		}
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	if string(saved) != planShopSchema {
		t.Fatal("a refused plan changed the saved schema")
	}
	if _, err := db.ApplySchema(context.Background(), []byte(strings.Replace(planShopSchema, "max: 1000", "max: 9", 1)), tessera.ApplyOptions{PlanID: "not-the-plan"}); !errors.Is(err, schemaplan.ErrPlanChanged) {
		t.Fatalf("apply of a stale plan: %v, want ErrPlanChanged", err)
	}
}

// TestApplyCarriesWritesMadeDuringTheBuild: writes that commit after the
// new index is built but before the switch (inserts, updates, deletes)
// are in the new index, encoded for the new schema; searches answer
// meanwhile from the old index.
func TestApplyCarriesWritesMadeDuringTheBuild(t *testing.T) {
	ctx := context.Background()
	csv := writeShopCSV(t, 80)
	db := openDB(t, t.TempDir(), planShopSchema)
	defer db.Close()
	ingestFile(t, db, csv)
	events := []ingest.Event{
		{Op: ingest.OpUpsert, ID: "new-1", Fields: map[string]any{"title": "walnut desk", "price": "₹900", "kind": "desk"}},
		{Op: ingest.OpUpsert, ID: "p001", Fields: map[string]any{"price": "₹1999"}},
		{Op: ingest.OpDelete, ID: "p002"},
		{Op: ingest.OpUpsert, ID: "new-2", Fields: map[string]any{"title": "wool rug", "price": "₹450", "kind": "mat"}},
	}
	searched := false
	tessera.SetBeforeSwitch(db, func() {
		if res, err := db.Applier.Apply(ctx, events); err != nil || res[0].Status != ingest.StatusApplied {
			t.Errorf("write during the build: %v %+v", err, res)
		}
		resp, err := db.Engine.Search(ctx, query.Request{Text: "walnut desk", Limit: 1})
		searched = err == nil && len(resp.Results) == 1 && resp.Results[0].ID == "new-1"
	})
	next := strings.Replace(planShopSchema, "max: 1000", "max: 4000", 1)
	if _, err := db.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if !searched {
		t.Error("a search during the build did not find the document just written to the old index")
	}
	sameVectors(t, vectors(db), freshVectors(t, next, csv, events...))
	if _, ok := db.Applier.Collection().Get("p002"); ok {
		t.Fatal("a document deleted during the build came back")
	}
	// Deletions carry over: a stale versioned write for a deleted
	// document stays refused.
	if _, err := db.Applier.Apply(ctx, []ingest.Event{{Op: ingest.OpDelete, ID: "p010", Version: 5}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplySchema(ctx, []byte(strings.Replace(next, "max: 4000", "max: 4500", 1)), tessera.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if res, err := db.Applier.Apply(ctx, []ingest.Event{{Op: ingest.OpUpsert, ID: "p010", Version: 4, Fields: map[string]any{"title": "stale", "price": "1", "kind": "lamp"}}}); err != nil || res[0].Status != ingest.StatusStale {
		t.Fatalf("a write older than a delete made before the apply: %v %+v, want stale", err, res)
	}
	// A write after the switch goes to the new index through the old
	// applier pointer that the stream and the web server hold.
	if _, err := db.Applier.Apply(ctx, []ingest.Event{{Op: ingest.OpUpsert, ID: "after", Fields: map[string]any{"title": "x", "price": "1", "kind": "lamp"}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := db.Applier.Collection().Get("after"); !ok {
		t.Fatal("a write after the switch is missing")
	}
}

// TestApplyOnlineAmazonProducts applies a price-space change to the real
// catalogue while searches and writes run, under -race: no search fails,
// and afterwards every stored vector is the new schema's encoding of its
// stored fields.
func TestApplyOnlineAmazonProducts(t *testing.T) {
	if testing.Short() {
		t.Skip("about 30 s under -race: skipped with -short")
	}
	csv := sharedtest.Path(t, "amazon-india/products.csv")
	raw, err := os.ReadFile("examples/amazon-products.schema.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db := openDB(t, t.TempDir(), string(raw))
	defer db.Close()
	ingestFile(t, db, csv)
	n := db.Applier.Collection().Len()
	next := strings.Replace(string(raw), "min: 0, max: 100000, mode: minimum, scale: log", "min: 0, max: 20000, mode: minimum, scale: log", 1)
	var bad error
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil && bad == nil {
			bad = err
		}
	}
	stopSearches := untilStopped(func() {
		_, err := db.Engine.Search(ctx, query.Request{Text: "usb cable", Weights: query.Weights{"price": 1}})
		fail(err)
	})
	var i int
	stopWrites := untilStopped(func() {
		_, err := db.Applier.Apply(ctx, []ingest.Event{{Op: ingest.OpUpsert, ID: fmt.Sprintf("w%d", i%50), Fields: map[string]any{"title": fmt.Sprintf("cable %d", i), "price": "₹" + fmt.Sprint(100+i), "type": "Electronics"}}})
		i++
		fail(err)
	})
	plan, err := db.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{})
	searches, writes := stopSearches(), stopWrites()
	if err != nil {
		t.Fatal(err)
	}
	if bad != nil {
		t.Fatalf("a search or write failed during apply: %v", bad)
	}
	if strings.Join(plan.Reencode, ",") != "price" {
		t.Fatalf("plan re-encodes %v, want price", plan.Reencode)
	}
	t.Logf("%d documents, %d searches and %d writes during apply", n, searches, writes)
	checkAllEncodedBy(t, db)
}

// untilStopped calls fn over and over on a goroutine of its own until the
// returned stop is called; stop waits for the last call and says how many
// there were.
func untilStopped(fn func()) (stop func() int) {
	done := make(chan struct{})
	calls := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				calls <- n
				return
			default:
			}
			fn()
			n++
		}
	}()
	return func() int {
		close(done)
		return <-calls
	}
}

// checkAllEncodedBy fails unless every stored vector is the current
// encoder's encoding of the stored fields.
func checkAllEncodedBy(t *testing.T, db *tessera.DB) {
	t.Helper()
	mismatch, err := dbtest.EncodingMismatch(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if mismatch != "" {
		t.Fatal(mismatch)
	}
}

// TestOpenFinishesACommittedSwitch: a kill after CURRENT names the new
// index but before the schema copy is rewritten (and before the old index
// is removed) is finished by the next Open: the new schema is saved and
// the leftovers go. An uncommitted build beside it is discarded.
func TestOpenFinishesACommittedSwitch(t *testing.T) {
	csv := writeShopCSV(t, 30)
	dir := t.TempDir()
	db := openDB(t, dir, planShopSchema)
	ingestFile(t, db, csv)
	next := strings.Replace(planShopSchema, "max: 1000", "max: 3000", 1)
	if _, err := db.ApplySchema(context.Background(), []byte(next), tessera.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	want := vectors(db)
	db.Close()
	cur, _ := os.ReadFile(filepath.Join(dir, "CURRENT"))
	name := strings.TrimSpace(string(cur))
	// The state right after the commit point: old schema copy, pending
	// schema beside the new index, the old index still there; plus an
	// unfinished build and a half-written pending file.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "schema.yaml"), []byte(planShopSchema), 0o644))
	must(os.WriteFile(filepath.Join(dir, name+".schema.yaml"), []byte(next), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "index"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "index-1"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "index-1.schema.yaml.tmp"), []byte("half"), 0o644))
	db = openDB(t, dir, "")
	defer db.Close()
	saved, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	if string(saved) != next {
		t.Fatalf("Open did not finish the switch: saved schema\n%s", saved)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "index*"))
	if len(left) != 1 || filepath.Base(left[0]) != name {
		t.Fatalf("left behind: %v, want only %s", left, name)
	}
	sameVectors(t, vectors(db), want)
}

// TestBatchPreparedBeforeTheSwitchIsEncodedAgain: a bulk batch is
// prepared and encoded for the old schema, the switch happens, and then it
// commits: the successor learns and encodes it again, so it is stored
// with the new schema's vectors (a full row and a partial upsert alike).
func TestBatchPreparedBeforeTheSwitchIsEncodedAgain(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), planShopSchema)
	defer db.Close()
	ingestFile(t, db, writeShopCSV(t, 20))
	items := db.Applier.Prepare([]ingest.Event{
		{Op: ingest.OpReplace, ID: "late", Fields: map[string]any{"title": "late lamp", "price": "₹700", "kind": "sconce"}},
		{Op: ingest.OpUpsert, ID: "p003", Fields: map[string]any{"price": "₹2500", "kind": "bench"}},
	})
	if err := db.Applier.Encode(ctx, items); err != nil {
		t.Fatal(err)
	}
	next := strings.Replace(planShopSchema, "max: 1000", "max: 2000", 1)
	if _, err := db.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Applier.Commit(ctx, items)
	if err != nil || res[0].Status != ingest.StatusApplied || res[1].Status != ingest.StatusApplied {
		t.Fatalf("commit after the switch: %v %+v", err, res)
	}
	checkAllEncodedBy(t, db)
	if cats := db.Engine.Encoder().Categories("kind"); !slices.Contains(cats, "sconce") || !slices.Contains(cats, "bench") {
		t.Fatalf("new encoder's kind vocabulary %v lacks the batch's categories", cats)
	}
}

// TestApplySeveralChangesInOneProcess: changes follow one another in one
// process, each starting from the applier the previous one switched to
// (metadata, re-encode, metadata again).
func TestApplySeveralChangesInOneProcess(t *testing.T) {
	ctx := context.Background()
	csv := writeShopCSV(t, 30)
	db := openDB(t, t.TempDir(), planShopSchema)
	defer db.Close()
	ingestFile(t, db, csv)
	s1 := strings.Replace(planShopSchema, "weight: 0.5", "weight: 2", 1)
	s2 := strings.Replace(s1, "max: 1000", "max: 4000", 1)
	s3 := strings.Replace(s2, "weight: 2", "weight: 3", 1)
	for i, next := range []string{s1, s2, s3} {
		if _, err := db.ApplySchema(ctx, []byte(next), tessera.ApplyOptions{}); err != nil {
			t.Fatalf("change %d: %v", i+1, err)
		}
	}
	if w := *db.Engine.Encoder().Schema().Spaces[1].Weight; w != 3 {
		t.Fatalf("price weight %v after three changes, want 3", w)
	}
	sameVectors(t, vectors(db), freshVectors(t, s3, csv))
}
