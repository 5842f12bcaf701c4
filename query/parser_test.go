package query

import (
	"context"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/spaces"
)

// orderBook is a schema whose numbers are sales and profit, both money, and
// whose only maximum-mode spaces are over them: no price and no rating.
const orderBook = `
name: orders
id: order_id
fields:
  order_id:   {type: text}
  product:    {type: text}
  segment:    {type: category}
  sales:      {type: number, format: money}
  profit:     {type: number, format: money}
  quantity:   {type: integer, format: count}
  ordered_at: {type: time}
spaces:
  - {name: product, kind: text,     field: product}
  - {name: sales,   kind: number,   field: sales, min: 0, max: 10000, mode: maximum}
  - {name: profit,  kind: number,   field: profit, min: -1000, max: 1000, mode: maximum}
  - {name: segment, kind: category, field: segment, categories: [Consumer, Corporate, Home Office]}
filters: [segment, sales, profit, quantity]
`

// declared lists a schema's declared categories, standing in for the
// encoder's learned ones.
func declared(s *spaces.Schema) func(string) []string {
	return func(name string) []string {
		sp, _ := s.Space(name)
		return sp.Categories
	}
}

func loadSchema(t *testing.T, path string) *spaces.Schema {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spaces.ParseSchema(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The parser's roles come from what fields hold, not from which space is
// the first of its mode.
func TestNLVocabRoles(t *testing.T) {
	ob, err := spaces.ParseSchema([]byte(orderBook))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		schema *spaces.Schema
		want   nl.Roles
	}{
		{"amazon products", loadSchema(t, "../examples/amazon-products.schema.yaml"), nl.Roles{
			PriceSpace: "price", PriceField: "price", PriceMode: "minimum",
			RatingSpace: "rating", RatingField: "rating", RatingMode: "maximum"}},
		{"amazon raw", loadSchema(t, "../examples/amazon-raw.schema.yaml"), nl.Roles{
			PriceSpace: "price", PriceField: "price", PriceMode: "minimum",
			RatingSpace: "rating", RatingField: "rating", RatingMode: "maximum"}},
		{"demo", loadSchema(t, "../internal/datasets/demo/schema.yaml"), nl.Roles{
			PriceSpace: "price", PriceField: "price", PriceMode: "minimum",
			RatingSpace: "rating", RatingField: "rating", RatingMode: "maximum",
			RecencySpace: "recency"}},
		{"order book", ob, nl.Roles{}},
	}
	for _, tc := range cases {
		v := nlVocab(tc.schema, declared(tc.schema))
		got := nl.Roles{
			PriceSpace: v.PriceSpace, PriceField: v.PriceField, PriceMode: v.PriceMode,
			RatingSpace: v.RatingSpace, RatingField: v.RatingField, RatingMode: v.RatingMode,
			RecencySpace: v.RecencySpace,
		}
		if got != tc.want {
			t.Errorf("%s: roles\n%+v\nwant\n%+v", tc.name, got, tc.want)
		}
	}
}

// Intent words weight the space that holds what they are about, end to end
// from a schema file.
func TestNLIntentsBySchema(t *testing.T) {
	ob, err := spaces.ParseSchema([]byte(orderBook))
	if err != nil {
		t.Fatal(err)
	}
	amazon := loadSchema(t, "../examples/amazon-products.schema.yaml")
	demo := loadSchema(t, "../internal/datasets/demo/schema.yaml")
	cases := []struct {
		schema  *spaces.Schema
		q, text string
		weights map[string]float64
		filter  bool
	}{
		{amazon, "best rated smartphone", "smartphone", map[string]float64{"rating": 1}, false},
		{amazon, "cheap wireless earbuds", "wireless earbuds", map[string]float64{"price": 1}, false},
		{amazon, "premium headphones", "headphones", map[string]float64{"price": -1}, false},
		{amazon, "cheap well rated earbuds", "earbuds", map[string]float64{"price": 1, "rating": 1}, false},
		{amazon, "electronics", "electronics", nil, false},
		// amazon-products has no recency space: "newest" stays text.
		{amazon, "newest earbuds", "newest earbuds", nil, false},
		{demo, "newest yoga mat", "yoga mat", map[string]float64{"recency": 1}, false},
		{demo, "best rated smartphone", "smartphone", map[string]float64{"rating": 1}, false},
		{demo, "home and kitchen", "home kitchen", nil, false},
		// Sales and profit are neither price nor rating: the words stay in
		// the text ("rated" alone is a stop-word) with a note.
		{ob, "best rated chair", "best chair", nil, false},
		{ob, "cheap desk", "cheap desk", nil, false},
		{ob, "premium office chair", "premium office chair", nil, false},
	}
	for _, tc := range cases {
		p := nl.NewOffline(nlVocab(tc.schema, declared(tc.schema)))
		got, _ := p.Parse(context.Background(), tc.q)
		if got.Text != tc.text {
			t.Errorf("%s %q: text %q, want %q", tc.schema.Name, tc.q, got.Text, tc.text)
		}
		if !maps.Equal(got.Weights, tc.weights) {
			t.Errorf("%s %q: weights %v, want %v", tc.schema.Name, tc.q, got.Weights, tc.weights)
		}
		if (got.Filter != nil) != tc.filter {
			t.Errorf("%s %q: filter %v", tc.schema.Name, tc.q, got.Filter)
		}
		notes := strings.Join(got.Understood, "\n")
		if tc.schema == ob && !strings.Contains(notes, "kept as text: this catalogue has no") {
			t.Errorf("%s %q: no note saying no space matches: %q", tc.schema.Name, tc.q, got.Understood)
		}
		for sp := range got.Weights {
			if !strings.Contains(notes, "→ "+sp+" weight") {
				t.Errorf("%s %q: no note names space %s: %q", tc.schema.Name, tc.q, sp, got.Understood)
			}
		}
	}
}
