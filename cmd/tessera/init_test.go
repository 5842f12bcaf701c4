package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/query"
)

// initAndIngest runs tessera init on file, ingests the file with the
// schema it wrote, and checks that no row is rejected and that a search
// for word finds something. It returns the schema text and the open
// database.
func initAndIngest(t *testing.T, file, word string, args ...string) (string, *tessera.DB) {
	t.Helper()
	ctx := context.Background()
	schema := filepath.Join(t.TempDir(), "schema.yaml")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, append([]string{"init", file, "--out", schema}, args...), &stdout, &stderr); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr.String())
	}
	y, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), SchemaPath: schema, NoSync: true})
	if err != nil {
		t.Fatalf("open with the proposed schema: %v\n%s", err, y)
	}
	t.Cleanup(func() { db.Close() })
	sum, err := db.Applier.IngestFile(ctx, file, ingest.BulkOptions{})
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, y)
	}
	if sum.Rejected != 0 || sum.Ingested == 0 || len(sum.Warnings) != 0 {
		t.Fatalf("%s\nproblems %v, warnings %v\nschema:\n%s", sum, sum.Problems, sum.Warnings, y)
	}
	resp, err := db.Engine.Search(ctx, query.Request{Text: word, Limit: 5})
	if err != nil || len(resp.Results) == 0 {
		t.Fatalf("search %q: %v, %d results\nschema:\n%s", word, err, len(resp.Results), y)
	}
	// The text spaces read the right column: the top result names the word.
	top, _ := db.Collection.Get(resp.Results[0].ID)
	if !strings.Contains(strings.ToLower(fmt.Sprint(top.Fields)), strings.Fields(word)[0]) {
		t.Fatalf("search %q: top result %v\nschema:\n%s", word, top.Fields, y)
	}
	return string(y), db
}

func TestInitAmazon(t *testing.T) {
	for _, tt := range []struct {
		file string
		args []string
		want []string
	}{
		{"products.csv", nil, []string{"id: asin", `separator: "|"`, "mode: minimum, scale: log", "format: rating"}},
		{"raw_products.csv", nil, []string{"id: product_id", "format: money", "format: percent", `null: ["|"]`, "levels: 1", "114 sampled rows repeat"}},
		{"products.xlsx", []string{"--sheet", "products"}, []string{"id: asin", "ingest: {sheet: products}"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			file := sharedtest.Path(t, "amazon-india/"+tt.file)
			y, db := initAndIngest(t, file, "usb cable", tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(y, w) {
					t.Errorf("schema lacks %q:\n%s", w, y)
				}
			}
			if n := db.Collection.Len(); n != 1351 {
				t.Errorf("%d documents, want 1351", n)
			}
		})
	}
}

