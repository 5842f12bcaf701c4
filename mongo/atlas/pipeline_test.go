package atlas

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// canonical renders v as indented canonical Extended JSON, the form the
// golden files hold.
func canonical(t *testing.T, v any) []byte {
	t.Helper()
	var parts [][]byte
	switch x := v.(type) {
	case []bson.D:
		for _, stage := range x {
			b, err := bson.MarshalExtJSON(stage, true, false)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, b)
		}
	case bson.D:
		b, err := bson.MarshalExtJSON(x, true, false)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, b)
	}
	raw := parts[0]
	if _, ok := v.([]bson.D); ok {
		raw = append(append([]byte("["), bytes.Join(parts, []byte(","))...), ']')
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// decodeJSON parses a filter as it arrives in a search request.
func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPipelineGolden(t *testing.T) {
	qv := []float32{0.5, -0.25, 0.125, 1}
	tests := []struct {
		name string
		p    SearchParams
	}{
		{"basic", SearchParams{Index: "products_vec", Path: "vector", QueryVector: qv, Limit: 5, Project: []string{"fields.title", "fields.price"}}},
		{"range_and_in", SearchParams{Index: "products_vec", Path: "vector", QueryVector: qv, Limit: 20, NumCandidates: 400,
			Filter: decodeJSON(t, `{"fields.price": {"gte": 100, "lte": 500}, "fields.category": {"in": ["Electronics", "Books"]}}`)}},
		{"and_or_nested", SearchParams{Index: "products_vec", Path: "vector", QueryVector: qv, Limit: 10,
			Filter: map[string]any{
				"or": []any{
					map[string]any{"fields.category": "Books", "fields.review_rating": map[string]any{"gt": 4.5}},
					map[string]any{"and": []any{
						map[string]any{"fields.in_stock": map[string]any{"eq": true}},
						map[string]any{"fields.brand": map[string]any{"nin": []string{"Acme", "Generic"}, "ne": nil}},
					}},
				},
				"fields.added_at":     map[string]any{"gte": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
				"fields.review_count": map[string]any{"lt": 1000},
			}}},
		{"capped_candidates", SearchParams{Index: "products_vec", Path: "vector", QueryVector: qv, Limit: 2000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Pipeline(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "pipeline_"+tt.name, canonical(t, p))
		})
	}
}

func TestIndexDefinitionGolden(t *testing.T) {
	def, err := IndexDefinition("products_vec", "vector", 384, []string{"fields.category", "fields.price", "fields.review_rating"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "index_definition", canonical(t, def))
}

func TestNumCandidatesDefault(t *testing.T) {
	for _, tc := range []struct{ limit, want int }{{1, 100}, {10, 100}, {11, 110}, {999, 9990}, {1000, 10000}, {5000, 10000}, {10000, 10000}} {
		p, err := Pipeline(SearchParams{Index: "i", Path: "v", QueryVector: []float32{1}, Limit: tc.limit})
		if err != nil {
			t.Fatalf("limit %d: %v", tc.limit, err)
		}
		got := p[0][0].Value.(bson.D)
		var num int32
		for _, e := range got {
			if e.Key == "numCandidates" {
				num = e.Value.(int32)
			}
		}
		if int(num) != tc.want {
			t.Errorf("limit %d: numCandidates %d, want %d", tc.limit, num, tc.want)
		}
	}
}

func TestPipelineErrors(t *testing.T) {
	ok := SearchParams{Index: "i", Path: "v", QueryVector: []float32{1, 0}, Limit: 10}
	tests := []struct {
		name string
		edit func(*SearchParams)
		want string
	}{
		{"contains", func(p *SearchParams) { p.Filter = map[string]any{"tags": map[string]any{"contains": "x"}} }, `"contains" is not supported by Atlas`},
		{"unknown op", func(p *SearchParams) { p.Filter = map[string]any{"price": map[string]any{"between": 1}} }, `filter.price.between: unknown operator`},
		{"too many candidates", func(p *SearchParams) { p.NumCandidates = 10_001 }, "numCandidates 10001 exceeds"},
		{"limit over candidates", func(p *SearchParams) { p.NumCandidates = 5 }, "limit 10 exceeds numCandidates 5"},
		{"limit over max", func(p *SearchParams) { p.Limit = 10_001 }, "limit 10001 exceeds"},
		{"zero limit", func(p *SearchParams) { p.Limit = 0 }, "limit 0"},
		{"no index", func(p *SearchParams) { p.Index = "" }, "index name"},
		{"no path", func(p *SearchParams) { p.Path = "" }, "vector path"},
		{"no vector", func(p *SearchParams) { p.QueryVector = nil }, "empty query vector"},
		{"NaN in vector", func(p *SearchParams) { p.QueryVector = []float32{float32(nanF64())} }, "element 0"},
		{"in needs list", func(p *SearchParams) { p.Filter = map[string]any{"c": map[string]any{"in": "Books"}} }, "filter.c.in: want a list"},
		{"bad list element", func(p *SearchParams) { p.Filter = map[string]any{"c": map[string]any{"in": []any{"a", []any{}}}} }, "filter.c.in.1: unsupported value"},
		{"range on bool", func(p *SearchParams) { p.Filter = map[string]any{"b": map[string]any{"gt": true}} }, "range operator"},
		{"or not a list", func(p *SearchParams) { p.Filter = map[string]any{"or": map[string]any{}} }, "filter.or: want a non-empty list"},
		{"empty or", func(p *SearchParams) { p.Filter = map[string]any{"or": []any{}} }, "filter.or: want a non-empty list"},
		{"empty branch", func(p *SearchParams) { p.Filter = map[string]any{"or": []any{map[string]any{}}} }, "filter.or.0: empty filter"},
		{"no operators", func(p *SearchParams) { p.Filter = map[string]any{"price": map[string]any{}} }, "at least one operator"},
		{"dollar field", func(p *SearchParams) { p.Filter = map[string]any{"$where": 1} }, "invalid field name"},
		{"NaN value", func(p *SearchParams) { p.Filter = map[string]any{"p": map[string]any{"lt": nanF64()}} }, "cannot be compared"},
		{"score projected", func(p *SearchParams) { p.Project = []string{"score"} }, "collides with the score"},
		{"dollar projected", func(p *SearchParams) { p.Project = []string{"$x"} }, "invalid projected field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			_, err := Pipeline(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// An empty filter from JSON ("filter": {}) is no filter.
	p := ok
	p.Filter = map[string]any{}
	got, err := Pipeline(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got[0][0].Value.(bson.D) {
		if e.Key == "filter" {
			t.Error("empty filter produced a filter clause")
		}
	}
}

func TestIndexDefinitionErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		name, path string
		dims       int
		filters    []string
	}{
		"no name":        {"", "v", 3, nil},
		"no path":        {"i", "", 3, nil},
		"zero dims":      {"i", "v", 0, nil},
		"too many dims":  {"i", "v", MaxDimensions + 1, nil},
		"dup filter":     {"i", "v", 3, []string{"a", "a"}},
		"filter is path": {"i", "v", 3, []string{"v"}},
		"empty filter":   {"i", "v", 3, []string{""}},
	} {
		if _, err := IndexDefinition(tc.name, tc.path, tc.dims, tc.filters); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestScoreFromAtlas(t *testing.T) {
	// Atlas reports (1+s)/2 for a dotProduct index.
	for _, s := range []float64{-1, -0.5, 0, 0.25, 1} {
		if got := ScoreFromAtlas((1 + s) / 2); got != s {
			t.Errorf("ScoreFromAtlas((1+%v)/2) = %v, want %v", s, got, s)
		}
	}
}

func nanF64() float64 {
	var zero float64
	return zero / zero
}
