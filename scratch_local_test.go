package tessera_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
)

func TestScratchLocalScores(t *testing.T) {
	csv := writeShopCSV(t, 120)
	db := openDB(t, t.TempDir(), planShopSchema)
	defer db.Close()
	ingestFile(t, db, csv)
	next := strings.Replace(planShopSchema, "max: 1000", "max: 5000", 1)
	ev := []ingest.Event{
		{Op: ingest.OpUpsert, ID: "new-a", Fields: map[string]any{"title": "walnut desk", "price": "₹900", "kind": "desk"}},
		{Op: ingest.OpDelete, ID: "p002"},
		{Op: ingest.OpReplace, ID: "new-b", Fields: map[string]any{"title": "wool rug", "price": "₹450", "kind": "rug"}},
	}
	tessera.SetBeforeSwitch(db, func() { db.Applier.Apply(context.Background(), ev) })
	if _, err := db.ApplySchema(context.Background(), []byte(next), tessera.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := openDB(t, t.TempDir(), next)
	defer fresh.Close()
	ingestFile(t, fresh, csv)
	fresh.Applier.Apply(context.Background(), ev)
	plain := openDB(t, t.TempDir(), next)
	defer plain.Close()
	ingestFile(t, plain, csv)
	for _, req := range []query.Request{
		{Text: "soft steel desk", Weights: query.Weights{"price": 1, "title": 1}, Limit: 10},
		{Text: "soft steel desk", Rank: query.RankLinear, Limit: 10},
	} {
		a, b := fmt.Sprint(searchIDs(t, db, req)), fmt.Sprint(searchIDs(t, fresh, req))
		t.Logf("applied %s\nfresh   %s\nplain   %s", a, b, fmt.Sprint(searchIDs(t, plain, req)))
	}
}
