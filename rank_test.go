package tessera_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
)

const shopSchema = `
name: shop
id: id
fields:
  id:       {type: text}
  title:    {type: text}
  category: {type: category}
  price:    {type: number, format: money}
  rating:   {type: number, format: rating}
  stock:    {type: integer}
spaces:
  - {name: title,  kind: text,   field: title}
  - {name: price,  kind: number, field: price, min: 0, max: 1000, mode: minimum, scale: log}
  - {name: rating, kind: number, field: rating, min: 0, max: 5, mode: maximum}
filters: [category, price, rating, stock]
`

// shopRows: a handful of earbuds at ordinary prices, and cheap items that
// share a word or two with the query but are something else.
var shopRows = []map[string]any{
	{"id": "buds-1", "title": "Voltiq True Wireless Earbuds with Charging Case", "category": "Headphones", "price": 89.0, "rating": 4.1, "stock": 3},
	{"id": "buds-2", "title": "Pixmere Wireless Earbuds Bluetooth 5.3", "category": "Headphones", "price": 59.0, "rating": 4.6, "stock": 9},
	{"id": "buds-3", "title": "Auralis Sport Wireless Earbuds, Ear Hooks", "category": "Headphones", "price": 129.0, "rating": 3.2, "stock": 1},
	{"id": "buds-4", "title": "Korvane Noise Cancelling Wireless Earbuds", "category": "Headphones", "price": 199.0, "stock": 5},
	{"id": "buds-5", "title": "Strandline Budget Wireless Earbuds", "category": "Headphones", "price": 25.0, "rating": 1.2, "stock": 7},
	{"id": "mouse-1", "title": "Silent Wireless Mouse 1600 DPI", "category": "Computer Accessories", "price": 6.0, "rating": 4.4, "stock": 40},
	{"id": "cards-1", "title": "Index Cards, Pack of 100", "category": "Office Products", "price": 2.0, "rating": 4.8, "stock": 99},
	{"id": "cable-1", "title": "USB-C Charging Cable for Earbuds and Phones", "category": "Cables", "price": 3.0, "rating": 4.5, "stock": 50},
	{"id": "lamp-1", "title": "LED Desk Lamp with USB Port", "category": "Lighting", "price": 15.0, "rating": 4.0, "stock": 12},
	{"id": "mat-1", "title": "Yoga Mat, Non-Slip, 6mm", "category": "Sports", "price": 19.0, "rating": 4.3, "stock": 20},
}

func openShop(t *testing.T) *tessera.DB {
	t.Helper()
	return openShopWith(t, shopSchema, shopRows)
}

// openShopWith stores rows (each with an "id") under schema; every row
// must land.
func openShopWith(t *testing.T, schema string, rows []map[string]any) *tessera.DB {
	t.Helper()
	ctx := context.Background()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), Schema: []byte(schema), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	events := make([]ingest.Event, len(rows))
	for i, r := range rows {
		events[i] = ingest.Event{Op: "upsert", ID: r["id"].(string), Fields: r}
	}
	res, err := db.Applier.Apply(ctx, events)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if len(r.Problems) > 0 {
			t.Fatalf("%s: %v", r.ID, r.Problems)
		}
	}
	return db
}

