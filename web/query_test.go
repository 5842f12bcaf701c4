package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"math"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/spaces"
	"github.com/tessera-search/tessera/spaces/wordvec"
)

// catalogueSchema describes ../shared/datasets/amazon-india/products.csv.
// price_similar is a similar-mode twin of price so `similar` on numbers can
// be tested. At 1,351 rows the index scans exactly, so results can be
// compared with a scan of the collection.
const catalogueSchema = `
name: amazon-india
id: asin
fields:
  asin:          {type: text}
  type:          {type: category}
  category:      {type: category_list, separator: "|"}
  title:         {type: text}
  description:   {type: text}
  review_rating: {type: number}
  review_count:  {type: integer}
  price:         {type: number}
  list_price:    {type: number}
  currency:      {type: category}
spaces:
  - {name: title,         kind: text,     field: title, weight: 1}
  - {name: description,   kind: text,     field: description, weight: 0.5}
  - {name: price,         kind: number,   field: price, min: 0, max: 100000, mode: minimum, scale: log, weight: 0.3}
  - {name: price_similar, kind: number,   field: price, min: 0, max: 100000, mode: similar, scale: log}
  - {name: rating,        kind: number,   field: review_rating, min: 0, max: 5, mode: maximum, weight: 0.3}
  # Listed, not learned: the natural-language parser's vocabulary is read
  # when the database opens, before any row has taught a learned space.
  - name: type
    kind: category
    field: type
    categories: [Electronics, Home&Kitchen, Computers&Accessories, OfficeProducts, MusicalInstruments,
                 HomeImprovement, Toys&Games, Car&Motorbike, Health&PersonalCare]
filters: [type, category, price, review_rating, review_count]
queries:
  cheap_cables:
    text: usb charging cable
    weights: {price: 2, rating: 0.5}
    filter: {type: {eq: "Computers&Accessories"}}
    limit: 5
`

// spaceNames lists the catalogue's spaces, for weights that switch all but
// some off.
var spaceNames = []string{"title", "description", "price", "price_similar", "rating", "type"}

func only(w map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, n := range spaceNames {
		out[n] = 0
	}
	for k, v := range w {
		out[k] = v
	}
	return out
}

// countingEmbedder counts the calls that reach the model, to prove the
// query-text cache keeps repeated queries away from it.
type countingEmbedder struct {
	spaces.Embedder
	calls atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.calls.Add(1)
	return c.Embedder.Embed(ctx, texts)
}

type catalogue struct {
	*testServer
	emb  *countingEmbedder
	rows map[string]map[string]string // raw CSV rows by asin
	cols []string
}

func startCatalogue(t *testing.T) *catalogue {
	t.Helper()
	path := sharedtest.Path(t, "amazon-india/products.csv")
	wv, err := wordvec.Default()
	if err != nil {
		t.Fatal(err)
	}
	emb := &countingEmbedder{Embedder: wv}
	s := startServer(t, tessera.Options{Schema: []byte(catalogueSchema), Embedder: emb})
	sum, err := s.db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ingested != 1351 || sum.Rejected != 0 {
		t.Fatalf("ingest: %s; problems %v", sum, sum.Problems)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	c := &catalogue{testServer: s, emb: emb, rows: map[string]map[string]string{}, cols: recs[0]}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, col := range recs[0] {
			m[col] = r[i]
		}
		c.rows[m["asin"]] = m
	}
	return c
}

type result struct {
	ID      string               `json:"id"`
	Score   float64              `json:"score"`
	Scores  map[string]float64   `json:"scores"`
	Fields  map[string]any       `json:"fields"`
	Vectors map[string][]float32 `json:"vectors"`
}

type fullResp struct {
	Results     []result           `json:"results"`
	Total       int                `json:"total"`
	NextCursor  string             `json:"next_cursor"`
	Weights     map[string]float64 `json:"weights"`
	Interpreted *struct {
		Text       string         `json:"text"`
		Filter     map[string]any `json:"filter"`
		Understood []string       `json:"understood"`
	} `json:"interpreted"`
	Error *struct {
		Code, Message, Field string
	} `json:"error"`
}

func (c *catalogue) search(t *testing.T, path string, body any) fullResp {
	t.Helper()
	var r fullResp
	if code := c.post(t, path, body, &r); code != 200 {
		t.Fatalf("%s %v: status %d %+v", path, body, code, r.Error)
	}
	return r
}

