package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchRelevanceDemo runs `tessera-bench relevance` on the demo set,
// as a table and as JSON, and a query file given by path.
func TestBenchRelevanceDemo(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"relevance", "--set", "demo"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"set demo:", "earbuds-cheap", "mean", "weighted - text"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"relevance", "--set", "demo", "--json"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Sets []struct {
			Name    string `json:"name"`
			Queries []struct {
				ID string `json:"id"`
			} `json:"queries"`
			Mean map[string]float64 `json:"mean"`
		} `json:"sets"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if len(rep.Sets) != 1 || rep.Sets[0].Name != "demo" || len(rep.Sets[0].Queries) < 15 || rep.Sets[0].Mean["text"] <= 0 {
		t.Errorf("JSON report: %+v", rep)
	}

	// A query set plugged in by path, over the demo catalogue and over
	// an explicit schema and file.
	dir := t.TempDir()
	qpath := filepath.Join(dir, "heldout.yaml")
	write(t, qpath, "queries:\n  - {id: kettle, topic: kettle, intent: cheap, q: cheap kettle, on_topic: {title_any: [kettle]}}\n")
	out.Reset()
	if err := run(ctx, []string{"relevance", "--queries", qpath}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "set heldout: 1 queries over 309 rows") {
		t.Errorf("--queries: %s", out.String())
	}
	csv := filepath.Join(dir, "items.csv")
	schema := filepath.Join(dir, "schema.yaml")
	write(t, csv, "id,title,price\n1,Steel kettle,20\n2,Glass kettle,30\n3,Travel kettle,15\n4,Toaster,25\n")
	write(t, schema, "name: items\nid: id\nfields:\n  id: {type: text}\n  title: {type: text}\n  price: {type: number}\n"+
		"spaces:\n  - {name: title, kind: text, field: title}\n  - {name: price, kind: number, field: price, min: 0, max: 100, mode: minimum}\n")
	out.Reset()
	if err := run(ctx, []string{"relevance", "--queries", qpath, "--schema", schema, "--file", csv}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 queries over 4 rows") {
		t.Errorf("--queries --schema --file: %s", out.String())
	}
	for _, bad := range [][]string{{"--set", "nope"}, {"--set", "demo", "--file", csv}, {"--queries", qpath, "--file", csv}} {
		if err := run(ctx, append([]string{"relevance"}, bad...), &out, &out); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
