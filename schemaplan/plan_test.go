package schemaplan_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/schemaplan"
	"github.com/tessera-search/tessera/spaces"
)

const base = `
name: shop
id: id
fields:
  id:    {type: text}
  title: {type: text, column: Title}
  price: {type: number, format: money}
  kind:  {type: category}
spaces:
  - {name: title, kind: text,     field: title, weight: 1}
  - {name: price, kind: number,   field: price, min: 0, max: 1000, mode: minimum}
  - {name: kind,  kind: category, field: kind, categories: [a, b]}
filters: [price]
queries:
  cheap: {weights: {price: 2}}
`

func plan(t *testing.T, from, to string) *schemaplan.Plan {
	t.Helper()
	next := base
	if from != "" {
		if !strings.Contains(base, from) {
			t.Fatalf("base schema has no %q", from)
		}
		next = strings.Replace(base, from, to, 1)
	}
	a, err := spaces.ParseSchema([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	b, err := spaces.ParseSchema([]byte(next))
	if err != nil {
		t.Fatalf("%s: %v", to, err)
	}
	return schemaplan.Diff(a, b, []byte(base), []byte(next))
}

// TestDiffClassifiesEachChange: every kind of edit gets the cost the
// issue asks for, with its path and op, and the plan its worst cost.
func TestDiffClassifiesEachChange(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		op, path string
		cost     schemaplan.Cost
		reencode string
	}{
		{"field: title, weight: 1", "field: title, weight: 2", "~", "spaces.title.weight", schemaplan.Metadata, ""},
		{"field: title, weight: 1", "field: title, weight: 1, lexical: 0.3", "~", "spaces.title.lexical", schemaplan.Metadata, ""},
		{"field: title, weight: 1", "field: title, weight: 1, lexical: 0", "~", "spaces.title.lexical", schemaplan.Reindex, ""},
		{"cheap: {weights: {price: 2}}", "cheap: {weights: {price: 3}}", "~", "queries.cheap", schemaplan.Metadata, ""},
		{"name: shop", "name: store", "~", "name", schemaplan.Metadata, ""},
		{"column: Title", "column: Name", "~", "fields.title.column", schemaplan.Metadata, ""},
		{"filters: [price]", "filters: [price, kind]", "~", "filters", schemaplan.Reindex, ""},
		{"filters: [price]", "filters: [price]\nindex: {m: 24}", "~", "index", schemaplan.Reindex, ""},
		{"max: 1000", "max: 5000", "~", "spaces.price", schemaplan.Reencode, "price"},
		{"categories: [a, b]", "categories: [a, b, c]", "~", "spaces.kind", schemaplan.Reencode, "kind"},
		{"  - {name: kind,  kind: category, field: kind, categories: [a, b]}\n", "", "-", "spaces.kind", schemaplan.Reindex, ""},
		{"filters:", "  - {name: body, kind: text, field: title}\nfilters:", "+", "spaces.body", schemaplan.Reencode, "body"},
		{"{type: number, format: money}", "{type: number}", "~", "fields.price", schemaplan.SourceRows, ""},
		{"  kind:  {type: category}\n", "  kind:  {type: category}\n  brand: {type: text}\n", "+", "fields.brand", schemaplan.SourceRows, ""},
		{"id: id", "id: title", "~", "id", schemaplan.SourceRows, ""},
	} {
		p := plan(t, tc.from, tc.to)
		found := false
		for _, c := range p.Changes {
			if c.Path == tc.path && c.Op == tc.op && c.Cost == tc.cost {
				found = true
			}
		}
		if !found || p.Cost != tc.cost || strings.Join(p.Reencode, ",") != tc.reencode {
			t.Errorf("%q → %q: plan %+v, want %s %s [%s] re-encoding %q", tc.from, tc.to, p, tc.op, tc.path, tc.cost, tc.reencode)
		}
		if (tc.cost == schemaplan.SourceRows) != (p.Refusal() != nil) {
			t.Errorf("%q → %q: refusal %v", tc.from, tc.to, p.Refusal())
		}
	}
}

// TestDiffSpaceOrderIsReindex: reordering spaces moves vector parts,
// which needs a rebuild but no encoding.
func TestDiffSpaceOrderIsReindex(t *testing.T) {
	p := plan(t, "  - {name: title, kind: text,     field: title, weight: 1}\n  - {name: price, kind: number,   field: price, min: 0, max: 1000, mode: minimum}\n",
		"  - {name: price, kind: number,   field: price, min: 0, max: 1000, mode: minimum}\n  - {name: title, kind: text,     field: title, weight: 1}\n")
	if p.Cost != schemaplan.Reindex || len(p.Reencode) != 0 || len(p.Changes) != 1 || p.Changes[0].Path != "spaces" {
		t.Fatalf("plan %+v, want one reindex change of the spaces' order", p)
	}
}

// TestPlanIDAndText: the id changes with either schema; the text shows
// each change, its cost and the documents affected; no change says so.
func TestPlanIDAndText(t *testing.T) {
	p1, p2 := plan(t, "max: 1000", "max: 5000"), plan(t, "max: 1000", "max: 6000")
	if p1.ID == p2.ID || p1.ID != plan(t, "max: 1000", "max: 5000").ID {
		t.Fatalf("plan ids %s %s: want stable per pair and different across pairs", p1.ID, p2.ID)
	}
	var b bytes.Buffer
	p1.Write(&b, 1351)
	for _, want := range []string{"~ spaces.price", "[re-encode]", `{"max":1000} → {"max":5000}`, "re-encode space(s) price of 1351 documents"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	empty := plan(t, "", "")
	empty.Write(&b, 3)
	if !empty.Empty() || !strings.Contains(b.String(), "No changes") {
		t.Fatalf("identical schemas: %+v %q", empty, b.String())
	}
}