func ids(rs []result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func title(r result) string { return strings.ToLower(fmt.Sprint(r.Fields["title"])) }

// num reads a stored number field; ok is false when the document lacks it.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// strs reads a stored category or category_list field.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := []string{}
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func TestCatalogueQueryLanguage(t *testing.T) {
	c := startCatalogue(t)
	t.Run("text", func(t *testing.T) { testText(t, c) })
	t.Run("filters", func(t *testing.T) { testFilters(t, c) })
	t.Run("similar_number", func(t *testing.T) { testSimilarNumber(t, c) })
	t.Run("similar_category", func(t *testing.T) { testSimilarCategory(t, c) })
	t.Run("text_override", func(t *testing.T) { testTextOverride(t, c) })
	t.Run("like_id", func(t *testing.T) { testLikeID(t, c) })
	t.Run("paging", func(t *testing.T) { testPaging(t, c) })
	t.Run("min_score", func(t *testing.T) { testMinScore(t, c) })
	t.Run("include_vectors", func(t *testing.T) { testIncludeVectors(t, c) })
	t.Run("named", func(t *testing.T) { testNamed(t, c) })
	t.Run("encode_rows", func(t *testing.T) { testEncodeRows(t, c) })
	t.Run("encode_query", func(t *testing.T) { testEncodeQuery(t, c) })
	t.Run("natural_language", func(t *testing.T) { testNaturalLanguage(t, c) })
	t.Run("query_cache", func(t *testing.T) { testQueryCache(t, c) })
}

func testText(t *testing.T, c *catalogue) {
	r := c.search(t, "/v1/search", map[string]any{"text": "usb c charging cable", "limit": 10})
	if len(r.Results) != 10 {
		t.Fatalf("%d results", len(r.Results))
	}
	for i, res := range r.Results[:5] {
		if tl := title(res); !strings.Contains(tl, "cable") {
			t.Errorf("result %d for usb c charging cable is not a cable: %s", i, tl)
		}
	}
	top := title(r.Results[0])
	if !strings.Contains(top, "usb") && !strings.Contains(top, "type c") && !strings.Contains(top, "type-c") {
		t.Errorf("top result is not a USB / type C cable: %s", top)
	}
	// The text spaces carry the ranking: switching them off changes it.
	off := c.search(t, "/v1/search", map[string]any{"text": "usb c charging cable", "limit": 10, "weights": map[string]float64{"title": 0, "description": 0}})
	if slices.Equal(ids(off.Results), ids(r.Results)) {
		t.Error("turning the text spaces off did not change the ranking")
	}
}

// filterCase pairs a filter with an independent Go predicate over the
// stored document. A document without a number field matches only ne/nin.
type filterCase struct {
	name   string
	filter map[string]any
	match  func(f map[string]any) bool
}

func numCmp(field string, cmp func(x float64) bool) func(map[string]any) bool {
	return func(f map[string]any) bool {
		x, ok := num(f[field])
		return ok && cmp(x)
	}
}

func anyOf(vals []string, set ...string) bool {
	for _, v := range vals {
		if slices.Contains(set, v) {
			return true
		}
	}
	return false
}

func filterCases() []filterCase {
	typ := func(f map[string]any) string { return fmt.Sprint(f["type"]) }
	return []filterCase{
		{"eq", map[string]any{"type": map[string]any{"eq": "Electronics"}}, func(f map[string]any) bool { return typ(f) == "Electronics" }},
		{"eq_shorthand", map[string]any{"type": "OfficeProducts"}, func(f map[string]any) bool { return typ(f) == "OfficeProducts" }},
		{"ne", map[string]any{"type": map[string]any{"ne": "Electronics"}}, func(f map[string]any) bool { return typ(f) != "Electronics" }},
		{"in", map[string]any{"type": map[string]any{"in": []string{"OfficeProducts", "MusicalInstruments", "Toys&Games"}}},
			func(f map[string]any) bool {
				return anyOf([]string{typ(f)}, "OfficeProducts", "MusicalInstruments", "Toys&Games")
			}},
		{"nin", map[string]any{"type": map[string]any{"nin": []string{"Electronics", "Home&Kitchen"}}},
			func(f map[string]any) bool { return !anyOf([]string{typ(f)}, "Electronics", "Home&Kitchen") }},
		{"contains", map[string]any{"type": map[string]any{"contains": "kitchen"}}, func(f map[string]any) bool { return strings.Contains(strings.ToLower(typ(f)), "kitchen") }},
		{"gt", map[string]any{"price": map[string]any{"gt": 20000}}, numCmp("price", func(x float64) bool { return x > 20000 })},
		{"gte", map[string]any{"price": map[string]any{"gte": 399}}, numCmp("price", func(x float64) bool { return x >= 399 })},
		{"lt", map[string]any{"price": map[string]any{"lt": 199}}, numCmp("price", func(x float64) bool { return x < 199 })},
		{"lte", map[string]any{"price": map[string]any{"lte": 199}}, numCmp("price", func(x float64) bool { return x <= 199 })},
		{"range_two_ops", map[string]any{"price": map[string]any{"gte": 500, "lte": 1500}}, numCmp("price", func(x float64) bool { return x >= 500 && x <= 1500 })},
		{"rating_lt_missing", map[string]any{"review_rating": map[string]any{"lt": 3.5}}, numCmp("review_rating", func(x float64) bool { return x < 3.5 })},
		// Home&Kitchen holds the one row without a rating, Computers&Accessories
		// the two without a review count.
		{"rating_ne_missing", map[string]any{"type": "Home&Kitchen", "review_rating": map[string]any{"ne": 4.2}},
			func(f map[string]any) bool {
				x, ok := num(f["review_rating"])
				return typ(f) == "Home&Kitchen" && (!ok || x != 4.2)
			}},
		{"count_eq", map[string]any{"review_count": map[string]any{"eq": 24269}}, numCmp("review_count", func(x float64) bool { return x == 24269 })},
		{"count_in", map[string]any{"review_count": map[string]any{"in": []int{24269, 43994, 7928}}}, numCmp("review_count", func(x float64) bool { return x == 24269 || x == 43994 || x == 7928 })},
		{"count_nin", map[string]any{"type": "Computers&Accessories", "review_count": map[string]any{"nin": []int{24269, 43994}}},
			func(f map[string]any) bool {
				x, ok := num(f["review_count"])
				return typ(f) == "Computers&Accessories" && (!ok || (x != 24269 && x != 43994))
			}},
		{"list_eq", map[string]any{"category": map[string]any{"eq": "USBCables"}}, func(f map[string]any) bool { return anyOf(strs(f["category"]), "USBCables") }},
		{"list_ne", map[string]any{"category": map[string]any{"ne": "Electronics"}}, func(f map[string]any) bool { return !anyOf(strs(f["category"]), "Electronics") }},
		{"list_in", map[string]any{"category": map[string]any{"in": []string{"SmartWatches", "Mice"}}}, func(f map[string]any) bool { return anyOf(strs(f["category"]), "SmartWatches", "Mice") }},
		{"list_nin", map[string]any{"category": map[string]any{"nin": []string{"Electronics", "Kitchen&HomeAppliances"}}},
			func(f map[string]any) bool {
				return !anyOf(strs(f["category"]), "Electronics", "Kitchen&HomeAppliances")
			}},
		{"list_contains", map[string]any{"category": map[string]any{"contains": "cables"}}, func(f map[string]any) bool {
			for _, v := range strs(f["category"]) {
				if strings.Contains(strings.ToLower(v), "cables") {
					return true
				}
			}
			return false
		}},
		{"or_and_groups", map[string]any{"or": []any{
			map[string]any{"type": "OfficeProducts"},
			map[string]any{"and": []any{map[string]any{"price": map[string]any{"lt": 300}}, map[string]any{"review_rating": map[string]any{"gte": 4.4}}}},
		}}, func(f map[string]any) bool {
			p, _ := num(f["price"])
			r, ok := num(f["review_rating"])
			return typ(f) == "OfficeProducts" || (p < 300 && ok && r >= 4.4)
		}},
		{"top_level_and_with_or", map[string]any{
			"type":  map[string]any{"in": []string{"Electronics", "Computers&Accessories"}},
			"price": map[string]any{"lte": 1000},
			"or":    []any{map[string]any{"review_count": map[string]any{"gt": 50000}}, map[string]any{"category": map[string]any{"eq": "Mice"}}},
		}, func(f map[string]any) bool {
			p, _ := num(f["price"])
			n, _ := num(f["review_count"])
			return (typ(f) == "Electronics" || typ(f) == "Computers&Accessories") && p <= 1000 && (n > 50000 || anyOf(strs(f["category"]), "Mice"))
		}},
		{"nothing", map[string]any{"price": map[string]any{"gt": 1e9}}, func(map[string]any) bool { return false }},
	}
}

func testFilters(t *testing.T, c *catalogue) {
	for _, fc := range filterCases() {
		t.Run(fc.name, func(t *testing.T) {
			var want []string
			c.db.Collection.Each(func(rec index.Record) bool {
				if fc.match(rec.Fields) {
					want = append(want, rec.ID)
				}
				return true
			})
			if len(want) >= 1000 {
				t.Fatalf("case matches %d rows: pick one under the 1000 limit", len(want))
			}
			r := c.search(t, "/v1/search", map[string]any{"text": "usb cable", "filter": fc.filter, "limit": 1000, "rank": "linear"})
			for _, res := range r.Results {
				if !fc.match(res.Fields) {
					t.Fatalf("%s does not match %v: %v", res.ID, fc.filter, res.Fields)
				}
			}
			got := ids(r.Results)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("filter returned %d rows, a scan finds %d", len(got), len(want))
			}
			// The index ranks by float32 dot products, scores are float64
			// sums of the per-space parts: they agree to about 1e-7.
			for i := 1; i < len(r.Results); i++ {
				if r.Results[i].Score > r.Results[i-1].Score+1e-6 {
					t.Fatalf("filtered results not ranked at %d", i)
				}
			}
		})
	}
}

