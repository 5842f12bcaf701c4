package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/ingest"
)

// rawRows parses raw_products.csv with encoding/csv, independently of
// ingest/read: the test's own view of the file.
func rawRows(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[0], all[1:]
}

// indianCount is the test's own reading of "1,79,691".
func indianCount(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		t.Fatalf("count %q: %v", s, err)
	}
	return n
}

func TestRawAmazonIngest(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	db := openDB(t, t.TempDir(), example(t, "amazon-raw.schema.yaml"))
	var rej bytes.Buffer
	sum, err := db.Applier.IngestFile(context.Background(), raw, ingest.BulkOptions{Rejects: &rej})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, sum)
	if sum.Read != 1465 || sum.Ingested != 1351 || sum.Merged != 114 || sum.Rejected != 0 {
		t.Fatalf("accounting: %s\nproblems: %+v", sum, sum.Problems)
	}
	if rej.Len() != 0 || len(sum.Warnings) != 0 {
		t.Fatalf("rejects %q, warnings %v", rej.String(), sum.Warnings)
	}
	if n := db.Collection.Len(); n != 1351 {
		t.Fatalf("collection holds %d products, want 1351", n)
	}

	// The stray "|" rating is a declared null token: the rating is unset,
	// the row is kept.
	r, ok := db.Collection.Get("B08L12N5H1")
	if !ok {
		t.Fatal("B08L12N5H1 (the '|' rating) was not stored")
	}
	if v, present := r.Fields["rating"]; !present || v != nil {
		t.Fatalf("B08L12N5H1 rating = %#v (present %v), want a stored null", v, present)
	}
	if r.Fields["review_count"] != int64(992) || r.Fields["price"] != 2099.0 {
		t.Fatalf("B08L12N5H1 other fields: %v", r.Fields)
	}
	// Empty rating counts: missing: default, default: 0.
	for _, id := range []string{"B0B94JPY2N", "B0BQRJ3C47"} {
		r, ok := db.Collection.Get(id)
		if !ok || r.Fields["review_count"] != int64(0) {
			t.Fatalf("%s review_count = %#v, want int64(0)", id, r.Fields["review_count"])
		}
	}
	// Spot checks of the format parsers on the first product.
	first, _ := db.Collection.Get("B07JW9H4J1")
	if first.Fields["price"] != 399.0 || first.Fields["list_price"] != 1099.0 || first.Fields["discount_percentage"] != 64.0 || first.Fields["rating"] != 4.2 {
		t.Fatalf("B07JW9H4J1: %v", first.Fields)
	}
	wantPath := []string{"Computers&Accessories", "Accessories&Peripherals", "Cables&Accessories", "Cables", "USBCables"}
	if got, _ := first.Fields["category"].([]string); strings.Join(got, "|") != strings.Join(wantPath, "|") {
		t.Fatalf("category path = %#v", first.Fields["category"])
	}

	// Every stored price is a positive finite number; every id's values
	// come from its last row in the file (a later duplicate wins).
	header, rows := rawRows(t, raw)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	last := map[string][]string{}
	for _, row := range rows {
		last[row[col["product_id"]]] = row
	}
	if len(rows) != 1465 || len(last) != 1351 {
		t.Fatalf("the test's own parse: %d rows, %d ids", len(rows), len(last))
	}
	laterWon := 0
	for id, row := range last {
		r, ok := db.Collection.Get(id)
		if !ok {
			t.Fatalf("%s not stored", id)
		}
		for _, f := range []string{"price", "list_price"} {
			if p, ok := r.Fields[f].(float64); !ok || !(p > 0) {
				t.Fatalf("%s %s = %#v, want a positive float64", id, f, r.Fields[f])
			}
		}
		if c := row[col["rating_count"]]; c != "" {
			if want := indianCount(t, c); r.Fields["review_count"] != want {
				t.Fatalf("%s review_count = %#v, its last row says %q", id, r.Fields["review_count"], c)
			}
		}
		if r.Fields["title"] != strings.Join(strings.Fields(row[col["product_name"]]), " ") {
			t.Fatalf("%s title = %q, last row says %q", id, r.Fields["title"], row[col["product_name"]])
		}
		if len(r.Vector) != db.Encoder.Dim() {
			t.Fatalf("%s vector has %d dims", id, len(r.Vector))
		}
	}
	// B08HDJ86NZ appears three times with counts 94,363 / 94,364 / 94,364.
	if r, _ := db.Collection.Get("B08HDJ86NZ"); r.Fields["review_count"] != int64(94364) {
		t.Fatalf("B08HDJ86NZ review_count = %#v, want the later rows' 94364", r.Fields["review_count"])
	}
	for id, row := range last {
		firstRow := rows[indexOf(rows, col["product_id"], id)]
		if firstRow[col["rating_count"]] != row[col["rating_count"]] {
			laterWon++
		}
	}
	if laterWon == 0 {
		t.Fatal("no duplicate with differing counts: the later-wins check proved nothing")
	}

	// The vocabulary of the category space was learned in file order.
	if cats := db.Encoder.Categories("category"); len(cats) != 317 || cats[0] != "Computers&Accessories" {
		t.Fatalf("learned %d path categories, first %q; want 317 starting with Computers&Accessories", len(cats), cats[0])
	}
}