func search(t *testing.T, db *tessera.DB, req query.Request) *query.Response {
	t.Helper()
	if req.Limit == 0 {
		req.Limit = 10
	}
	resp, err := db.Engine.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func resultIDs(rs []query.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestCheapOffTopicNeverOutranksOnTopic is the issue's own example: with the
// price weight turned up, a cheap mouse or pack of cards must not rise
// above any earbuds, while the earbuds themselves are reordered by price.
func TestCheapOffTopicNeverOutranksOnTopic(t *testing.T) {
	db := openShop(t)
	for _, w := range []float64{0, 1, 3, 10} {
		resp := search(t, db, query.Request{Text: "wireless earbuds", Weights: query.Weights{"price": w}})
		ids := resultIDs(resp.Results)
		for i, id := range ids[:5] {
			if !strings.HasPrefix(id, "buds-") {
				t.Fatalf("price weight %v: #%d is %s, want earbuds first: %v", w, i+1, id, ids)
			}
			if !onTopic(resp.Results[i]) {
				t.Errorf("price weight %v: %s not marked on topic", w, id)
			}
		}
		if resp.Total != 5 {
			t.Errorf("price weight %v: total %d, want the 5 earbuds", w, resp.Total)
		}
		if w >= 3 && ids[0] != "buds-5" {
			t.Errorf("price weight %v: #1 is %s, want the cheapest earbuds (buds-5): %v", w, ids[0], ids)
		}
	}
	// The plain linear mix is still there for callers who want it, and
	// there price does pull cheap off-topic items up.
	lin := search(t, db, query.Request{Text: "wireless earbuds", Weights: query.Weights{"price": 10}, Rank: query.RankLinear})
	if strings.HasPrefix(lin.Results[0].ID, "buds-") {
		t.Errorf("linear mix with price 10: #1 is %s; expected a cheap off-topic item, or the test shows nothing", lin.Results[0].ID)
	}
}

// TestScoreIsTheSumOfCalibratedParts: score = Σ scores, the effective
// weights come back normalised (Σ|w| = 1), and a space whose similarities
// spread less gets a larger effective weight for the same request weight.
func TestScoreIsTheSumOfCalibratedParts(t *testing.T) {
	db := openShop(t)
	resp := search(t, db, query.Request{Text: "wireless earbuds", Weights: query.Weights{"price": 1, "rating": 1}})
	var sum float64
	for _, w := range resp.Weights {
		sum += math.Abs(w)
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("Σ|effective weights| = %v, want 1: %v", sum, resp.Weights)
	}
	for _, r := range resp.Results {
		var s float64
		for _, x := range r.Scores {
			s += x
		}
		if math.Abs(s-r.Score) > 1e-9 {
			t.Fatalf("%s: Σ scores %v != score %v", r.ID, s, r.Score)
		}
	}
	if resp.Weights["price"] == resp.Weights["rating"] {
		t.Errorf("price and rating got the same effective weight %v: no calibration", resp.Weights["price"])
	}
}

// TestMissingValuesRankAsTypical: an unrated item is neither the worst nor
// the best by rating, and an item with no price never wins under a
// negative price weight.
func TestMissingValuesRankAsTypical(t *testing.T) {
	db := openShop(t)
	resp := search(t, db, query.Request{Text: "wireless earbuds", Weights: query.Weights{"rating": 5, "price": 0}})
	ids := resultIDs(resp.Results)
	pos := slices.Index(ids, "buds-4") // unrated
	worst := slices.Index(ids, "buds-5")
	if pos < 0 || worst < 0 || pos > worst {
		t.Errorf("unrated buds-4 at %d, the 1.2★ buds-5 at %d: the unrated item must beat the worst-rated: %v", pos, worst, ids)
	}
	if ids[0] == "buds-4" {
		t.Errorf("the unrated item ranks first by rating: %v", ids)
	}
	// Remove a price: with a negative price weight (dearest first) it must
	// not take the top.
	ctx := context.Background()
	row := map[string]any{"id": "buds-6", "title": "Lumen Wireless Earbuds", "category": "Headphones", "rating": 4.0}
	if _, err := db.Applier.Apply(ctx, []ingest.Event{{Op: "upsert", ID: "buds-6", Fields: row}}); err != nil {
		t.Fatal(err)
	}
	resp = search(t, db, query.Request{Text: "wireless earbuds", Weights: query.Weights{"price": -1, "rating": 0}})
	if resp.Results[0].ID == "buds-6" {
		t.Errorf("an item without a price wins under a negative price weight: %v", resultIDs(resp.Results))
	}
}

// TestSortOrdersOnTopicResults: sort orders the relevant results by a
// filter field and leaves the off-topic ones after them.
func TestSortOrdersOnTopicResults(t *testing.T) {
	db := openShop(t)
	resp := search(t, db, query.Request{Text: "wireless earbuds", Sort: &query.Sort{Field: "stock", Order: "desc"}})
	got := resultIDs(resp.Results)[:5]
	want := []string{"buds-2", "buds-5", "buds-4", "buds-1", "buds-3"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted by stock desc: %v, want %v", got, want)
	}
	resp = search(t, db, query.Request{Text: "wireless earbuds", Sort: &query.Sort{Field: "price"}})
	if got := resultIDs(resp.Results)[:5]; !slices.Equal(got, []string{"buds-5", "buds-2", "buds-1", "buds-3", "buds-4"}) {
		t.Errorf("sorted by price asc: %v", got)
	}
	for _, bad := range []query.Sort{{Field: "title"}, {Field: ""}, {Field: "price", Order: "up"}} {
		_, err := db.Engine.Search(context.Background(), query.Request{Text: "earbuds", Sort: &bad})
		if err == nil || !strings.Contains(err.Error(), "sort.") {
			t.Errorf("sort %+v: error %v, want one naming sort.field or sort.order", bad, err)
		}
	}
}

// TestTotalCountsMatches: total is the number of matching items, not the
// page size: on-topic items for a text query, items passing the filter
// otherwise.
func TestTotalCountsMatches(t *testing.T) {
	db := openShop(t)
	resp := search(t, db, query.Request{Text: "wireless earbuds", Limit: 2})
	if len(resp.Results) != 2 || resp.Total != 5 || resp.NextCursor == "" {
		t.Errorf("limit 2: %d results, total %d, cursor %q; want 2, 5, a cursor", len(resp.Results), resp.Total, resp.NextCursor)
	}
	resp = search(t, db, query.Request{Filter: map[string]any{"price": map[string]any{"lte": 20}}, Limit: 1})
	if resp.Total != 5 {
		t.Errorf("filter price ≤ 20: total %d, want 5", resp.Total)
	}
}

// TestNonsenseQueryIsNotOnTopic: a query that matches nothing marks
// nothing on topic and has low relevance everywhere.
func TestNonsenseQueryIsNotOnTopic(t *testing.T) {
	db := openShop(t)
	resp := search(t, db, query.Request{Text: "zxqv blorft"})
	for _, r := range resp.Results {
		if onTopic(r) || r.Relevance > 0.5 {
			t.Errorf("%s: on_topic %v, relevance %v for a nonsense query", r.ID, onTopic(r), r.Relevance)
		}
	}
	if resp.Total != 0 {
		t.Errorf("nonsense query: total %d, want 0", resp.Total)
	}
}

// TestLexicalShareFromSchema: `lexical: 0` turns the lexical signal off
// (relevance is then the dense similarity alone) without changing the
// vectors, so it is not a schema change that needs a rebuild.
func TestLexicalShareFromSchema(t *testing.T) {
	db := openShop(t)
	on := search(t, db, query.Request{Text: "wireless earbuds"})
	if len(on.Results[0].Matched) == 0 {
		t.Errorf("no matched words with lexical on: %+v", on.Results[0])
	}
	off := strings.Replace(shopSchema, "{name: title,  kind: text,   field: title}", "{name: title,  kind: text,   field: title, lexical: 0}", 1)
	if off == shopSchema {
		t.Fatal("the test's schema edit did not apply")
	}
	db2 := openShopWith(t, off, shopRows)
	if db2.Encoder.Fingerprint() != db.Encoder.Fingerprint() {
		t.Error("the lexical share changed the encoder's fingerprint")
	}
	// Off: no lexical match, and relevance is the dense similarity alone.
	dense := search(t, db2, query.Request{Text: "wireless earbuds"})
	byID := map[string]float64{}
	for _, r := range on.Results {
		byID[r.ID] = r.Relevance
	}
	differs := false
	for _, r := range dense.Results {
		if len(r.Matched) != 0 {
			t.Errorf("%s: matched %v with lexical: 0", r.ID, r.Matched)
		}
		if rel, ok := byID[r.ID]; ok && rel != r.Relevance {
			differs = true
		}
	}
	if !differs {
		t.Error("relevance is the same with lexical on and off")
	}
	ctx := context.Background()
	bad := strings.Replace(shopSchema, "field: title}", "field: title, lexical: 2}", 1)
	if _, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), Schema: []byte(bad)}); err == nil || !strings.Contains(err.Error(), "lexical") {
		t.Errorf("lexical: 2 accepted or unnamed: %v", err)
	}
}

