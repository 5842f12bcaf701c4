package query_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/spaces"
)

const engineSchema = `
name: shop
id: id
fields:
  id:     {type: text}
  cat:    {type: category}
  price:  {type: number}
  rating: {type: number}
spaces:
  - {name: price,  kind: number,   field: price, min: 0, max: 1000, mode: minimum}
  - {name: rating, kind: number,   field: rating, min: 0, max: 5, mode: maximum}
  - {name: cat,    kind: category, field: cat, categories: [Books, Garden, Toys]}
filters: [cat, price, rating]
`

// newEngine stores n documents with distinct prices and ratings, so every
// ranking is free of ties.
func newEngine(t testing.TB, n int, parser query.Parser) (*query.Engine, *index.Collection) {
	t.Helper()
	ctx := context.Background()
	enc, err := spaces.NewEncoder(mustSchema(t, engineSchema), nil)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := index.Open(t.TempDir(), enc.Dim(), index.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coll.Close() })
	cats := []string{"Books", "Garden", "Toys"}
	docs := make([]map[string]any, n)
	vecs := make([][]float32, n)
	recs := make([]index.Record, n)
	for i := range docs {
		docs[i] = map[string]any{"cat": cats[i%3], "price": 5 + float64(i*37%n)*7.3, "rating": 1 + 4*float64(i*53%n)/float64(n)}
		vecs[i] = make([]float32, enc.Dim())
	}
	if err := enc.EncodeItems(ctx, docs, vecs, nil); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i] = index.Record{ID: fmt.Sprintf("d%03d", i), Fields: docs[i], Vector: vecs[i]}
	}
	if _, err := coll.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	return query.NewEngine(enc, coll, parser), coll
}

func fieldOf(err error) string {
	var fe *spaces.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return fmt.Sprintf("not a FieldError: %v", err)
}

