package spaces

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The keys for real exports are omitted when unset, so a schema that uses
// none of them keeps the fingerprint its stores were written with.
func TestFingerprintUnchangedByExportKeys(t *testing.T) {
	demo, err := os.ReadFile(filepath.Join("..", "internal", "datasets", "demo", "schema.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchema(demo)
	if err != nil {
		t.Fatal(err)
	}
	// Measured before unwrap, levels, extract and as_of existed.
	if got, want := s.fingerprint("e"), "e126fb02eb214876"; got != want {
		t.Errorf("demo schema fingerprint %s, want %s (existing stores would be refused)", got, want)
	}
}

func TestSignedLogScale(t *testing.T) {
	e := mustEncoder(t, `
name: p
id: id
fields: {id: {type: text}, profit: {type: number}}
spaces: [{name: profit, kind: number, field: profit, min: -1000, max: 1000, mode: maximum, scale: signed_log}]
`)
	values := []float64{-5000, -1000, -10, 0, 10, 1000}
	docs := make([]map[string]any, len(values))
	vecs := make([][]float32, len(values))
	for i, v := range values {
		docs[i], vecs[i] = map[string]any{"profit": v}, make([]float32, e.Dim())
	}
	if err := e.EncodeItems(context.Background(), docs, vecs, nil); err != nil {
		t.Fatal(err)
	}
	q, err := e.EncodeQuery(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	scores := make([]float64, len(values))
	for i := range vecs {
		scores[i] = dot(q.Vector, vecs[i])
	}
	for i := 2; i < len(scores); i++ {
		if !(scores[i] > scores[i-1]) {
			t.Fatalf("scores %v for %v: must rise with the value", scores, values)
		}
	}
	// 0 sits midway: θ = π/4 on the symmetric range.
	if got, want := scores[3], math.Sin(math.Pi/4); math.Abs(got-want) > 1e-6 {
		t.Errorf("0 scores %v, want %v", got, want)
	}
	if scores[0] != 0 {
		t.Errorf("below min in maximum mode: %v, want the negative filter 0", scores[0])
	}
}

func TestRecencyAsOf(t *testing.T) {
	const schema = `
name: r
id: id
fields: {id: {type: text}, at: {type: time}}
spaces: [{name: recency, kind: recency, field: at, as_of: %s, periods: [{days: 365}]}]
`
	clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	old := []time.Time{
		time.Date(2017, 12, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	score := func(e *Encoder) []float64 {
		docs := make([]map[string]any, len(old))
		vecs := make([][]float32, len(old))
		for i, at := range old {
			docs[i], vecs[i] = map[string]any{"at": at}, make([]float32, e.Dim())
			e.Learn(docs[i])
		}
		if err := e.EncodeItems(context.Background(), docs, vecs, nil); err != nil {
			t.Fatal(err)
		}
		q, err := e.EncodeQuery(context.Background(), Query{})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, len(vecs))
		for i := range vecs {
			out[i] = dot(q.Vector, vecs[i])
		}
		return out
	}
	for _, asOf := range []string{"2017-12-31", "newest"} {
		s, err := ParseSchema([]byte(strings.Replace(schema, "%s", asOf, 1)))
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewEncoder(s, nil, WithClock(func() time.Time { return clock }))
		if err != nil {
			t.Fatal(err)
		}
		got := score(e)
		// Measured against 2026, every 2017 item would be out of the
		// one-year period; against the data's own end they spread.
		if !(got[0] > got[1] && got[1] > 0 && got[2] == 0) {
			t.Errorf("as_of %s: scores %v, want newer higher and 2014 outside the period", asOf, got)
		}
	}
	s, _ := ParseSchema([]byte(strings.Replace(schema, "%s", "newest", 1)))
	e, _ := NewEncoder(s, nil, WithClock(func() time.Time { return clock }))
	e.Learn(map[string]any{"at": old[1]})
	e.Learn(map[string]any{"at": old[0]})
	e.Learn(map[string]any{"at": old[2]})
	if n := e.Newest(); !n["recency"].Equal(old[0]) {
		t.Fatalf("Newest() = %v, want %v", n, old[0])
	}
	fresh, _ := NewEncoder(s, nil, WithClock(func() time.Time { return clock }))
	fresh.RestoreNewest(e.Newest())
	if !fresh.Newest()["recency"].Equal(old[0]) {
		t.Fatalf("RestoreNewest: %v", fresh.Newest())
	}
}

func TestExportKeysSchemaErrors(t *testing.T) {
	const head = "name: x\nid: id\nfields:\n  id: {type: text}\n  t: {type: time}\n  p: {type: number}\nspaces:\n"
	for _, tt := range []struct{ space, key string }{
		{"  - {name: r, kind: recency, field: t, as_of: last week}", "spaces.0.as_of"},
		{"  - {name: r, kind: recency, field: t, as_of: 31/12/2017}", "spaces.0.as_of"},
		{"  - {name: p, kind: number, field: p, min: 0, max: 1, mode: minimum, as_of: newest}", "spaces.0.as_of"},
		{"  - {name: p, kind: number, field: p, min: -1, max: 1, mode: minimum, scale: log}", "spaces.0.min"},
		{"  - {name: p, kind: number, field: p, min: -1, max: 1, mode: minimum, scale: ln}", "spaces.0.scale"},
	} {
		_, err := ParseSchema([]byte(head + tt.space + "\n"))
		if err == nil || !strings.Contains(err.Error(), tt.key+":") {
			t.Errorf("%s: error %v, want one naming %s", tt.space, err, tt.key)
		}
	}
}

// SchemaFingerprint lets the external fuzz test check that a parsed
// schema's fingerprint is stable.
var SchemaFingerprint = (*Schema).fingerprint
