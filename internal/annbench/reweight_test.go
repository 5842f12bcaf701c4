package annbench

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/spaces"
	"github.com/tessera-search/tessera/spaces/wordvec"
)

// orderBookCollection encodes an OrderBook catalogue with the built-in
// embedder and indexes it in a fresh collection.
func orderBookCollection(t *testing.T, rows, products int) (*spaces.Encoder, *index.Collection, []map[string]any) {
	t.Helper()
	ctx := context.Background()
	sch, err := spaces.ParseSchema([]byte(OrderBookSchema))
	if err != nil {
		t.Fatal(err)
	}
	emb, err := wordvec.Default()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := spaces.NewEncoder(sch, emb, spaces.WithClock(func() time.Time { return OrderBookNow }))
	if err != nil {
		t.Fatal(err)
	}
	docs := OrderBook(rows, products, 1)
	recs, err := EncodeRecords(ctx, enc, docs, "id")
	if err != nil {
		t.Fatal(err)
	}
	coll, err := index.Open(t.TempDir(), enc.Dim(), index.Options{NoSync: true, SnapshotEvery: -1, FilterFields: sch.Filters})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coll.Close() })
	if _, err := coll.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	if !coll.WaitIndexed(5 * time.Minute) {
		t.Fatal("graph build did not finish")
	}
	return enc, coll, docs
}

// TestReweightedRecallOrderBook checks recall@10 against exact search on a
// duplicate-heavy order book (8,800 lines of 800 products) in every weight
// class, with and without a filter, before and after re-upserting rows
// with small changes.
func TestReweightedRecallOrderBook(t *testing.T) {
	ctx := context.Background()
	enc, coll, docs := orderBookCollection(t, 8800, 800)
	cfg := ReweightConfig{Queries: 100, Seed: 1, FilterFields: []string{"segment", "region"}}
	if s := os.Getenv("TESSERA_EF"); s != "" {
		cfg.Ef, _ = strconv.Atoi(s)
	}
	check := func(when string) {
		rep, err := Reweighted(ctx, enc, coll, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		rep.WriteText(&b)
		t.Logf("%s:\n%s", when, b.String())
		for _, c := range rep.Classes {
			if c.Recall < 0.98 {
				t.Errorf("%s: class %s (filtered %v): recall@10 %.4f, want ≥ 0.98", when, c.Class, c.Filtered, c.Recall)
			}
		}
	}
	check("fresh")
	// Re-upsert a fifth of the rows with slightly different sales and
	// profit: the graph relinks them in place.
	rng := rand.New(rand.NewPCG(2, 2))
	var changed []map[string]any
	for i := 0; i < len(docs); i += 5 {
		d := map[string]any{}
		for k, v := range docs[i] {
			d[k] = v
		}
		d["sales"] = docs[i]["sales"].(float64) * (0.9 + 0.2*rng.Float64())
		d["profit"] = docs[i]["profit"].(float64) + 10*rng.NormFloat64()
		changed = append(changed, d)
	}
	recs, err := EncodeRecords(ctx, enc, changed, "id")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	if !coll.WaitIndexed(5 * time.Minute) {
		t.Fatal("the graph did not catch up with the re-upserted rows")
	}
	check("after re-upserting a fifth of the rows")
}
