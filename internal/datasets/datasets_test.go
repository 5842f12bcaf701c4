package datasets

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// demoCategories is the category list the brief fixes for the demo catalogue,
// in the order the schema lists it.
var demoCategories = []string{
	"Electronics", "Home & Kitchen", "Sports & Outdoors", "Books",
	"Beauty & Personal Care", "Toys & Games", "Clothing & Shoes", "Office Products",
}

var demoHeader = []string{"id", "title", "description", "category", "brand", "price", "rating", "review_count", "added_at"}

// demoEpoch is the date the catalogue's added_at values count back from.
var demoEpoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type product struct {
	id, title, description, category, brand string
	price, rating                           float64
	reviews                                 int
	added                                   time.Time
}

var (
	idPattern     = regexp.MustCompile(`^DEMO-\d{4}$`)
	pricePattern  = regexp.MustCompile(`^\d+\.\d{2}$`)
	ratingPattern = regexp.MustCompile(`^\d\.\d$`)
)

// parseCatalogue reads the embedded CSV strictly and validates every column,
// returning the first problem with its line number.
func parseCatalogue(t *testing.T) []product {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(DemoCatalogue()))
	records, err := r.ReadAll() // FieldsPerRecord 0: every row must match the header width
	if err != nil {
		t.Fatalf("parse demo catalogue: %v", err)
	}
	if len(records) == 0 || !slices.Equal(records[0], demoHeader) {
		t.Fatalf("header = %q, want %q", records[0], demoHeader)
	}
	out := make([]product, 0, len(records)-1)
	for i, rec := range records[1:] {
		p, err := parseProduct(rec)
		if err != nil {
			t.Fatalf("line %d (%s): %v", i+2, rec[0], err)
		}
		out = append(out, p)
	}
	return out
}

func parseProduct(rec []string) (product, error) {
	for i, v := range rec {
		if strings.TrimSpace(v) != v || v == "" {
			return product{}, fmt.Errorf("column %s: empty or padded value %q", demoHeader[i], v)
		}
	}
	p := product{id: rec[0], title: rec[1], description: rec[2], category: rec[3], brand: rec[4]}
	if !idPattern.MatchString(p.id) {
		return p, fmt.Errorf("id %q does not match DEMO-NNNN", p.id)
	}
	if !slices.Contains(demoCategories, p.category) {
		return p, fmt.Errorf("category %q not one of the 8 demo categories", p.category)
	}
	var err error
	if !pricePattern.MatchString(rec[5]) {
		return p, fmt.Errorf("price %q: want dollars with two decimals", rec[5])
	}
	if p.price, err = strconv.ParseFloat(rec[5], 64); err != nil || p.price <= 0 || p.price > 1000 {
		return p, fmt.Errorf("price %q: want a number in (0, 1000] (err %v)", rec[5], err)
	}
	if !ratingPattern.MatchString(rec[6]) {
		return p, fmt.Errorf("rating %q: want one decimal", rec[6])
	}
	if p.rating, err = strconv.ParseFloat(rec[6], 64); err != nil || p.rating < 1 || p.rating > 5 {
		return p, fmt.Errorf("rating %q: want a number in [1, 5] (err %v)", rec[6], err)
	}
	if p.reviews, err = strconv.Atoi(rec[7]); err != nil || p.reviews < 0 || p.reviews > 50000 {
		return p, fmt.Errorf("review_count %q: want an integer in [0, 50000] (err %v)", rec[7], err)
	}
	if p.added, err = time.Parse(time.RFC3339, rec[8]); err != nil {
		return p, fmt.Errorf("added_at %q: %w", rec[8], err)
	}
	if !p.added.Before(demoEpoch) || p.added.Before(demoEpoch.AddDate(-2, -1, 0)) {
		return p, fmt.Errorf("added_at %s outside the two years before %s", rec[8], demoEpoch.Format(time.DateOnly))
	}
	return p, nil
}