func indexOf(rows [][]string, c int, id string) int {
	for i, r := range rows {
		if r[c] == id {
			return i
		}
	}
	return -1
}

// The cleaned file was derived from the raw one: ingesting the raw scrape
// through the cleaning rules must agree with it on every number.
func TestRawAgreesWithCuratedFile(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	clean := sharedtest.Path(t, "amazon-india/products.csv")
	a := openDB(t, t.TempDir(), example(t, "amazon-raw.schema.yaml"))
	b := openDB(t, t.TempDir(), example(t, "amazon-products.schema.yaml"))
	ctx := context.Background()
	if _, err := a.Applier.IngestFile(ctx, raw, ingest.BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err := b.Applier.IngestFile(ctx, clean, ingest.BulkOptions{})
	if err != nil || sum.Read != 1351 || sum.Ingested != 1351 || sum.Rejected != 0 {
		t.Fatalf("products.csv: %s %v", sum, err)
	}
	ra, rb := contents(a.Collection), contents(b.Collection)
	if len(ra) != len(rb) {
		t.Fatalf("raw has %d products, curated %d", len(ra), len(rb))
	}
	// The curated file kept each repeated id's first row, the raw ingest
	// its last: compare the ids that appear once.
	_, rows := rawRows(t, raw)
	times := map[string]int{}
	for _, row := range rows {
		times[row[0]]++
	}
	mismatch, compared := 0, 0
	for id, x := range ra {
		y, ok := rb[id]
		if !ok {
			t.Fatalf("%s is in the raw file but not the curated one", id)
		}
		if times[id] != 1 {
			continue
		}
		compared++
		for _, f := range []string{"price", "list_price", "rating", "review_count", "title"} {
			if x.Fields[f] != y.Fields[f] {
				mismatch++
				if mismatch <= 5 {
					t.Errorf("%s %s: raw %#v, curated %#v", id, f, x.Fields[f], y.Fields[f])
				}
			}
		}
		if strings.Join(x.Fields["category"].([]string), "|") != strings.Join(y.Fields["category"].([]string), "|") {
			t.Fatalf("%s category: %v vs %v", id, x.Fields["category"], y.Fields["category"])
		}
	}
	if mismatch > 0 || compared < 1200 {
		t.Fatalf("%d field mismatches over %d products", mismatch, compared)
	}
}

func TestCSVAndXLSXIngestIdentically(t *testing.T) {
	csvPath := sharedtest.Path(t, "amazon-india/products.csv")
	xlsxPath := sharedtest.Path(t, "amazon-india/products.xlsx")
	schema := example(t, "amazon-products.schema.yaml")
	ctx := context.Background()
	a := openDB(t, filepath.Join(t.TempDir(), "csv"), schema)
	b := openDB(t, filepath.Join(t.TempDir(), "xlsx"), schema)
	sa, err := a.Applier.IngestFile(ctx, csvPath, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Applier.IngestFile(ctx, xlsxPath, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []ingest.Summary{sa, sb} {
		checkAccounting(t, s)
		if s.Read != 1351 || s.Ingested != 1351 || s.Rejected != 0 || len(s.Warnings) != 0 {
			t.Fatalf("%s warnings %v problems %+v", s, s.Warnings, s.Problems)
		}
	}
	sameContents(t, "products.csv vs products.xlsx", contents(a.Collection), contents(b.Collection))
	// Typed cells and text cells clean to the same Go types.
	r, _ := b.Collection.Get("B07JW9H4J1")
	if r.Fields["review_count"] != int64(24269) || r.Fields["price"] != 399.0 || r.Fields["type"] != "Computers&Accessories" {
		t.Fatalf("xlsx B07JW9H4J1: %v", r.Fields)
	}
}
