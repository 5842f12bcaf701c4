package read

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tessera-search/tessera/internal/clean"
)

// typedSheet exercises every cell type: shared, inline and formula
// strings, numbers, booleans, errors, built-in and custom date styles, a
// number style whose quoted text contains date letters, ISO date cells,
// formulas with cached values, gaps between rows and columns.
const typedSheet = `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>num</t></is></c><c r="C1" t="inlineStr"><is><t>flag</t></is></c><c r="D1" t="inlineStr"><is><t>day</t></is></c><c r="E1" t="inlineStr"><is><t>stamp</t></is></c><c r="F1" t="inlineStr"><is><t>days</t></is></c><c r="G1" t="inlineStr"><is><t>calc</t></is></c><c r="H1" t="inlineStr"><is><t>iso</t></is></c></row>
<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>1234.5</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" s="1"><v>45231</v></c><c r="E2" s="2"><v>45231.5</v></c><c r="F2" s="3"><v>2.5</v></c><c r="G2"><f>B2*2</f><v>2469</v></c><c r="H2" t="d"><v>2023-11-01T10:00:00Z</v></c></row>
<row r="3"><c r="A3" t="s"><v>2</v></c><c r="C3" t="b"><v>0</v></c><c r="G3" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>
<row r="5"><c r="A5" t="inlineStr"><is><t>after gap</t></is></c><c r="B5" t="e"><v>#DIV/0!</v></c><c r="D5" t="inlineStr"><is><t>2023-11-01</t></is></c></row>
<row r="6"/>
<row r="7"><c r="B7"><v>7</v></c></row>`