// writeCSV writes rows (header first) to a CSV file in a temporary folder.
func writeRowsCSV(t *testing.T, name string, rows [][]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// flipkartCSV is shaped like the Flipkart products export: category trees
// wrapped as ["A >> B >> C"], prices as plain numbers, "No rating
// available", and specifications as Ruby hashes.
func flipkartCSV(t *testing.T, n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	trees := [][]string{
		{"Clothing", "Women's Clothing", "Lingerie, Sleep & Swimwear", "Shorts"},
		{"Clothing", "Men's Clothing", "T-Shirts"},
		{"Footwear", "Women's Footwear", "Ballerinas"},
		{"Furniture", "Living Room Furniture", "Sofa Beds & Futons"},
		{"Watches", "Wrist Watches"},
		{"Home Decor & Festive Needs", "Showpieces", "Ethnic"},
	}
	things := []string{"Cycling Shorts", "Cotton T-Shirt", "Bellies", "FabHomeDecor Fabric Double Sofa Bed", "Analog Watch", "Brass Showpiece"}
	ideal := []string{"Women's", "Men's", "Girls", "Boys", "Unisex"}
	rows := [][]string{{"uniq_id", "crawl_timestamp", "product_url", "product_name", "product_category_tree", "pid",
		"retail_price", "discounted_price", "image", "is_FK_Advantage_product", "description", "product_rating",
		"overall_rating", "brand", "product_specifications"}}
	for i := range n {
		k := rng.IntN(len(trees))
		path := strings.Join(append(append([]string(nil), trees[k]...), fmt.Sprintf("Item %d", i)), " >> ")
		retail := 200 + rng.IntN(20000)
		rating := "No rating available"
		if rng.IntN(3) == 0 {
			rating = fmt.Sprintf("%.1f", 1+rng.Float64()*4)
		}
		spec := fmt.Sprintf(`{"product_specification"=>[{"key"=>"Type", "value"=>%q}, {"key"=>"Ideal For", "value"=>%q}, {"value"=>"Gentle Machine Wash"}, {"key"=>"Style Code", "value"=>"SC%d"}]}`,
			things[k], ideal[rng.IntN(len(ideal))], i)
		if i%17 == 0 {
			spec = `{"product_specification"=>nil}`
		}
		brand := []string{"Alisha", "AW", "Sicons", "FabHomeDecor", "Titan"}[rng.IntN(5)]
		rows = append(rows, []string{
			fmt.Sprintf("c2d766ca982eca8304150849735ffe%02x%04d", rng.IntN(256), i),
			time.Date(2016, 3, 25, 22, 59, 23, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05 -0700"),
			fmt.Sprintf("http://www.flipkart.com/p/item-%d?pid=SRT%d", i, i),
			fmt.Sprintf("%s %s", brand, things[k]),
			fmt.Sprintf("[%q]", path),
			fmt.Sprintf("SRTEH2F%05d", i),
			fmt.Sprint(retail), fmt.Sprint(retail * (30 + rng.IntN(70)) / 100),
			fmt.Sprintf(`["http://img5a.flixcart.com/image/%d-1.jpeg", "http://img5a.flixcart.com/image/%d-2.jpeg"]`, i, i),
			[]string{"False", "True"}[rng.IntN(2)],
			fmt.Sprintf("Key Features of %s %s. Buy %s for Rs.%d online at Flipkart.com. Only Genuine Products. 30 Day Replacement Guarantee. Free Shipping. Cash On Delivery!", brand, things[k], things[k], retail),
			rating, rating, brand, spec,
		})
	}
	return writeRowsCSV(t, "flipkart.csv", rows)
}

func TestInitFlipkartLike(t *testing.T) {
	y, db := initAndIngest(t, flipkartCSV(t, 400), "sofa bed")
	for _, w := range []string{"id: uniq_id", `unwrap: list, separator: " >> "`, "levels: 1",
		`extract: {from: product_specifications, key: "Ideal For"}`, "type: bool"} {
		if !strings.Contains(y, w) {
			t.Errorf("schema lacks %q:\n%s", w, y)
		}
	}
	var found bool
	db.Collection.Each(func(r index.Record) bool {
		tree, _ := r.Fields["product_category_tree"].([]string)
		if len(tree) < 3 || r.Fields["product_category_tree_top"] != tree[0] {
			t.Fatalf("%s: tree %v, top %v", r.ID, r.Fields["product_category_tree"], r.Fields["product_category_tree_top"])
		}
		if r.Fields["ideal_for"] != nil {
			found = true
		}
		return true
	})
	if !found {
		t.Errorf("no document has ideal_for extracted:\n%s", y)
	}
}

// orderBookCSV is shaped like an order book (Superstore): month-first
// dates from 2014 to 2017, order ids shared by lines, a row id, and a
// profit that goes negative.
func orderBookCSV(t *testing.T, n int) string {
	rng := rand.New(rand.NewPCG(3, 4))
	products := []struct{ category, sub, name string }{
		{"Furniture", "Tables", "Bretford CR4500 Series Slim Rectangular Table"},
		{"Furniture", "Chairs", "Hon Deluxe Fabric Upholstered Stacking Chairs"},
		{"Office Supplies", "Labels", "Self-Adhesive Address Labels for Typewriters"},
		{"Office Supplies", "Storage", "Eldon Fold 'N Roll Cart System"},
		{"Technology", "Phones", "Mitel 5320 IP Phone VoIP phone"},
		{"Technology", "Accessories", "Logitech Wireless Mouse M325"},
	}
	rows := [][]string{{"Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer Name", "Segment",
		"Region", "Category", "Sub-Category", "Product Name", "Sales", "Quantity", "Discount", "Profit"}}
	start := time.Date(2014, 1, 3, 0, 0, 0, 0, time.UTC)
	for i := range n {
		p := products[rng.IntN(len(products))]
		day := start.AddDate(0, 0, i*1455/n)
		sales := 2 + rng.Float64()*3000
		profit := sales * (rng.Float64()*0.8 - 0.3)
		rows = append(rows, []string{
			fmt.Sprint(i + 1), fmt.Sprintf("CA-%d-%06d", day.Year(), 100000+i/3),
			day.Format("1/2/2006"), day.AddDate(0, 0, 4).Format("1/2/2006"),
			[]string{"Second Class", "Standard Class", "First Class"}[rng.IntN(3)],
			[]string{"Claire Gute", "Darrin Van Huff", "Sean O'Donnell", "Brosina Hoffman"}[rng.IntN(4)],
			[]string{"Consumer", "Corporate", "Home Office"}[rng.IntN(3)],
			[]string{"South", "West", "Central", "East"}[rng.IntN(4)],
			p.category, p.sub, p.name,
			fmt.Sprintf("%.4f", sales), fmt.Sprint(1 + rng.IntN(9)), []string{"0", "0.2", "0.45"}[rng.IntN(3)],
			fmt.Sprintf("%.4f", profit),
		})
	}
	return writeRowsCSV(t, "orders.csv", rows)
}

func TestInitOrderBookLike(t *testing.T) {
	y, db := initAndIngest(t, orderBookCSV(t, 500), "table")
	for _, w := range []string{"id: row_id", `column: "Order Date"`, `layouts: ["1/2/2006"]`, "scale: signed_log",
		"name: profit", "mode: maximum, scale: signed_log", "as_of: newest", "field: order_date"} {
		if !strings.Contains(y, w) {
			t.Errorf("schema lacks %q:\n%s", w, y)
		}
	}
	// Recency is measured from the newest order, not from today: a
	// recency-only search ranks the last orders of 2017 first.
	resp, err := db.Engine.Search(context.Background(), query.Request{Weights: query.Weights{"recency": 1}, Limit: 3})
	if err != nil || len(resp.Results) == 0 || !(resp.Results[0].Score > 0) {
		t.Fatalf("recency search: %v %+v\n%s", err, resp, y)
	}
	r, _ := db.Collection.Get(resp.Results[0].ID)
	if at, _ := r.Fields["order_date"].(time.Time); at.Year() != 2017 {
		t.Errorf("newest first: got %v", r.Fields["order_date"])
	}
}

func TestInitErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"init"}, &stdout, &stderr); err == nil {
		t.Error("init without a file succeeded")
	}
	noID := writeRowsCSV(t, "noid.csv", [][]string{{"color", "size"}, {"red", "M"}, {"red", "M"}, {"blue", "L"}})
	if err := run(context.Background(), []string{"init", noID}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "no id column") {
		t.Errorf("a file without an id column: %v", err)
	}
}