func TestDemoCatalogueRows(t *testing.T) {
	products := parseCatalogue(t)
	if len(products) < 280 {
		t.Fatalf("catalogue has %d rows, want at least 280", len(products))
	}
	ids := make(map[string]bool, len(products))
	titles := make(map[string]bool, len(products))
	perCategory := map[string]int{}
	for _, p := range products {
		if ids[p.id] {
			t.Errorf("duplicate id %s", p.id)
		}
		ids[p.id] = true
		if titles[p.title] {
			t.Errorf("%s: duplicate title %q", p.id, p.title)
		}
		titles[p.title] = true
		perCategory[p.category]++
	}
	for _, c := range demoCategories {
		if perCategory[c] < 30 {
			t.Errorf("category %q has %d rows, want at least 30", c, perCategory[c])
		}
	}
}

// TestDemoCatalogueSpread checks the value spreads that make the demo
// interesting to query: reweighting price, rating and recency must be able
// to change the order of results.
func TestDemoCatalogueSpread(t *testing.T) {
	products := parseCatalogue(t)
	var cheap, dear, poor, unreviewed, lastFortnight, lastMonth, old int
	for _, p := range products {
		switch {
		case p.price < 5:
			cheap++
		case p.price > 900:
			dear++
		}
		if p.rating < 3 {
			poor++
		}
		if p.reviews == 0 {
			unreviewed++
		}
		age := demoEpoch.Sub(p.added)
		if age <= 14*24*time.Hour {
			lastFortnight++
		}
		if age <= 30*24*time.Hour {
			lastMonth++
		}
		if age > 365*24*time.Hour {
			old++
		}
	}
	for _, c := range []struct {
		name     string
		got, min int
	}{
		{"priced under $5", cheap, 2},
		{"priced over $900", dear, 1},
		{"rated under 3.0", poor, 3},
		{"with no reviews", unreviewed, 2},
		{"added in the last 14 days", lastFortnight, 10},
		{"added in the last 30 days", lastMonth, 12},
		{"added over a year ago", old, 100},
	} {
		if c.got < c.min {
			t.Errorf("%d products %s, want at least %d", c.got, c.name, c.min)
		}
	}

	// One product type with many listings must trade price against rating,
	// so a price-weighted and a rating-weighted query disagree on the top hit.
	var earbuds []product
	for _, p := range products {
		if strings.Contains(p.title, "Earbuds") {
			earbuds = append(earbuds, p)
		}
	}
	if len(earbuds) < 6 {
		t.Fatalf("%d wireless earbuds, want at least 6", len(earbuds))
	}
	cheapest := slices.MinFunc(earbuds, func(a, b product) int { return cmpFloat(a.price, b.price) })
	best := slices.MaxFunc(earbuds, func(a, b product) int { return cmpFloat(a.rating, b.rating) })
	if cheapest.id == best.id || best.price < 5*cheapest.price || best.rating-cheapest.rating < 1 {
		t.Errorf("earbuds do not trade price against rating: cheapest %s ($%.2f, %.1f), best rated %s ($%.2f, %.1f)",
			cheapest.id, cheapest.price, cheapest.rating, best.id, best.price, best.rating)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// demoSchemaFile mirrors the schema file format closely enough to decode the
// demo schema with unknown keys rejected, so a typo fails here.
type demoSchemaFile struct {
	Name   string `yaml:"name"`
	ID     string `yaml:"id"`
	Fields map[string]struct {
		Type string `yaml:"type"`
	} `yaml:"fields"`
	Spaces []struct {
		Name       string   `yaml:"name"`
		Kind       string   `yaml:"kind"`
		Field      string   `yaml:"field"`
		Min        *float64 `yaml:"min"`
		Max        *float64 `yaml:"max"`
		Mode       string   `yaml:"mode"`
		Scale      string   `yaml:"scale"`
		Categories []string `yaml:"categories"`
		Weight     *float64 `yaml:"weight"`
		Periods    []struct {
			Days   float64 `yaml:"days"`
			Weight float64 `yaml:"weight"`
		} `yaml:"periods"`
	} `yaml:"spaces"`
	Filters []string `yaml:"filters"`
	Index   struct {
		M              int `yaml:"m"`
		EfConstruction int `yaml:"ef_construction"`
		EfSearch       int `yaml:"ef_search"`
	} `yaml:"index"`
}

func TestDemoSchema(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader(DemoSchema()))
	dec.KnownFields(true)
	var s demoSchemaFile
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("decode demo schema: %v", err)
	}
	if s.Name != "demo-products" || s.ID != "id" {
		t.Errorf("name, id = %q, %q; want demo-products, id", s.Name, s.ID)
	}
	wantTypes := map[string]string{
		"id": "text", "title": "text", "description": "text", "category": "category", "brand": "category",
		"price": "number", "rating": "number", "review_count": "integer", "added_at": "time",
	}
	if len(s.Fields) != len(wantTypes) {
		t.Errorf("schema declares %d fields, want %d", len(s.Fields), len(wantTypes))
	}
	for _, col := range demoHeader {
		if got := s.Fields[col].Type; got != wantTypes[col] {
			t.Errorf("field %s has type %q, want %q", col, got, wantTypes[col])
		}
	}

	spaces := map[string]string{} // name → kind
	for _, sp := range s.Spaces {
		if _, ok := s.Fields[sp.Field]; !ok {
			t.Errorf("space %s reads undeclared field %q", sp.Name, sp.Field)
		}
		spaces[sp.Name] = sp.Kind
		switch sp.Name {
		case "price":
			if sp.Kind != "number" || sp.Mode != "minimum" || sp.Scale != "log" || sp.Min == nil || *sp.Min != 0 || sp.Max == nil || *sp.Max != 1000 {
				t.Errorf("price space: kind %q mode %q scale %q range %s..%s, want number, minimum, log, 0..1000", sp.Kind, sp.Mode, sp.Scale, fmtPtr(sp.Min), fmtPtr(sp.Max))
			}
		case "rating":
			if sp.Kind != "number" || sp.Mode != "maximum" || sp.Min == nil || *sp.Min != 0 || sp.Max == nil || *sp.Max != 5 {
				t.Errorf("rating space: kind %q mode %q range %s..%s, want number, maximum, 0..5", sp.Kind, sp.Mode, fmtPtr(sp.Min), fmtPtr(sp.Max))
			}
		case "category":
			if !slices.Equal(sp.Categories, demoCategories) {
				t.Errorf("category space lists %q, want %q", sp.Categories, demoCategories)
			}
		case "recency":
			if sp.Field != "added_at" || len(sp.Periods) != 2 || sp.Periods[0].Days != 30 || sp.Periods[1].Days != 365 {
				t.Errorf("recency space = %+v, want added_at with 30- and 365-day periods", sp)
			}
		}
	}
	wantSpaces := map[string]string{"title": "text", "description": "text", "price": "number", "rating": "number", "category": "category", "recency": "recency"}
	if len(spaces) != len(wantSpaces) {
		t.Errorf("schema has spaces %v, want %v", spaces, wantSpaces)
	}
	for name, kind := range wantSpaces {
		if spaces[name] != kind {
			t.Errorf("space %s has kind %q, want %q", name, spaces[name], kind)
		}
	}
	if !slices.Equal(s.Filters, []string{"category", "brand", "price", "rating"}) {
		t.Errorf("filters = %q", s.Filters)
	}
	if s.Index.M != 16 || s.Index.EfConstruction != 100 || s.Index.EfSearch != 64 {
		t.Errorf("index = %+v, want m 16, ef_construction 100, ef_search 64", s.Index)
	}
}

func fmtPtr(f *float64) string {
	if f == nil {
		return "unset"
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

// TestDemoCopies checks that callers cannot corrupt the embedded data.
func TestDemoCopies(t *testing.T) {
	for name, get := range map[string]func() []byte{"DemoCatalogue": DemoCatalogue, "DemoSchema": DemoSchema} {
		b := get()
		if len(b) == 0 {
			t.Fatalf("%s is empty", name)
		}
		orig := b[0]
		b[0] = 0
		if again := get(); again[0] != orig {
			t.Errorf("%s: writing to a returned slice changed the embedded data", name)
		}
	}
}