func resultIDs(rs []query.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestCursorPagesEqualOneBigPage(t *testing.T) {
	e, _ := newEngine(t, 100, nil)
	ctx := context.Background()
	w := query.Weights{"price": 1, "rating": 0.7}
	big, err := e.Search(ctx, query.Request{Weights: w, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(big.Results) != 100 || big.NextCursor != "" || big.Total != 100 {
		t.Fatalf("one page of everything: %d results, total %d, cursor %q", len(big.Results), big.Total, big.NextCursor)
	}
	var paged []string
	cursor := ""
	for page := 0; ; page++ {
		r, err := e.Search(ctx, query.Request{Weights: w, Limit: 20, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, resultIDs(r.Results)...)
		if r.NextCursor == "" {
			if page != 4 {
				t.Fatalf("cursor chain ended after page %d", page)
			}
			break
		}
		cursor = r.NextCursor
	}
	// The fifth page is full and the last: no cursor to an empty page.
	if !slices.Equal(paged, resultIDs(big.Results)) {
		t.Fatalf("cursor pages %v\n one page %v", paged, resultIDs(big.Results))
	}
	// Offset paging agrees too.
	r, _ := e.Search(ctx, query.Request{Weights: w, Limit: 7, Offset: 31})
	if !slices.Equal(resultIDs(r.Results), resultIDs(big.Results[31:38])) {
		t.Fatal("offset 31 limit 7 differs from the big page")
	}
}

func TestCursorAndLimitErrors(t *testing.T) {
	e, _ := newEngine(t, 10, nil)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	nan := math.NaN()
	cases := []struct {
		req   query.Request
		field string
	}{
		{query.Request{Cursor: "garbage!"}, "cursor"},
		{query.Request{Cursor: enc("x:10")}, "cursor"},
		{query.Request{Cursor: enc("o:ten")}, "cursor"},
		{query.Request{Cursor: enc("o:-10")}, "cursor"},
		{query.Request{Cursor: enc("o:995")}, "offset"},
		{query.Request{Limit: -1}, "limit"},
		{query.Request{Limit: query.MaxLimit + 1}, "limit"},
		{query.Request{Offset: -1}, "offset"},
		{query.Request{Offset: 995, Limit: 10}, "offset"},
		{query.Request{MinScore: &nan}, "min_score"},
		{query.Request{Weights: query.Weights{"colour": 1}}, "weights.colour"},
		{query.Request{Similar: map[string]any{"price": 10}}, "similar.price"},
		{query.Request{Similar: map[string]any{"cat": 7}}, "similar.cat"},
		{query.Request{LikeID: "nope"}, "like_id"},
		{query.Request{Q: "cheap books"}, "q"},
		{query.Request{Filter: map[string]any{"price": map[string]any{"lte": "cheap"}}}, "filter.price.lte"},
	}
	for _, c := range cases {
		_, err := e.Search(context.Background(), c.req)
		if got := fieldOf(err); got != c.field {
			t.Errorf("%+v: error names %q, want %q (%v)", c.req, got, c.field, err)
		}
	}
}

func TestWeightsDecoding(t *testing.T) {
	var r query.Request
	if err := json.Unmarshal([]byte(`{"weights":{"price":2,"rating":-0.5,"cat":0}}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Weights["price"] != 2 || r.Weights["rating"] != -0.5 || r.Weights["cat"] != 0 || len(r.Weights) != 3 {
		t.Fatalf("decoded %v", r.Weights)
	}
	for body, field := range map[string]string{
		`{"weights":{"price":"high"}}`: "weights.price",
		`{"weights":{"price":null}}`:   "weights.price",
		`{"weights":{"price":[1]}}`:    "weights.price",
		`{"weights":[1,2]}`:            "weights",
		`{"weights":"price"}`:          "weights",
	} {
		var r query.Request
		if got := fieldOf(json.Unmarshal([]byte(body), &r)); got != field {
			t.Errorf("%s: error names %q, want %q", body, got, field)
		}
	}
}

func TestWeightsReorderAndScoresAddUp(t *testing.T) {
	e, _ := newEngine(t, 60, nil)
	ctx := context.Background()
	cheap, _ := e.Search(ctx, query.Request{Weights: query.Weights{"price": 1, "rating": 0}, Limit: 60})
	for i := 1; i < len(cheap.Results); i++ {
		if cheap.Results[i].Fields["price"].(float64) < cheap.Results[i-1].Fields["price"].(float64) {
			t.Fatalf("price only: result %d is cheaper than result %d", i, i-1)
		}
	}
	dear, _ := e.Search(ctx, query.Request{Weights: query.Weights{"price": -1, "rating": 0}, Limit: 60})
	rev := resultIDs(dear.Results)
	slices.Reverse(rev)
	if !slices.Equal(rev, resultIDs(cheap.Results)) {
		t.Error("a negative price weight does not invert the price order")
	}
	if dear.Weights["price"] != -1 || dear.Weights["rating"] != 0 || dear.Weights["cat"] != 0 {
		t.Errorf("effective weights %v", dear.Weights)
	}
	mixed, _ := e.Search(ctx, query.Request{Weights: query.Weights{"price": 1, "rating": 2}, Similar: map[string]any{"cat": "Toys"}, Limit: 20, IncludeVectors: true})
	for _, r := range mixed.Results {
		var sum float64
		for _, s := range r.Scores {
			sum += s
		}
		if math.Abs(sum-r.Score) > 1e-12 || len(r.Vectors) != 3 {
			t.Fatalf("%s: Σ scores %v != %v, %d vector parts", r.ID, sum, r.Score, len(r.Vectors))
		}
		if r.Scores["cat"] <= 0 != (r.Fields["cat"] != "Toys") {
			t.Fatalf("%s (%v): category score %v", r.ID, r.Fields["cat"], r.Scores["cat"])
		}
	}
}

func TestMinScoreEndsTheList(t *testing.T) {
	e, _ := newEngine(t, 50, nil)
	ctx := context.Background()
	w := query.Weights{"price": 1, "rating": 1}
	big, _ := e.Search(ctx, query.Request{Weights: w, Limit: 50})
	cut := (big.Results[9].Score + big.Results[10].Score) / 2
	r, _ := e.Search(ctx, query.Request{Weights: w, Limit: 25, MinScore: &cut})
	if !slices.Equal(resultIDs(r.Results), resultIDs(big.Results[:10])) || r.NextCursor != "" {
		t.Fatalf("min_score: %d results, cursor %q", len(r.Results), r.NextCursor)
	}
	// A full page whose next hit falls below min_score is the last page.
	r, _ = e.Search(ctx, query.Request{Weights: w, Limit: 10, MinScore: &cut})
	if len(r.Results) != 10 || r.NextCursor != "" {
		t.Fatalf("page ending at the cut: %d results, cursor %q", len(r.Results), r.NextCursor)
	}
	r, _ = e.Search(ctx, query.Request{Weights: w, Limit: 5, MinScore: &cut})
	if len(r.Results) != 5 || r.NextCursor == "" {
		t.Fatalf("page before the cut: %d results, cursor %q", len(r.Results), r.NextCursor)
	}
}

func TestLikeIDExcludesItself(t *testing.T) {
	e, coll := newEngine(t, 30, nil)
	me, _ := coll.Get("d007")
	r, err := e.Search(context.Background(), query.Request{LikeID: "d007", Limit: 29})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 29 || r.Total != 29 || r.NextCursor != "" || slices.Contains(resultIDs(r.Results), "d007") {
		t.Fatalf("like d007: %d results (total %d, cursor %q): %v", len(r.Results), r.Total, r.NextCursor, resultIDs(r.Results))
	}
	// Nearest first: the closest price and rating, same category.
	top := r.Results[0].Fields
	if top["cat"] != me.Fields["cat"] {
		t.Errorf("like a %v: top result is %v", me.Fields["cat"], top["cat"])
	}
}

func TestNaturalLanguageMergesWithExplicitFields(t *testing.T) {
	parser := nl.NewOffline(nl.Vocab{PriceField: "price", PriceSpace: "price", RatingField: "rating", RatingSpace: "rating",
		Categories: map[string][]string{"cat": {"Books", "Garden", "Toys"}}})
	e, _ := newEngine(t, 90, parser)
	ctx := context.Background()
	r, err := e.Search(ctx, query.Request{Q: "toys under 200", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if r.Interpreted == nil || len(r.Interpreted.Filter) == 0 {
		t.Fatalf("interpretation %+v", r.Interpreted)
	}
	if len(r.Results) == 0 {
		t.Fatal("no results")
	}
	for _, res := range r.Results {
		if res.Fields["price"].(float64) > 200 {
			t.Fatalf("%s breaks the interpreted filter: %v", res.ID, res.Fields)
		}
	}
	// An explicit filter is ANDed with the interpreted one; explicit
	// weights win.
	r, err = e.Search(ctx, query.Request{Q: "toys under 200", Filter: map[string]any{"rating": map[string]any{"gte": 3}}, Weights: query.Weights{"price": 0.25}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range r.Results {
		if res.Fields["price"].(float64) > 200 || res.Fields["rating"].(float64) < 3 {
			t.Fatalf("%s breaks the combined filter: %v", res.ID, res.Fields)
		}
	}
	if r.Weights["price"] != 0.25 {
		t.Errorf("explicit price weight lost: %v", r.Weights)
	}
}

func BenchmarkSearch(b *testing.B) {
	e, _ := newEngine(b, 5000, nil)
	ctx := context.Background()
	req := query.Request{Weights: query.Weights{"price": 1, "rating": 0.5}, Similar: map[string]any{"cat": "Toys"}, Filter: map[string]any{"price": map[string]any{"lte": 20000}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Search(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIntentSilencesOtherAttributeDefaults: a parsed query that states an
// attribute intent ("best rated") orders by it alone: the other attribute
// spaces' schema defaults are off, so the schema's price weight no longer
// mixes cheapness in; a query without an intent keeps the defaults, and a
// request's own weights still win.
func TestIntentSilencesOtherAttributeDefaults(t *testing.T) {
	parser := nl.NewOffline(nl.Vocab{PriceField: "price", PriceSpace: "price", RatingField: "rating", RatingSpace: "rating",
		Categories: map[string][]string{"cat": {"Books", "Garden", "Toys"}}})
	e, _ := newEngine(t, 90, parser)
	ctx := context.Background()
	r, err := e.Search(ctx, query.Request{Q: "best rated", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Weights["price"] != 0 || r.Weights["rating"] <= 0 {
		t.Fatalf("\"best rated\": weights %v, want rating alone", r.Weights)
	}
	ratings := make([]float64, len(r.Results))
	for i, res := range r.Results {
		ratings[i] = res.Fields["rating"].(float64)
	}
	if !slices.IsSortedFunc(ratings, func(a, b float64) int { return cmp.Compare(b, a) }) {
		t.Errorf("\"best rated\" is not in rating order: %v", ratings)
	}
	r, err = e.Search(ctx, query.Request{Q: "toys", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Weights["rating"] == 0 {
		t.Errorf("a query stating no order dropped the schema's rating weight: %v", r.Weights)
	}
	// A space that matches a value the request gives keeps its weight.
	r, err = e.Search(ctx, query.Request{Q: "best rated", Similar: map[string]any{"cat": "Toys"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Weights["cat"] == 0 || r.Interpreted.Weights["price"] != 0 {
		t.Errorf("\"best rated\" with a category to match: weights %v, interpreted %v; want the category kept, price off", r.Weights, r.Interpreted.Weights)
	}
	r, err = e.Search(ctx, query.Request{Q: "best rated", Weights: query.Weights{"price": 0.5}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Weights["price"] != 0.5 {
		t.Errorf("an explicit price weight with \"best rated\": weights %v, want price 0.5", r.Weights)
	}
}