func TestXLSXTypedCells(t *testing.T) {
	data := buildXLSX(t, []string{"Data"}, []string{typedSheet}, false)
	r := newString(t, string(data), "typed.xlsx", Options{})
	want := []string{"name", "num", "flag", "day", "stamp", "days", "calc", "iso"}
	if !reflect.DeepEqual(r.Columns(), want) {
		t.Fatalf("columns %q", r.Columns())
	}
	recs, rowErrs, err := readAll(t, r)
	if err != nil || len(rowErrs) > 0 || len(recs) != 4 {
		t.Fatalf("records %+v, row errors %v, err %v", recs, rowErrs, err)
	}
	v := recs[0].Values
	checks := map[string]any{
		"name":  "Rich",
		"num":   1234.5,
		"flag":  true,
		"day":   time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC),
		"stamp": time.Date(2023, 11, 1, 12, 0, 0, 0, time.UTC),
		"days":  2.5, // "0.00 \"days\"" is a number format, not a date
		"calc":  2469.0,
		"iso":   time.Date(2023, 11, 1, 10, 0, 0, 0, time.UTC),
	}
	for k, w := range checks {
		if got := v[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	if recs[0].Line != 2 || recs[0].Row != 1 {
		t.Errorf("first record row %d line %d", recs[0].Row, recs[0].Line)
	}
	v = recs[1].Values
	if v["name"] != "Multi run" || v["flag"] != false || v["calc"] != "ab" || v["num"] != nil || len(v) != len(want) {
		t.Errorf("second record %v", v)
	}
	v = recs[2].Values
	if v["name"] != "after gap" || v["num"] != nil || v["day"] != "2023-11-01" || recs[2].Line != 5 || recs[2].Row != 3 {
		t.Errorf("third record %+v", recs[2])
	}
	if recs[3].Values["num"] != 7.0 || recs[3].Line != 7 || recs[3].Row != 4 {
		t.Errorf("fourth record %+v (the blank row 6 must be skipped)", recs[3])
	}
}

func TestXLSXDate1904(t *testing.T) {
	data := buildXLSX(t, []string{"S"}, []string{`<row r="1"><c r="A1" t="inlineStr"><is><t>d</t></is></c></row><row r="2"><c r="A2" s="1"><v>43769</v></c></row>`}, true)
	recs, _, err := readAll(t, newString(t, string(data), "d.xlsx", Options{}))
	if err != nil || len(recs) != 1 || !recs[0].Values["d"].(time.Time).Equal(time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("records %v, err %v", recs, err)
	}
}

func TestXLSXSheetSelection(t *testing.T) {
	sheet := func(v string) string {
		return `<row r="1"><c r="A1" t="inlineStr"><is><t>v</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>` + v + `</t></is></c></row>`
	}
	data := string(buildXLSX(t, []string{"First", "Second", "3"}, []string{sheet("one"), sheet("two"), sheet("three")}, false))
	for sel, want := range map[string]string{"": "one", "Second": "two", "second": "two", "2": "two", "3": "three", "1": "one"} {
		r := newString(t, data, "s.xlsx", Options{Sheet: sel})
		rec, err := r.Next(context.Background())
		if err != nil || rec.Values["v"] != want {
			t.Errorf("Sheet %q: %v, %v; want %q", sel, rec.Values, err, want)
		}
	}
	_, err := New(strings.NewReader(data), "s.xlsx", Options{Sheet: "Missing"})
	if err == nil || !strings.Contains(err.Error(), `"First", "Second", "3"`) {
		t.Fatalf("unknown sheet error %v, want it to list the sheets", err)
	}
}

func TestXLSXRaggedRow(t *testing.T) {
	data := buildXLSX(t, []string{"S"}, []string{`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c><c r="C2"><v>3</v></c></row><row r="3"><c r="A3"><v>4</v></c></row>`}, false)
	recs, rowErrs, err := readAll(t, newString(t, string(data), "r.xlsx", Options{}))
	// B2 is empty: the error names C, the first extra cell with a value.
	if err != nil || len(recs) != 1 || len(rowErrs) != 1 || rowErrs[0].Line != 2 || rowErrs[0].Column != "C" || !strings.Contains(rowErrs[0].Error(), "has 3 fields, header has 1") {
		t.Fatalf("records %v, row errors %v, err %v", recs, rowErrs, err)
	}
}

func TestXLSXCorrupt(t *testing.T) {
	good := buildXLSX(t, []string{"S"}, []string{typedSheet}, false)
	cases := map[string][]byte{
		"not a zip":        []byte("this is plainly not a spreadsheet"),
		"truncated":        good[:len(good)/2],
		"empty":            {},
		"zip without book": zipOf(t, map[string]string{"hello.txt": "hi"}),
		"broken workbook":  zipOf(t, map[string]string{"xl/workbook.xml": "<workbook><sheets><sheet", "_rels/.rels": "<Relationships/>"}),
	}
	for name, data := range cases {
		_, err := New(bytes.NewReader(data), "c.xlsx", Options{})
		if err == nil || !strings.Contains(err.Error(), "c.xlsx") {
			t.Errorf("%s: error %v, want a clear error naming the file", name, err)
		}
	}
	// A sheet whose XML breaks midway: the rows before it still arrive.
	broken := buildXLSX(t, []string{"S"}, []string{`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c`}, false)
	r, err := New(bytes.NewReader(broken), "b.xlsx", Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer r.Close()
	recs, _, err := readAll(t, r)
	if len(recs) < 1 || recs[0].Values["a"] != 1.0 {
		t.Fatalf("records before the break: %v (err %v)", recs, err)
	}
}

// zipOf builds a zip archive with the given files.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXZipBomb(t *testing.T) {
	// A workbook whose sheet inflates 200 KiB → 64 MiB of zeros.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	zeros := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		w.Write(zeros)
	}
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed; the test wants a small file", buf.Len())
	}
	_, err := New(bytes.NewReader(buf.Bytes()), "bomb.xlsx", Options{MaxXLSXBytes: 16 << 20})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "zip bomb") {
		t.Fatalf("error %v, want ErrTooLarge naming a zip bomb", err)
	}
	// The real workbook passes a limit above its size and fails one below.
	p := sharedtest.Path(t, "amazon-india/products.xlsx")
	if _, err := Open(p, Options{MaxXLSXBytes: 1 << 20}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("1 MiB limit on products.xlsx: %v, want ErrTooLarge", err)
	}
	r, err := Open(p, Options{MaxXLSXBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

func TestXLSXSpooledUpload(t *testing.T) {
	data := buildXLSX(t, []string{"S"}, []string{typedSheet}, false)
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "tessera-xlsx-*"))
	// io.MultiReader hides ReaderAt, forcing the temporary-file path.
	r, err := New(io.MultiReader(bytes.NewReader(data)), "upload.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := readAll(t, r)
	if err != nil || len(recs) != 4 {
		t.Fatalf("records %d, err %v", len(recs), err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "tessera-xlsx-*"))
	if len(after) > len(before) {
		t.Fatalf("temporary files left: %v", after)
	}
	if _, err := New(io.MultiReader(bytes.NewReader(data)), "upload.xlsx", Options{MaxXLSXBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized upload: %v", err)
	}
}

// TestProductsCSVMatchesXLSX reads the clean catalogue from both formats
// and compares every record through the schema's cleaning step.
func TestProductsCSVMatchesXLSX(t *testing.T) {
	csvR, err := Open(sharedtest.Path(t, "amazon-india/products.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer csvR.Close()
	xlsxR, err := Open(sharedtest.Path(t, "amazon-india/products.xlsx"), Options{Sheet: "products"})
	if err != nil {
		t.Fatal(err)
	}
	defer xlsxR.Close()
	if !reflect.DeepEqual(csvR.Columns(), xlsxR.Columns()) {
		t.Fatalf("columns differ: %q vs %q", csvR.Columns(), xlsxR.Columns())
	}
	csvRecs, csvErrs, err := readAll(t, csvR)
	if err != nil || len(csvErrs) > 0 {
		t.Fatal(err, csvErrs)
	}
	xRecs, xErrs, err := readAll(t, xlsxR)
	if err != nil || len(xErrs) > 0 {
		t.Fatal(err, xErrs)
	}
	if len(csvRecs) != 1351 || len(xRecs) != 1351 {
		t.Fatalf("%d CSV and %d XLSX records, want 1351 each", len(csvRecs), len(xRecs))
	}
	specs := map[string]clean.Spec{
		"asin":          {Type: clean.TypeText},
		"title":         {Type: clean.TypeText},
		"category":      {Type: clean.TypeCategoryList},
		"review_rating": {Type: clean.TypeNumber, Format: clean.FormatRating},
		"review_count":  {Type: clean.TypeInteger, Format: clean.FormatCount},
		"price":         {Type: clean.TypeNumber, Format: clean.FormatMoney},
		"list_price":    {Type: clean.TypeNumber, Format: clean.FormatMoney},
	}
	typedNumbers := 0
	for i := range csvRecs {
		for col, spec := range specs {
			a, errA := spec.Clean(csvRecs[i].Values[col])
			b, errB := spec.Clean(xRecs[i].Values[col])
			if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("record %d %s: CSV %#v → %#v (%v), XLSX %#v → %#v (%v)", i+1, col,
					csvRecs[i].Values[col], a, errA, xRecs[i].Values[col], b, errB)
			}
		}
		if _, ok := xRecs[i].Values["price"].(float64); ok {
			typedNumbers++
		}
	}
	if typedNumbers != len(xRecs) {
		t.Errorf("%d of %d XLSX prices are typed float64", typedNumbers, len(xRecs))
	}
	if p, _ := specs["price"].Clean(xRecs[0].Values["price"]); p != 399.0 {
		t.Errorf("first price %v, want 399", p)
	}
}