// An NDJSON export: typed numbers and booleans, tag arrays, and a nested
// object no field type holds, which init leaves out.
func TestInitNDJSON(t *testing.T) {
	var b strings.Builder
	colors := []string{"red", "blue", "green"}
	for i := range 60 {
		fmt.Fprintf(&b, `{"sku":"S-%d","name":"Trail running shoe %d","price":%d.5,"in_stock":%t,"tags":["shoe","%s"],"dims":{"w":%d},"added":"2026-0%d-1%dT10:00:00Z"}`+"\n",
			i, i, 40+i, i%2 == 0, colors[i%3], i, 1+i%9, i%10)
	}
	path := filepath.Join(t.TempDir(), "shoes.ndjson")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	y, _ := initAndIngest(t, path, "trail shoe")
	for _, w := range []string{"id: sku", "in_stock: {type: bool}", "tags:", "type: category_list", `left out`, `"dims"`, "kind: recency"} {
		if !strings.Contains(y, w) {
			t.Errorf("schema lacks %q:\n%s", w, y)
		}
	}
}

func TestInitHelpers(t *testing.T) {
	for in, want := range map[string]string{"Order Date": "order_date", "Sub-Category": "sub_category", "is_FK_Advantage_product": "is_fk_advantage_product", "2nd": "c_2nd", "???": "column"} {
		if got := fieldName(in); got != want {
			t.Errorf("fieldName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]float64{77990: 100000, 2999: 5000, 1369: 2000, 1: 1, 0.45: 0.5, 0: 1} {
		if got := niceCeil(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]string{"price": "price", "Order Date": `"Order Date"`, "yes": `"yes"`, `a"b`: `"a\"b"`, " >> ": `" >> "`} {
		if got := yamlString(in); got != want {
			t.Errorf("yamlString(%q) = %s, want %s", in, got, want)
		}
	}
}
