package query_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/spaces"
)

// randomDoc draws a document with the filter schema's fields, each
// sometimes missing or of an unexpected type, as stream events may leave
// them.
func randomDoc(r *rand.Rand) map[string]any {
	d := map[string]any{}
	pick := func(vals ...any) any { return vals[r.IntN(len(vals))] }
	if r.IntN(8) > 0 {
		d["name"] = pick("Red Kettle", "Blue Mug", "USB Cable", "kettle lid", "")
	}
	if r.IntN(8) > 0 {
		d["cat"] = pick("Kitchen", "Electronics", "Toys", "kitchen", []string{"Kitchen", "Toys"}, 42.0)
	}
	if r.IntN(8) > 0 {
		d["tags"] = pick([]string{"steel", "electric"}, []any{"ceramic"}, []string{}, "usb")
	}
	if r.IntN(8) > 0 {
		d["price"] = pick(5.0, 8.5, 30.0, float64(r.IntN(100)), -0.0, math.NaN(), "12", int64(30))
	}
	if r.IntN(8) > 0 {
		d["n"] = pick(int64(5), int64(50), int64(500), 50.0)
	}
	if r.IntN(8) > 0 {
		d["ok"] = pick(true, false, "true")
	}
	if r.IntN(8) > 0 {
		d["at"] = day.AddDate(0, 0, r.IntN(40)-20)
	}
	return d
}

// Select, which the index runs column by column over typed columns, must
// pass exactly the rows Match passes, for every operator and field type,
// through inserts, updates that change a field's type, and deletes that
// free slots for reuse.
func TestSelectAgreesWithMatch(t *testing.T) {
	s := mustSchema(t, filterSchema)
	ctx := context.Background()
	dir := t.TempDir()
	c, err := index.Open(dir, 2, index.Options{NoSync: true, FilterFields: s.Filters})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close() }()
	r := rand.New(rand.NewPCG(11, 12))
	live := map[string]map[string]any{}
	for round := 0; round < 6; round++ {
		var recs []index.Record
		for i := 0; i < 300; i++ {
			id := fmt.Sprintf("d%d", r.IntN(600))
			if r.IntN(5) == 0 {
				recs = append(recs, index.Record{ID: id, Deleted: true})
				delete(live, id)
				continue
			}
			d := randomDoc(r)
			recs = append(recs, index.Record{ID: id, Fields: d, Vector: []float32{r.Float32(), r.Float32()}})
			live[id] = d
		}
		if _, err := c.Apply(ctx, recs, nil); err != nil {
			t.Fatal(err)
		}
	}
	filters := []string{
		`{"cat":{"eq":"Kitchen"}}`, `{"cat":{"ne":"Kitchen"}}`, `{"cat":{"in":["Electronics","Toys"]}}`,
		`{"cat":{"nin":["Electronics"]}}`, `{"cat":{"contains":"KITCH"}}`, `{"name":{"contains":"kettle"}}`,
		`{"tags":{"eq":"usb"}}`, `{"tags":{"ne":"steel"}}`, `{"tags":{"in":["ceramic"]}}`, `{"tags":{"nin":["ceramic","usb"]}}`,
		`{"price":{"eq":30}}`, `{"price":{"ne":30}}`, `{"price":{"gt":8.5}}`, `{"price":{"gte":8.5}}`,
		`{"price":{"lt":8.5}}`, `{"price":{"lte":0}}`, `{"price":{"gte":0}}`, `{"price":{"in":[5,30]}}`, `{"price":{"nin":[5,30]}}`,
		`{"n":{"gte":50}}`, `{"n":{"ne":50}}`, `{"ok":true}`, `{"ok":{"ne":true}}`,
		`{"at":{"gt":"2026-03-01T12:00:00Z"}}`, `{"at":{"ne":"2026-03-01T12:00:00Z"}}`,
		`{"cat":"Kitchen","price":{"lt":50}}`, `{"or":[{"cat":"Electronics"},{"price":{"gt":20}}]}`,
		`{"and":[{"cat":{"ne":"Toys"}},{"or":[{"ok":false},{"n":{"lt":10}},{"tags":"usb"}]}]}`,
		`{"or":[]}`, `{"and":[]}`, `{}`,
	}
	check := func(when string) {
		t.Helper()
		for _, js := range filters {
			checkSelect(t, s, c, live, js, when)
		}
	}
	check("after writes")
	// The columns are rebuilt from the snapshot and the WAL on reopen.
	if err := c.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(ctx, []index.Record{{ID: "d1", Deleted: true}, {ID: "late", Fields: map[string]any{"cat": "Toys", "price": 7.0}, Vector: []float32{1, 0}}}, nil); err != nil {
		t.Fatal(err)
	}
	delete(live, "d1")
	live["late"] = map[string]any{"cat": "Toys", "price": 7.0}
	c.Close()
	if c, err = index.Open(dir, 2, index.Options{NoSync: true, FilterFields: s.Filters}); err != nil {
		t.Fatal(err)
	}
	check("after reopening")
}

// checkSelect compares Select, through Collection.Search, with Match.
func checkSelect(t *testing.T, s *spaces.Schema, c *index.Collection, live map[string]map[string]any, js, when string) {
	t.Helper()
	f, err := query.Compile(s, parse(t, js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	var want []string
	for id, d := range live {
		if f.Match(d) {
			want = append(want, id)
		}
	}
	hits, err := c.Search(context.Background(), []float32{1, 1}, 10_000, index.SearchOptions{Select: f.Select})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(hits))
	for i, h := range hits {
		got[i] = h.ID
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s %s: Select passed %d rows, Match %d\n got %v\nwant %v", when, js, len(got), len(want), got, want)
	}
}

// Past a few thousand rows a numeric filter column keeps a range index
// (index.Columns.NumberRange) that Select reads instead of scanning: it
// must pass exactly the rows Match passes too.
func TestSelectRangeIndexAgreesWithMatch(t *testing.T) {
	s := mustSchema(t, filterSchema)
	ctx := context.Background()
	c, err := index.Open(t.TempDir(), 2, index.Options{NoSync: true, FilterFields: s.Filters})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := rand.New(rand.NewPCG(13, 14))
	live := map[string]map[string]any{}
	var recs []index.Record
	for i := range 6000 {
		id := fmt.Sprintf("d%d", i)
		d := randomDoc(r)
		if r.IntN(2) == 0 {
			d["price"] = math.Round(r.Float64()*10000) / 100
		}
		recs = append(recs, index.Record{ID: id, Fields: d, Vector: []float32{r.Float32(), r.Float32()}})
		live[id] = d
	}
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	for _, js := range []string{
		`{"price":{"gt":8.5}}`, `{"price":{"gte":8.5}}`, `{"price":{"lt":30}}`, `{"price":{"lte":30}}`,
		`{"price":{"gte":12.34,"lte":56.78}}`, `{"price":{"eq":30}}`, `{"price":{"ne":30}}`, `{"price":{"gt":1000}}`,
		`{"n":{"gte":50}}`, `{"cat":"Kitchen","price":{"lt":50}}`,
	} {
		checkSelect(t, s, c, live, js, "6,000 rows")
	}
}
