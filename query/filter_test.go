package query_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/spaces"
)

const filterSchema = `
name: filters
id: id
fields:
  id:    {type: text}
  name:  {type: text}
  cat:   {type: category}
  tags:  {type: category_list}
  price: {type: number}
  n:     {type: integer}
  ok:    {type: bool}
  at:    {type: time}
  secret: {type: text}
spaces:
  - {name: price, kind: number, field: price, min: 0, max: 100, mode: minimum}
filters: [name, cat, tags, price, n, ok, at]
`

func mustSchema(t testing.TB, y string) *spaces.Schema {
	t.Helper()
	s, err := spaces.ParseSchema([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parse decodes a filter the way the HTTP layer does.
func parse(t testing.TB, js string) map[string]any {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal([]byte(js), &f); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return f
}

var (
	day  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	docs = map[string]map[string]any{
		"a": {"name": "Red Kettle", "cat": "Kitchen", "tags": []string{"steel", "electric"}, "price": 30.0, "n": int64(5), "ok": true, "at": day},
		"b": {"name": "Blue Mug", "cat": "Kitchen", "tags": []any{"ceramic"}, "price": 8.5, "n": int64(50), "ok": false, "at": day.AddDate(0, 0, -10)},
		"c": {"name": "USB Cable", "cat": "Electronics", "tags": []string{"usb", "cable"}, "price": 5.0, "n": int64(500), "ok": true, "at": day.AddDate(0, 0, 10)},
		"d": {"name": "Mystery box"}, // every other field missing
	}
)

func TestFilterOperators(t *testing.T) {
	s := mustSchema(t, filterSchema)
	cases := []struct {
		filter string
		want   string // ids that pass, in a..d order
	}{
		{`{"cat":{"eq":"Kitchen"}}`, "ab"},
		{`{"cat":"Kitchen"}`, "ab"},
		{`{"cat":{"ne":"Kitchen"}}`, "cd"},
		{`{"cat":{"in":["Electronics","Toys"]}}`, "c"},
		{`{"cat":{"nin":["Electronics"]}}`, "abd"},
		{`{"name":{"contains":"KETTLE"}}`, "a"},
		{`{"name":{"contains":"e"}}`, "abcd"},
		{`{"tags":{"eq":"usb"}}`, "c"},
		{`{"tags":{"ne":"usb"}}`, "abd"},
		{`{"tags":{"in":["ceramic","steel"]}}`, "ab"},
		{`{"tags":{"nin":["ceramic","steel"]}}`, "cd"},
		{`{"tags":{"contains":"cer"}}`, "b"},
		{`{"price":{"eq":30}}`, "a"},
		{`{"price":{"ne":30}}`, "bcd"},
		{`{"price":{"gt":8.5}}`, "a"},
		{`{"price":{"gte":8.5}}`, "ab"},
		{`{"price":{"lt":8.5}}`, "c"},
		{`{"price":{"lte":8.5}}`, "bc"},
		{`{"price":{"gt":5,"lt":30}}`, "b"},
		{`{"price":{"in":[5,30]}}`, "ac"},
		{`{"price":{"nin":[5,30]}}`, "bd"},
		{`{"n":{"gte":50}}`, "bc"},
		{`{"n":{"in":[5]}}`, "a"},
		{`{"ok":{"eq":true}}`, "ac"},
		{`{"ok":true}`, "ac"},
		{`{"ok":{"ne":true}}`, "bd"},
		{`{"at":{"gt":"2026-03-01T12:00:00Z"}}`, "c"},
		{`{"at":{"lte":"2026-03-01"}}`, "b"},
		{`{"at":{"gte":"2026-02-01","lt":"2026-03-05T00:00:00+02:00"}}`, "ab"},
		{`{"at":{"ne":"2026-03-01T12:00:00Z"}}`, "bcd"},
		{`{"cat":"Kitchen","price":{"lt":10}}`, "b"},
		{`{"or":[{"cat":"Electronics"},{"price":{"gt":20}}]}`, "ac"},
		{`{"and":[{"cat":"Kitchen"},{"or":[{"ok":false},{"n":{"lt":10}}]}]}`, "ab"},
		{`{"or":[{"and":[{"cat":"Kitchen"},{"ok":true}]},{"tags":"usb"}],"price":{"lte":10}}`, "c"},
		{`{"or":[]}`, ""},
		{`{"and":[]}`, "abcd"},
		{`{}`, "abcd"},
	}
	for _, c := range cases {
		pred, err := query.Compile(s, parse(t, c.filter))
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		got := ""
		for _, id := range []string{"a", "b", "c", "d"} {
			if pred.Match(docs[id]) {
				got += id
			}
		}
		if got != c.want {
			t.Errorf("%s: matched %q, want %q", c.filter, got, c.want)
		}
	}
}

// Filters built in Go rather than decoded from JSON: YAML templates (named
// queries) hold ints, the natural-language parser typed lists.
func TestFilterFromGoValues(t *testing.T) {
	s := mustSchema(t, filterSchema)
	pred, err := query.Compile(s, map[string]any{"price": map[string]any{"lte": 10}, "n": map[string]any{"in": []any{50, 500}}})
	if err != nil {
		t.Fatal(err)
	}
	if !pred.Match(docs["b"]) || !pred.Match(docs["c"]) || pred.Match(docs["a"]) {
		t.Error("int filter values compare wrongly")
	}
	pred, err = query.Compile(s, map[string]any{"cat": map[string]any{"in": []string{"Kitchen"}}, "price": map[string]any{"nin": []float64{8.5}}, "n": map[string]any{"in": []int{5, 50}}})
	if err != nil {
		t.Fatal(err)
	}
	if !pred.Match(docs["a"]) || pred.Match(docs["b"]) || pred.Match(docs["c"]) {
		t.Error("typed lists compare wrongly")
	}
}

func TestFilterErrorsNameThePath(t *testing.T) {
	s := mustSchema(t, filterSchema)
	cases := []struct{ filter, field string }{
		{`{"price":{"lte":"cheap"}}`, "filter.price.lte"},
		{`{"price":{"about":5}}`, "filter.price.about"},
		{`{"price":{"in":5}}`, "filter.price.in"},
		{`{"price":{"in":[1,"two"]}}`, "filter.price.in"},
		{`{"price":{"contains":"5"}}`, "filter.price.contains"},
		{`{"price":{}}`, "filter.price"},
		{`{"colour":"red"}`, "filter.colour"},
		{`{"secret":"x"}`, "filter.secret"},
		{`{"cat":{"gt":"A"}}`, "filter.cat.gt"},
		{`{"cat":{"eq":5}}`, "filter.cat.eq"},
		{`{"cat":5}`, "filter.cat.eq"},
		{`{"tags":{"in":["a",1]}}`, "filter.tags.in"},
		{`{"ok":{"eq":"yes"}}`, "filter.ok.eq"},
		{`{"ok":{"gt":true}}`, "filter.ok.gt"},
		{`{"at":{"gt":"yesterday"}}`, "filter.at.gt"},
		{`{"at":{"gt":5}}`, "filter.at.gt"},
		{`{"at":{"in":["2026-01-01"]}}`, "filter.at.in"},
		{`{"or":{"cat":"A"}}`, "filter.or"},
		{`{"or":[{"cat":"A"},"B"]}`, "filter.or.1"},
		{`{"and":[{"cat":"A"},{"or":[{"price":{"lte":"x"}}]}]}`, "filter.and.1.or.0.price.lte"},
	}
	for _, c := range cases {
		_, err := query.Compile(s, parse(t, c.filter))
		var fe *spaces.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: error %v, want a FieldError naming %s", c.filter, err, c.field)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	s := mustSchema(b, filterSchema)
	pred, err := query.Compile(s, parse(b, `{"cat":{"in":["Kitchen","Toys"]},"price":{"lte":50},"or":[{"ok":true},{"tags":"ceramic"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		pred.Match(docs["a"])
		pred.Match(docs["b"])
	}
}
