package spaces_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tessera-search/tessera/spaces"
)

// unitEmbedder is a tiny deterministic embedder: the fuzz target checks
// the schema loader and encoder construction, not text embedding.
type unitEmbedder struct{}

func (unitEmbedder) Dim() int     { return 4 }
func (unitEmbedder) Name() string { return "unit-4" }
func (unitEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = make([]float32, 4)
		if t != "" {
			out[i][len(t)%4] = 1
		}
	}
	return out, nil
}

// FuzzParseSchema feeds arbitrary YAML to ParseSchema. It must never
// panic; an error must have a message; a schema it accepts must name an
// id field it declares, fingerprint the same way twice, and either build
// an encoder (whose dimension is positive) or fail with an error, never a
// panic. Seeds are the demo schema, the ones below and
// testdata/fuzz/FuzzParseSchema.
func FuzzParseSchema(f *testing.F) {
	if demo, err := os.ReadFile(filepath.Join("..", "internal", "datasets", "demo", "schema.yaml")); err == nil {
		f.Add(demo)
	}
	for _, s := range []string{
		"", "name: x", "name: x\nid: id\nfields:\n  id: {type: text}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  p: {type: number}\nspaces:\n  - {name: p, kind: number, field: p, min: 0, max: 0}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  p: {type: number}\nspaces:\n  - {name: p, kind: number, field: p, min: 10, max: 1, scale: log}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  c: {type: category}\nspaces:\n  - {name: c, kind: category, field: c, categories: []}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  t: {type: time}\nspaces:\n  - {name: r, kind: recency, field: t, periods: [{days: 0, weight: 1}]}\n",
		"name: x\nid: id\nfields: {id: {type: text}}\nspaces: [{name: a, kind: text, field: id}, {name: a, kind: text, field: id}]\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  t: {type: time}\nspaces:\n  - {name: r, kind: recency, field: t, as_of: newest}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  t: {type: time}\nspaces:\n  - {name: r, kind: recency, field: t, as_of: 2017-12-31}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  p: {type: number}\nspaces:\n  - {name: p, kind: number, field: p, min: -5000, max: 5000, mode: maximum, scale: signed_log}\n",
		"name: x\nid: id\nfields:\n  id: {type: text}\n  c: {type: category, separator: \" >> \", unwrap: list, levels: 1, extract: {from: s, key: k}}\nspaces:\n  - {name: c, kind: category, field: c}\n",
		"&a [*a, *a]", "fields: &f {x: *f}", "name: !!binary aGk=", "? [a]\n: b\n", "name: x\nid: id\nfilters: [nope]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spaces.ParseSchema(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseSchema(%q): empty error message", data)
			}
			return
		}
		if _, ok := s.Fields[s.ID]; !ok {
			t.Fatalf("ParseSchema(%q): accepted, but id %q is not a declared field", data, s.ID)
		}
		if a, b := spaces.SchemaFingerprint(s, "e"), spaces.SchemaFingerprint(s, "e"); a != b || a == "" {
			t.Fatalf("ParseSchema(%q): fingerprint %q then %q", data, a, b)
		}
		enc, err := spaces.NewEncoder(s, unitEmbedder{})
		if err != nil {
			return
		}
		if enc.Dim() <= 0 {
			t.Fatalf("ParseSchema(%q): encoder of dimension %d", data, enc.Dim())
		}
	})
}
