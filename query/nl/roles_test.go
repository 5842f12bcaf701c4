package nl

import (
	"context"
	"maps"
	"strings"
	"testing"
)

func TestRolesFromSchema(t *testing.T) {
	num := func(name, format string) SchemaField {
		return SchemaField{Name: name, Type: "number", Format: format, Filterable: true}
	}
	space := func(name, field, mode string) SchemaSpace {
		return SchemaSpace{Name: name, Kind: "number", Field: field, Mode: mode}
	}
	cases := []struct {
		name   string
		fields []SchemaField
		spaces []SchemaSpace
		want   Roles
	}{
		{"by name, whatever the order of modes",
			[]SchemaField{num("sales", ""), num("review_rating", ""), num("unit_price", "")},
			[]SchemaSpace{space("sales", "sales", "maximum"), space("stars", "review_rating", "maximum"), space("p", "unit_price", "minimum")},
			Roles{PriceSpace: "p", PriceField: "unit_price", PriceMode: "minimum", RatingSpace: "stars", RatingField: "review_rating", RatingMode: "maximum"}},
		{"by format",
			[]SchemaField{num("amt", "money"), num("q", "rating"), num("review_count", "count")},
			[]SchemaSpace{space("popular", "review_count", "maximum"), space("a", "amt", "minimum"), space("b", "q", "maximum")},
			Roles{PriceSpace: "a", PriceField: "amt", PriceMode: "minimum", RatingSpace: "b", RatingField: "q", RatingMode: "maximum"}},
		{"sales and profit are not prices, counts are not ratings",
			[]SchemaField{num("sales", "money"), num("profit", "money"), {Name: "rating_count", Type: "integer", Filterable: true}},
			[]SchemaSpace{space("sales", "sales", "maximum"), space("profit", "profit", "minimum"), space("n", "rating_count", "maximum")},
			Roles{}},
		{"a sale price is a price",
			[]SchemaField{num("sale_price", "money"), num("list_price", "money")},
			[]SchemaSpace{space("deal", "sale_price", "minimum")},
			Roles{PriceSpace: "deal", PriceField: "sale_price", PriceMode: "minimum"}},
		{"two anonymous money spaces: no guess",
			[]SchemaField{num("a", "money"), num("b", "money")},
			[]SchemaSpace{space("a", "a", "minimum"), space("b", "b", "minimum")},
			Roles{}},
		{"a similar-mode space has no better end; the field still filters",
			[]SchemaField{num("price", "money"), {Name: "added", Type: "time"}},
			[]SchemaSpace{space("price", "price", "similar"), {Name: "fresh", Kind: "recency", Field: "added"}},
			Roles{PriceField: "price", RecencySpace: "fresh"}},
		{"a field not listed as a filter is no filter field",
			[]SchemaField{{Name: "fare", Type: "number"}},
			[]SchemaSpace{space("fare", "fare", "maximum")},
			Roles{PriceSpace: "fare", PriceMode: "maximum"}},
	}
	for _, tc := range cases {
		if got := RolesFromSchema(tc.fields, tc.spaces); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// The sign of an intent's weight follows the space's mode.
func TestIntentSignFollowsMode(t *testing.T) {
	v := amazonVocab()
	v.PriceMode, v.RatingMode = "maximum", "minimum"
	p := NewOffline(v)
	for q, want := range map[string]w{
		"cheap earbuds":       {"price": -1},
		"premium earbuds":     {"price": 1},
		"best rated earbuds":  {"rating": -1},
		"earbuds under 500":   {"price": -1},
		"not expensive mouse": {"price": -1},
	} {
		got, _ := p.Parse(context.Background(), q)
		if !maps.Equal(got.Weights, want) {
			t.Errorf("%q: weights %v, want %v", q, got.Weights, want)
		}
	}
}

func TestIntents(t *testing.T) {
	p := NewOffline(amazonVocab())
	cases := []struct {
		q, text string
		weights w
	}{
		{"cheap well rated earbuds", "earbuds", w{"price": 1, "rating": 1}},
		{"best earbuds", "earbuds", w{"rating": 1}},
		{"best price earbuds", "earbuds", w{"price": 1}},
		{"best seller earbuds", "best seller earbuds", nil},
		{"new earbuds", "earbuds", w{"recency": 1}},
		{"brand new earbuds", "brand new earbuds", nil},
		{"New Balance shoes", "New Balance shoes", nil},
		{"low-cost latest earbuds", "earbuds", w{"price": 1, "recency": 1}},
		// The first of two conflicting intents wins; the other leaves with a note.
		{"inexpensive high-end earbuds", "earbuds", w{"price": 1}},
		// A price range says where to look, not which end to prefer.
		{"earbuds between 500 and 1500", "earbuds", nil},
		// A word's intent wins over a ceiling's.
		{"premium phone under 50000", "phone", w{"price": -1}},
		// A ceiling with another order asked for only filters: the best
		// rated within the budget, no cheapness mixed in.
		{"best rated power bank under 1500", "power bank", w{"rating": 1}},
		{"newest earbuds under 900", "earbuds", w{"recency": 1}},
		// Alone, a ceiling also prefers the cheaper end.
		{"power bank under 1500", "power bank", w{"price": 1}},
	}
	for _, tc := range cases {
		got, _ := p.Parse(context.Background(), tc.q)
		if got.Text != tc.text {
			t.Errorf("%q: text %q, want %q", tc.q, got.Text, tc.text)
		}
		if !maps.Equal(got.Weights, tc.weights) {
			t.Errorf("%q: weights %v, want %v", tc.q, got.Weights, tc.weights)
		}
	}
	got, _ := p.Parse(context.Background(), "cheap well rated newest earbuds under 900")
	want := []string{
		`"cheap" → price weight 1 (cheaper first)`,
		`"well rated" → rating weight 1 (better rated first)`,
		`"newest" → recency weight 1 (newer first)`,
		`"under 900" → price ≤ 900`,
	}
	if strings.Join(got.Understood, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes\n%q\nwant\n%q", got.Understood, want)
	}
	got, _ = p.Parse(context.Background(), "earbuds under 900")
	if n := got.Understood; len(n) != 2 || n[1] != `"under 900" → price weight 1 (cheaper first)` {
		t.Errorf("notes %q", n)
	}
}
