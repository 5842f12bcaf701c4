package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
)

var summaryLine = regexp.MustCompile(`(?m)^(\S+): read (\d+) = ingested (\d+) \+ merged duplicates (\d+) \+ rejected (\d+); (\d+) new, (\d+) updated, (\d+) unchanged \(`)

// demoSchema is the built-in demo catalogue's schema file.
var demoSchema = filepath.Join("..", "..", "internal", "datasets", "demo", "schema.yaml")

func TestIngestCommandSummaryAndRejects(t *testing.T) {
	data := t.TempDir()
	csv := "id,title,description,category,brand,price,rating,review_count,added_at\n" +
		"C-1,Oak bookshelf,Five shelves.,Home & Kitchen,Oakly,129.00,4.5,10,2026-01-02T03:04:05Z\n" +
		"C-2,Broken price,desc,Books,Acme,twelve,4.0,1,2026-01-02T03:04:05Z\n" +
		"C-3,Ragged\n" +
		"C-1,Oak bookshelf (new),Five shelves.,Home & Kitchen,Oakly,119.00,4.5,11,2026-01-02T03:04:05Z\n"
	src := filepath.Join(t.TempDir(), "shelves.csv")
	if err := os.WriteFile(src, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(t.TempDir(), "rejects.ndjson")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--schema", demoSchema, "--data", data, "--rejects", rejects, "--max-rejects", "2", src}, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	first := strings.SplitN(stdout.String(), "\n", 2)[0]
	m := summaryLine.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no summary line:\n%s", stdout.String())
	}
	if got := strings.Join(m[1:], " "); got != "shelves.csv 4 1 1 2 1 0 0" {
		t.Fatalf("summary %q: got file/read/ingested/merged/rejected/new/updated/unchanged = %s", first, got)
	}
	if !strings.Contains(stdout.String(), "2 rejected rows written to "+rejects) ||
		!strings.Contains(stdout.String(), `row 2, column price, value "twelve"`) {
		t.Fatalf("reject report:\n%s", stdout.String())
	}
	raw, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("rejects file has %d lines:\n%s", len(lines), raw)
	}
	var p ingest.Problem
	if err := json.Unmarshal([]byte(lines[0]), &p); err != nil {
		t.Fatal(err)
	}
	if p.File != "shelves.csv" || p.Row != 2 || p.ID != "C-2" || p.Column != "price" || p.Value != "twelve" || p.Reason == "" {
		t.Fatalf("reject line %s", lines[0])
	}
	if err := json.Unmarshal([]byte(lines[1]), &p); err != nil || p.Row != 3 || !strings.Contains(p.Reason, "header has 9") {
		t.Fatalf("ragged-row reject line %s (%v)", lines[1], err)
	}

	// The data directory now serves the later C-1 row, and a second run
	// reports it unchanged: C-1 is accounted for by its last row, which is
	// what is stored.
	// Without --max-rejects the rejected rows fail the command, and the
	// summary it printed says why.
	stdout.Reset()
	err = run(context.Background(), []string{"ingest", "--data", data, "--rejects", rejects, src}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "shelves.csv: 2 of 4 rows rejected, over --max-rejects 0") {
		t.Fatalf("rejects without --max-rejects: err %v", err)
	}
	if m := summaryLine.FindStringSubmatch(stdout.String()); m == nil || m[5] != "2" || m[6] != "0" || m[7] != "0" || m[8] != "1" {
		t.Fatalf("second run: %s", stdout.String())
	}
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, ok := db.Collection.Get("C-1"); !ok || r.Fields["price"] != 119.0 || db.Collection.Len() != 1 {
		t.Fatalf("C-1 %+v, %d documents", r.Fields, db.Collection.Len())
	}
}

func TestIngestCommandRawAmazon(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	schema := filepath.Join("..", "..", "examples", "amazon-raw.schema.yaml")
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--schema", schema, "--data", data, raw}, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	want := "raw_products.csv: read 1465 = ingested 1351 + merged duplicates 114 + rejected 0; 1351 new, 0 updated, 0 unchanged ("
	if !strings.HasPrefix(stdout.String(), want) {
		t.Fatalf("got  %s\nwant %s…", stdout.String(), want)
	}
	// No rejects: no rejects file is left behind.
	if m, _ := filepath.Glob(filepath.Join(data, "rejects-*.ndjson")); len(m) != 0 {
		t.Fatalf("empty rejects file kept: %v", m)
	}
}