// logTheta is where a price sits on the price_similar space's quarter
// circle (log scale over 0..100000).
func logTheta(p float64) float64 {
	return math.Pi / 2 * math.Log10(1+p) / math.Log10(1+100000)
}

func testSimilarNumber(t *testing.T, c *catalogue) {
	const target = 1500.0
	r := c.search(t, "/v1/search", map[string]any{"similar": map[string]any{"price_similar": target}, "weights": only(map[string]float64{"price_similar": 1}), "limit": 40})
	if len(r.Results) != 40 {
		t.Fatalf("%d results", len(r.Results))
	}
	// Score order is closeness order: cos(Δθ) falls as the distance grows.
	closeness := func(f map[string]any) float64 {
		p, _ := num(f["price"])
		return math.Cos(logTheta(p) - logTheta(target))
	}
	const eps = 1e-6 // float32 resolution of cos near 1
	for i := 1; i < len(r.Results); i++ {
		if closeness(r.Results[i].Fields) > closeness(r.Results[i-1].Fields)+eps {
			t.Fatalf("result %d (₹%v) is closer to ₹%v than result %d (₹%v)", i, r.Results[i].Fields["price"], target, i-1, r.Results[i-1].Fields["price"])
		}
	}
	// And they are the 40 closest: nothing left out is clearly closer.
	last := closeness(r.Results[len(r.Results)-1].Fields)
	got := map[string]bool{}
	for _, id := range ids(r.Results) {
		got[id] = true
	}
	c.db.Collection.Each(func(rec index.Record) bool {
		if !got[rec.ID] && closeness(rec.Fields) > last+eps {
			t.Errorf("%s (₹%v) is closer to ₹%v than the last result but missing", rec.ID, rec.Fields["price"], target)
		}
		return true
	})
	if p, _ := num(r.Results[0].Fields["price"]); math.Abs(p-target) > 100 {
		t.Errorf("closest price to ₹%v is ₹%v", target, p)
	}
	// A value outside the space's range is an error naming the space.
	var bad fullResp
	if code := c.post(t, "/v1/search", map[string]any{"similar": map[string]any{"price_similar": -5}}, &bad); code != 400 || bad.Error == nil || bad.Error.Field != "similar.price_similar" {
		t.Errorf("out-of-range similar value: %d %+v", code, bad.Error)
	}
	// A minimum-mode space takes no value.
	if code := c.post(t, "/v1/search", map[string]any{"similar": map[string]any{"price": 100}}, &bad); code != 400 || bad.Error.Field != "similar.price" {
		t.Errorf("similar on a minimum space: %d %+v", code, bad.Error)
	}
}