func onTopic(r query.Result) bool { return r.OnTopic != nil && *r.OnTopic }

// BenchmarkRelevanceSearch measures one relevance-ranked search over the
// demo catalogue, against the linear mix on the same queries.
func BenchmarkRelevanceSearch(b *testing.B) {
	ctx := context.Background()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: b.TempDir(), NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.LoadDemo(ctx); err != nil {
		b.Fatal(err)
	}
	queries := []string{"wireless earbuds", "yoga mat", "coffee grinder", "usb c cable", "running shoes", "board game"}
	for _, rank := range []string{query.RankRelevance, query.RankLinear} {
		b.Run(rank, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := query.Request{Text: queries[i%len(queries)], Weights: query.Weights{"price": 1}, Rank: rank}
				if _, err := db.Engine.Search(ctx, req); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestPartialMatchesLeaveTheTopBand: when enough items hold every word of
// the query, one that misses a word (a wired mouse for "wireless mouse")
// leaves the band that weights reorder, however cheap it is; words of a
// "for …" phrase are context and not required.
func TestPartialMatchesLeaveTheTopBand(t *testing.T) {
	rows := []map[string]any{
		{"id": "wl-1", "title": "Logitech M185 Wireless Mouse, 2.4GHz", "price": 19.0},
		{"id": "wl-2", "title": "HP X200 Wireless Mouse with USB Receiver", "price": 15.0},
		{"id": "wl-3", "title": "Lenovo 400 Wireless Mouse, 1200 DPI", "price": 17.0},
		{"id": "wl-4", "title": "Portronics Toad Wireless Optical Mouse", "price": 12.0},
		{"id": "wl-5", "title": "Zebronics Dash Wireless Mouse, Silent Clicks", "price": 14.0},
		{"id": "wl-6", "title": "Amazon Basics Wireless Mouse, Compact", "price": 11.0},
		{"id": "wd-1", "title": "Zebronics Comfort Wired USB Mouse, 3-Button", "price": 3.0},
		{"id": "wd-2", "title": "Lenovo 300 Wired USB Mouse, Optical", "price": 4.0},
		{"id": "ht-1", "title": "Bajaj Room Heater for Winter, 2000 W", "price": 40.0},
		{"id": "ht-2", "title": "Orpat Room Heater for Winter, Fan Heater", "price": 30.0},
		{"id": "ht-3", "title": "Usha Room Heater for Winter, Quartz", "price": 35.0},
		{"id": "ht-4", "title": "Havells Room Heater for Winter, Convector", "price": 45.0},
		{"id": "ht-5", "title": "Crompton Room Heater for Winter, Halogen", "price": 38.0},
		{"id": "ht-6", "title": "Borosil Room Heater", "price": 20.0},
	}
	// "wireless" is common in a catalogue, so missing it costs little
	// lexically: without the rule the wired mice stay in the top band.
	for i, thing := range []string{"Earbuds", "Keyboard", "Charger", "Speaker", "Headphones", "Router", "Doorbell", "Microphone", "Gamepad", "Presenter", "Earphones", "Adapter"} {
		rows = append(rows, map[string]any{"id": fmt.Sprintf("other-%d", i), "title": "Boat Wireless " + thing, "price": 25.0})
	}
	for _, r := range rows {
		if strings.HasPrefix(r["id"].(string), "w") {
			r["category"] = "Mice"
		}
	}
	db := openShopWith(t, shopSchema, rows)
	resp := search(t, db, query.Request{Text: "wireless mouse", Weights: query.Weights{"price": 3}})
	ids := resultIDs(resp.Results)
	for i, id := range ids[:6] {
		if !strings.HasPrefix(id, "wl-") || !onTopic(resp.Results[i]) {
			t.Fatalf("\"wireless mouse\" with price 3: #%d is %s (on topic %v); want the six wireless mice first: %v", i+1, id, onTopic(resp.Results[i]), ids)
		}
	}
	if ids[0] != "wl-6" {
		t.Errorf("#1 is %s, want the cheapest wireless mouse wl-6: %v", ids[0], ids)
	}
	resp = search(t, db, query.Request{Text: "room heater for winter", Weights: query.Weights{"price": 3}})
	if resp.Results[0].ID != "ht-6" || !onTopic(resp.Results[0]) {
		t.Errorf("\"room heater for winter\" with price 3: #1 is %s; want the cheapest heater ht-6, which does not say \"winter\": %v", resp.Results[0].ID, resultIDs(resp.Results))
	}
}

// TestCompleteBandOrderedByAttributes: when every item of the top band
// holds every word of the query in its title, the attribute weights order
// the band and text only breaks near ties (completeTextShare): at equal
// weights the best-rated kettle comes first though its longer title
// matches the text less closely (with text's whole say, 4.1★ against
// 3.9★ was not enough). The descaler, rated higher still, stays below
// every kettle.
func TestCompleteBandOrderedByAttributes(t *testing.T) {
	rows := []map[string]any{
		{"id": "k-1", "title": "Prestige Electric Kettle 1.5 L", "rating": 3.6},
		{"id": "k-2", "title": "Pigeon Electric Kettle 1.7 L", "rating": 3.7},
		{"id": "k-3", "title": "Kent Electric Kettle 1.8 L", "rating": 3.8},
		{"id": "k-4", "title": "Usha Electric Kettle, Steel", "rating": 3.9},
		{"id": "k-5", "title": "Borosil Rio Electric Kettle, Cordless, 1.5 L", "rating": 4.1},
		{"id": "d-1", "title": "Descaler for Kettles and Coffee Machines", "rating": 4.9},
	}
	for i, thing := range []string{"Toaster", "Blender", "Iron", "Heater", "Fan", "Chopper", "Grinder", "Cooker"} {
		rows = append(rows, map[string]any{"id": fmt.Sprintf("other-%d", i), "title": "Bajaj Electric " + thing, "rating": 4.0})
	}
	for _, r := range rows {
		r["price"] = 30.0
	}
	db := openShopWith(t, shopSchema, rows)
	text := search(t, db, query.Request{Text: "electric kettle", Weights: query.Weights{"price": 0, "rating": 0}})
	if text.Results[0].ID == "k-5" {
		t.Fatalf("with text alone the long-titled kettle already ranks first: %v; the test needs it lower", resultIDs(text.Results))
	}
	resp := search(t, db, query.Request{Text: "electric kettle", Weights: query.Weights{"price": 0, "rating": 1}})
	if ids := resultIDs(resp.Results); ids[0] != "k-5" || !onTopic(resp.Results[0]) {
		t.Fatalf("\"electric kettle\" with rating 1: %v; want the best-rated kettle k-5 first", ids)
	}
	for i, r := range resp.Results[:5] {
		if !strings.HasPrefix(r.ID, "k-") {
			t.Fatalf("#%d is %s: want the five kettles first: %v", i+1, r.ID, resultIDs(resp.Results))
		}
	}
}
