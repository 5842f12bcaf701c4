package query_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/spaces"
)

// FuzzCompileFilter feeds arbitrary JSON to Compile, as the HTTP
// layer decodes it. It must never panic; a rejected filter must be a
// *spaces.FieldError (the API's 400 naming the key), never another error
// (a 500); an accepted one must evaluate every document, including ones
// with missing and wrongly typed fields, without panicking. Seeds are
// below and in testdata/fuzz/FuzzCompileFilter.
func FuzzCompileFilter(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"cat":"Kitchen"}`, `{"price":{"lte":10,"gt":"5"}}`, `{"tags":{"contains":"usb"}}`,
		`{"or":[{"cat":{"in":["Kitchen","Electronics"]}},{"n":{"gte":100}}]}`, `{"and":[{"ok":true},{"at":{"gte":"2026-03-01T00:00:00Z"}}]}`,
		`{"name":{"contains":"kettle"}}`, `{"at":{"lt":"yesterday"}}`, `{"price":{"in":[1,2,"x",null]}}`,
		`{"or":[]}`, `{"and":{}}`, `{"or":[1]}`, `{"secret":{"eq":"x"}}`, `{"price":{"eq":1e309}}`,
		`{"n":{"eq":1.5}}`, `{"ok":{"ne":"maybe"}}`, `{"tags":{"nin":[[],{}]}}`, `{"price":null}`, `{"cat":{"eq":{"eq":1}}}`,
	} {
		f.Add([]byte(s))
	}
	s := mustSchema(f, filterSchema)
	weird := []map[string]any{
		{}, {"price": "30", "n": 5.5, "ok": "true", "at": "2026-01-01", "tags": "usb", "cat": 3, "name": nil},
		{"price": []any{1.0}, "tags": []any{1.0, nil}, "at": 12.0, "n": int64(-1)},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return // not an object: the HTTP layer answers 400 before compiling
		}
		pred, err := query.Compile(s, m)
		if err != nil {
			var fe *spaces.FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "filter") {
				t.Fatalf("Compile(%s): %v (%T) is not a FieldError naming a filter key", data, err, err)
			}
			return
		}
		for _, d := range docs {
			pred.Match(d)
		}
		for _, d := range weird {
			pred.Match(d)
		}
	})
}

// FuzzSearchBody decodes arbitrary bytes as a search body, strictly, as
// POST /v1/search does, and runs the search. It must never panic, and a
// request the engine refuses must be refused with a *spaces.FieldError
// (400), not another error (500). Seeds are below and in
// testdata/fuzz/FuzzSearchBody.
func FuzzSearchBody(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"limit":5}`, `{"weights":{"price":2,"rating":-1}}`, `{"similar":{"price":20,"cat":"Toys"}}`,
		`{"similar":{"cat":["Toys","Books"]}}`, `{"filter":{"cat":{"in":["Toys"]}},"limit":3,"offset":2}`,
		`{"like_id":"d001","weights":{"cat":0}}`, `{"cursor":"bm90IGEgY3Vyc29y"}`, `{"cursor":"MTA="}`, `{"min_score":0.5}`,
		`{"limit":-1}`, `{"limit":1000,"offset":1000}`, `{"offset":-5}`, `{"weights":{"price":1e308,"rating":1e308}}`,
		`{"similar":{"price":"cheap"}}`, `{"similar":{"nope":1}}`, `{"include_vectors":true,"limit":1}`,
		`{"text":"garden toys","q":"cheap books under 20"}`, `{"like_id":""}`, `{"similar":{"price":null}}`,
	} {
		f.Add([]byte(s))
	}
	eng, _ := newEngine(f, 40, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		var req query.Request
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return // a 400 from the decoder
		}
		resp, err := eng.Search(context.Background(), req)
		if err != nil {
			var fe *spaces.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Search(%s): %v (%T) is not a FieldError", data, err, err)
			}
			return
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("Search(%s): the response does not marshal: %v", data, err)
		}
	})
}