func testSimilarCategory(t *testing.T, c *catalogue) {
	count := func(types ...string) int {
		n := 0
		c.db.Collection.Each(func(rec index.Record) bool {
			if slices.Contains(types, fmt.Sprint(rec.Fields["type"])) {
				n++
			}
			return true
		})
		return n
	}
	for _, want := range [][]string{{"OfficeProducts"}, {"MusicalInstruments", "Toys&Games", "Car&Motorbike"}} {
		var val any = want[0]
		if len(want) > 1 {
			val = want
		}
		n := count(want...)
		r := c.search(t, "/v1/search", map[string]any{"text": "usb cable", "similar": map[string]any{"type": val}, "weights": only(map[string]float64{"type": 1}), "limit": n + 5})
		for i, res := range r.Results[:n] {
			if !slices.Contains(want, fmt.Sprint(res.Fields["type"])) {
				t.Fatalf("similar type %v: result %d is %v", want, i, res.Fields["type"])
			}
		}
		for i, res := range r.Results[n:] {
			if slices.Contains(want, fmt.Sprint(res.Fields["type"])) {
				t.Fatalf("similar type %v: result %d is %v after all %d matches", want, n+i, res.Fields["type"], n)
			}
			if res.Score >= r.Results[n-1].Score {
				t.Fatalf("a %v scores %v, as high as a match", res.Fields["type"], res.Score)
			}
		}
	}
}

type encodeResp struct {
	Dim   int `json:"dim"`
	Query struct {
		Vector  []float32            `json:"vector"`
		Parts   map[string][]float32 `json:"parts"`
		Weights map[string]float64   `json:"weights"`
	} `json:"query"`
	Rows []struct {
		Vector   []float32            `json:"vector"`
		Parts    map[string][]float32 `json:"parts"`
		Problems []ingest.Problem     `json:"problems"`
	} `json:"rows"`
	Error *struct{ Code, Message, Field string } `json:"error"`
}

func (c *catalogue) encode(t *testing.T, body any) encodeResp {
	t.Helper()
	var r encodeResp
	if code := c.post(t, "/v1/encode", body, &r); code != 200 {
		t.Fatalf("encode %v: %d %+v", body, code, r.Error)
	}
	return r
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func testTextOverride(t *testing.T, c *catalogue) {
	const watch = "smart watch fitness tracker"
	w := map[string]float64{"title": 1, "description": 1}
	over := c.encode(t, map[string]any{"query": map[string]any{"text": "usb charging cable", "similar": map[string]any{"description": watch}, "weights": w}})
	cable := c.encode(t, map[string]any{"query": map[string]any{"text": "usb charging cable", "weights": w}})
	watches := c.encode(t, map[string]any{"query": map[string]any{"text": watch, "weights": w}})
	if !sameBits(over.Query.Parts["description"], watches.Query.Parts["description"]) {
		t.Error("similar.description did not replace the text in the description space")
	}
	if !sameBits(over.Query.Parts["title"], cable.Query.Parts["title"]) {
		t.Error("similar.description changed the title space")
	}
	// And the ranking follows: description alone finds watches.
	r := c.search(t, "/v1/search", map[string]any{"text": "usb charging cable", "similar": map[string]any{"description": watch}, "weights": only(map[string]float64{"description": 1}), "limit": 5})
	for i, res := range r.Results {
		if !strings.Contains(title(res), "watch") {
			t.Errorf("description override: result %d is %s", i, title(res))
		}
	}
}

func testLikeID(t *testing.T, c *catalogue) {
	const id = "B098NS6PVG" // Ambrane braided type C cable
	me, ok := c.db.Collection.Get(id)
	if !ok {
		t.Fatalf("%s not ingested", id)
	}
	r := c.search(t, "/v1/search", map[string]any{"like_id": id, "limit": 10})
	if len(r.Results) != 10 {
		t.Fatalf("%d results", len(r.Results))
	}
	leaf := func(f map[string]any) string { l := strs(f["category"]); return l[len(l)-1] }
	sameLeaf := 0
	for i, res := range r.Results {
		if res.ID == id {
			t.Fatalf("like_id returned the item itself at %d", i)
		}
		if i < 5 && res.Fields["type"] != me.Fields["type"] {
			t.Errorf("like %s: result %d is a %v, not a %v", id, i, res.Fields["type"], me.Fields["type"])
		}
		if leaf(res.Fields) == leaf(me.Fields) {
			sameLeaf++
		}
	}
	if sameLeaf < 8 {
		t.Errorf("like %s: only %d of 10 results are %s", id, sameLeaf, leaf(me.Fields))
	}
	// Filters still apply to more-like-this.
	f := c.search(t, "/v1/search", map[string]any{"like_id": id, "filter": map[string]any{"price": map[string]any{"gt": 1000}}, "limit": 10})
	for _, res := range f.Results {
		if p, _ := num(res.Fields["price"]); p <= 1000 {
			t.Fatalf("like_id with price > 1000 returned ₹%v", p)
		}
	}
}

func testPaging(t *testing.T, c *catalogue) {
	base := map[string]any{"text": "wireless bluetooth headphones"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	big := c.search(t, "/v1/search", with("limit", 50)).Results
	if len(big) != 50 {
		t.Fatalf("%d results", len(big))
	}
	// Equal scores may come back in either order; everything else must
	// match position for position.
	check := func(how string, page []result, from int) {
		t.Helper()
		for i, res := range page {
			want := big[from+i]
			if res.Score != want.Score || (res.ID != want.ID && !tied(big, res.ID, want.Score)) {
				t.Fatalf("%s: position %d is %s (%v), one big page has %s (%v)", how, from+i, res.ID, res.Score, want.ID, want.Score)
			}
		}
	}
	for off := 0; off < 50; off += 10 {
		page := c.search(t, "/v1/search", with("limit", 10, "offset", off)).Results
		if len(page) != 10 {
			t.Fatalf("offset %d: %d results", off, len(page))
		}
		check(fmt.Sprintf("offset %d", off), page, off)
	}
	cursor, seen := "", 0
	for seen < 50 {
		req := with("limit", 10)
		if cursor != "" {
			req["cursor"] = cursor
		}
		r := c.search(t, "/v1/search", req)
		if len(r.Results) != 10 || r.NextCursor == "" {
			t.Fatalf("cursor page at %d: %d results, next %q", seen, len(r.Results), r.NextCursor)
		}
		check("cursor", r.Results, seen)
		seen += len(r.Results)
		cursor = r.NextCursor
	}
	// A cursor that no response produced is a 400 naming it.
	var bad fullResp
	if code := c.post(t, "/v1/search", with("cursor", "not-a-cursor"), &bad); code != 400 || bad.Error.Field != "cursor" {
		t.Errorf("bad cursor: %d %+v", code, bad.Error)
	}
	// The last page of a filtered search has no cursor.
	last := c.search(t, "/v1/search", with("limit", 100, "filter", map[string]any{"type": "OfficeProducts"}))
	if len(last.Results) != 31 || last.NextCursor != "" {
		t.Errorf("31 office products in a page of 100: %d results, cursor %q", len(last.Results), last.NextCursor)
	}
}

func tied(rs []result, id string, score float64) bool {
	for _, r := range rs {
		if r.ID == id {
			return r.Score == score
		}
	}
	return false
}

func testMinScore(t *testing.T, c *catalogue) {
	req := map[string]any{"text": "stainless steel electric kettle", "limit": 50}
	big := c.search(t, "/v1/search", req).Results
	// Results are ordered by relevance band, then score, so scores need
	// not fall monotonically: min_score drops every result below it, in
	// place, wherever it stands.
	scores := make([]float64, len(big))
	for i, r := range big {
		scores[i] = r.Score
	}
	slices.Sort(scores)
	slices.Reverse(scores)
	if scores[19] == scores[20] {
		t.Fatal("the 20th and 21st scores tie; pick another query")
	}
	cut := (scores[19] + scores[20]) / 2
	var want []result
	for _, r := range big {
		if r.Score >= cut {
			want = append(want, r)
		}
	}
	req["min_score"] = cut
	r := c.search(t, "/v1/search", req)
	// Every result of the first request scoring above the cut comes back,
	// in the same order; a lower band's items beyond that page may follow
	// when they score above the cut (bands order before scores), and
	// nothing below the cut does.
	if got := ids(r.Results); len(got) < len(want) || !slices.Equal(got[:len(want)], ids(want)) {
		t.Fatalf("min_score %v: %v, want the 20 scoring above it first, in ranked order: %v", cut, got, ids(want))
	}
	for _, res := range r.Results {
		if res.Score < cut {
			t.Fatalf("min_score %v returned %s scoring %v", cut, res.ID, res.Score)
		}
	}
	if r.NextCursor != "" {
		t.Error("a page cut short by min_score has a next cursor")
	}
	req["min_score"] = big[0].Score + 1
	if r := c.search(t, "/v1/search", req); len(r.Results) != 0 {
		t.Errorf("min_score above the best score returned %d results", len(r.Results))
	}
}

type schemaResp struct {
	Dim    int `json:"dim"`
	Spaces []struct {
		Name string `json:"name"`
		Dim  int    `json:"dim"`
	} `json:"spaces"`
}

func testIncludeVectors(t *testing.T, c *catalogue) {
	var sch schemaResp
	c.get(t, "/v1/schema", &sch)
	if len(sch.Spaces) != len(spaceNames) {
		t.Fatalf("schema has %d spaces", len(sch.Spaces))
	}
	r := c.search(t, "/v1/search", map[string]any{"text": "mixer grinder", "limit": 5, "include_vectors": true})
	for _, res := range r.Results {
		var concat []float32
		for _, sp := range sch.Spaces {
			part, ok := res.Vectors[sp.Name]
			if !ok || len(part) != sp.Dim {
				t.Fatalf("%s: part %s has %d dims, schema says %d", res.ID, sp.Name, len(part), sp.Dim)
			}
			concat = append(concat, part...)
		}
		rec, _ := c.db.Collection.Get(res.ID)
		if len(concat) != sch.Dim || !sameBits(concat, rec.Vector) {
			t.Fatalf("%s: the parts do not concatenate to the stored vector", res.ID)
		}
	}
	if r := c.search(t, "/v1/search", map[string]any{"text": "mixer grinder", "limit": 1}); r.Results[0].Vectors != nil {
		t.Error("vectors returned without include_vectors")
	}
}

func testNamed(t *testing.T, c *catalogue) {
	// The linear mix shows the merged request weights as they are.
	def := c.search(t, "/v1/search/cheap_cables", map[string]any{"rank": "linear"})
	if len(def.Results) != 5 {
		t.Fatalf("template limit 5: %d results", len(def.Results))
	}
	if def.Weights["price"] != 2 || def.Weights["rating"] != 0.5 || def.Weights["title"] != 1 {
		t.Errorf("template weights not applied: %v", def.Weights)
	}
	for _, res := range def.Results {
		if res.Fields["type"] != "Computers&Accessories" {
			t.Fatalf("template filter not applied: %s is %v", res.ID, res.Fields["type"])
		}
	}
	// The same as spelling the template out.
	spelled := c.search(t, "/v1/search", map[string]any{"text": "usb charging cable", "weights": map[string]float64{"price": 2, "rating": 0.5},
		"filter": map[string]any{"type": map[string]any{"eq": "Computers&Accessories"}}, "limit": 5, "rank": "linear"})
	if !slices.Equal(ids(def.Results), ids(spelled.Results)) {
		t.Errorf("named query %v != spelled out %v", ids(def.Results), ids(spelled.Results))
	}
	// Request values override; weights merge; filters AND.
	over := c.search(t, "/v1/search/cheap_cables", map[string]any{"limit": 3, "rank": "linear", "weights": map[string]float64{"price": 0}, "filter": map[string]any{"price": map[string]any{"lte": 300}}})
	if len(over.Results) != 3 || over.Weights["price"] != 0 || over.Weights["rating"] != 0.5 {
		t.Errorf("override: %d results, weights %v", len(over.Results), over.Weights)
	}
	for _, res := range over.Results {
		if p, _ := num(res.Fields["price"]); p > 300 || res.Fields["type"] != "Computers&Accessories" {
			t.Fatalf("override: %s breaks template or request filter: %v", res.ID, res.Fields)
		}
	}
	// A request text replaces the template's.
	mice := c.search(t, "/v1/search/cheap_cables", map[string]any{"text": "wireless mouse"})
	spelled = c.search(t, "/v1/search", map[string]any{"text": "wireless mouse", "weights": map[string]float64{"price": 2, "rating": 0.5},
		"filter": map[string]any{"type": map[string]any{"eq": "Computers&Accessories"}}, "limit": 5})
	if !slices.Equal(ids(mice.Results), ids(spelled.Results)) || slices.Equal(ids(mice.Results), ids(def.Results)) {
		t.Errorf("text override: %v, spelled out %v, template text %v", ids(mice.Results), ids(spelled.Results), ids(def.Results))
	}
	var bad fullResp
	if code := c.post(t, "/v1/search/no_such_query", map[string]any{}, &bad); code != 404 || bad.Error.Field != "name" {
		t.Errorf("unknown named query: %d %+v", code, bad.Error)
	}
}

func testEncodeRows(t *testing.T, c *catalogue) {
	for _, id := range []string{"B07JW9H4J1", "B098NS6PVG"} {
		raw := map[string]any{}
		for k, v := range c.rows[id] {
			raw[k] = v
		}
		r := c.encode(t, map[string]any{"rows": []any{raw}})
		rec, ok := c.db.Collection.Get(id)
		if !ok || len(r.Rows) != 1 {
			t.Fatalf("%s: stored %v, %d encoded rows", id, ok, len(r.Rows))
		}
		if !sameBits(r.Rows[0].Vector, rec.Vector) {
			t.Fatalf("%s: /v1/encode vector differs from the ingested one", id)
		}
		if r.Dim != len(rec.Vector) {
			t.Fatalf("dim %d, vector %d", r.Dim, len(rec.Vector))
		}
	}
	// A bad row is reported by column, with no vector.
	r := c.encode(t, map[string]any{"rows": []any{map[string]any{"asin": "X1", "title": "t", "price": "expensive"}}})
	if r.Rows[0].Vector != nil || len(r.Rows[0].Problems) == 0 || r.Rows[0].Problems[0].Column != "price" {
		t.Errorf("bad row: %+v", r.Rows[0])
	}
	var bad fullResp
	if code := c.post(t, "/v1/encode", map[string]any{}, &bad); code != 400 {
		t.Errorf("encode with neither rows nor query: %d", code)
	}
}

func dot(q, item []float32) float64 {
	var s float64
	for i := range q {
		s += float64(q[i]) * float64(item[i])
	}
	return s
}

func testEncodeQuery(t *testing.T, c *catalogue) {
	body := map[string]any{"text": "usb charging cable", "weights": map[string]float64{"title": 2, "description": 1, "price": 0.5, "rating": 0, "type": 0}}
	q := c.encode(t, map[string]any{"query": body})
	if q.Query.Weights["title"] != 2 || q.Query.Weights["description"] != 1 || q.Query.Weights["rating"] != 0 {
		t.Errorf("weights: %v", q.Query.Weights)
	}
	// Same text in both text spaces, so their parts differ by the weights.
	norm := func(v []float32) float64 { return math.Sqrt(dot(v, v)) }
	if ratio := norm(q.Query.Parts["title"]) / norm(q.Query.Parts["description"]); math.Abs(ratio-2) > 1e-5 {
		t.Errorf("title/description part norms %v, want the weight ratio 2", ratio)
	}
	if norm(q.Query.Parts["rating"]) != 0 {
		t.Error("a weight-0 space has a non-zero query part")
	}
	// /v1/encode's vectors reproduce the linear mix's scores exactly.
	body["limit"] = 20
	body["rank"] = "linear"
	r := c.search(t, "/v1/search", body)
	for _, res := range r.Results {
		rec, _ := c.db.Collection.Get(res.ID)
		if d := dot(q.Query.Vector, rec.Vector); math.Abs(d-res.Score) > 1e-9 {
			t.Fatalf("%s: query·item %v, search score %v", res.ID, d, res.Score)
		}
	}
}

func testNaturalLanguage(t *testing.T, c *catalogue) {
	r := c.search(t, "/v1/search", map[string]any{"q": "usb cable under 500 rated above 4", "limit": 20})
	if r.Interpreted == nil || !strings.Contains(r.Interpreted.Text, "cable") {
		t.Fatalf("interpretation: %+v", r.Interpreted)
	}
	if len(r.Interpreted.Filter) == 0 || len(r.Interpreted.Understood) == 0 {
		t.Fatalf("price and rating not understood: %+v", r.Interpreted)
	}
	if len(r.Results) == 0 {
		t.Fatal("no results")
	}
	for _, res := range r.Results {
		p, _ := num(res.Fields["price"])
		rt, _ := num(res.Fields["review_rating"])
		if p > 500 || rt <= 4 {
			t.Fatalf("%s breaks the interpreted filter: ₹%v rated %v", res.ID, p, rt)
		}
	}
	if !strings.Contains(title(r.Results[0]), "cable") {
		t.Errorf("top result: %s", title(r.Results[0]))
	}
	// A category word becomes a filter on the category field.
	r = c.search(t, "/v1/search", map[string]any{"q": "electronics under 1000", "limit": 30})
	if len(r.Results) == 0 {
		t.Fatalf("electronics under 1000: no results (%+v)", r.Interpreted)
	}
	for _, res := range r.Results {
		if p, _ := num(res.Fields["price"]); p > 1000 || res.Fields["type"] != "Electronics" {
			t.Fatalf("electronics under 1000: %s is a %v at ₹%v (%+v)", res.ID, res.Fields["type"], p, r.Interpreted)
		}
	}
	// Explicit fields win over the interpretation.
	ex := c.search(t, "/v1/search", map[string]any{"q": "usb cable under 500", "text": "mixer grinder", "limit": 3})
	if !strings.Contains(title(ex.Results[0]), "mixer") && !strings.Contains(title(ex.Results[0]), "grinder") {
		t.Errorf("explicit text did not win over q: %s", title(ex.Results[0]))
	}
}

func testQueryCache(t *testing.T, c *catalogue) {
	body := map[string]any{"text": "ergonomic vertical wireless mouse for long hours", "limit": 5}
	before := c.emb.calls.Load()
	first := c.search(t, "/v1/search", body)
	afterFirst := c.emb.calls.Load()
	if afterFirst != before+1 {
		t.Fatalf("a new query text called the embedder %d times, want once", afterFirst-before)
	}
	for i := 0; i < 3; i++ {
		again := c.search(t, "/v1/search", body)
		if !slices.Equal(ids(again.Results), ids(first.Results)) {
			t.Fatal("a cached query ranks differently")
		}
	}
	if n := c.emb.calls.Load(); n != afterFirst {
		t.Fatalf("repeating the query called the embedder %d more times", n-afterFirst)
	}
	// The encode endpoint shares the cache.
	c.encode(t, map[string]any{"query": body})
	if n := c.emb.calls.Load(); n != afterFirst {
		t.Fatalf("encoding a cached query text called the embedder")
	}
}
