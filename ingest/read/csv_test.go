package read

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func TestRawProductsCSV(t *testing.T) {
	r, err := Open(sharedtest.Path(t, "amazon-india/raw_products.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []string{"product_id", "product_name", "category", "discounted_price", "actual_price", "discount_percentage", "rating", "rating_count", "about_product", "img_link", "product_link"}
	if !reflect.DeepEqual(r.Columns(), want) {
		t.Fatalf("columns %q", r.Columns())
	}
	recs, rowErrs, err := readAll(t, r)
	if err != nil || len(rowErrs) > 0 {
		t.Fatalf("fatal %v, row errors %v", err, rowErrs)
	}
	if len(recs) != 1465 {
		t.Fatalf("%d records, want 1465", len(recs))
	}
	prevLine := 1
	for i, rec := range recs {
		if rec.Row != i+1 || rec.Line <= prevLine || len(rec.Values) != 11 {
			t.Fatalf("record %d: row %d line %d (previous line %d), %d values", i, rec.Row, rec.Line, prevLine, len(rec.Values))
		}
		prevLine = rec.Line
	}
	first := recs[0].Values
	if first["product_id"] != "B07JW9H4J1" || first["actual_price"] != "₹1,099" || first["rating_count"] != "24,269" || recs[0].Line != 2 {
		t.Fatalf("first record %v at line %d", first, recs[0].Line)
	}
}

func TestCSVRaggedRows(t *testing.T) {
	src := "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"
	recs, rowErrs, err := readAll(t, newString(t, src, "x.csv", Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Values["a"] != "10" || recs[1].Row != 4 || recs[1].Line != 5 {
		t.Fatalf("records %+v", recs)
	}
	if len(rowErrs) != 2 {
		t.Fatalf("row errors %v", rowErrs)
	}
	if e := rowErrs[0]; e.Row != 2 || e.Line != 3 || e.Column != "c" || !strings.Contains(e.Error(), "column c: has 2 fields, header has 3") {
		t.Errorf("first row error %v (row %d line %d)", e, e.Row, e.Line)
	}
	if e := rowErrs[1]; e.Row != 3 || e.Line != 4 || e.Column != "4" || !strings.Contains(e.Error(), "has 4 fields, header has 3") {
		t.Errorf("second row error %v", e)
	}
}

func TestCSVBrokenQuotingResyncs(t *testing.T) {
	src := "id,name\n1,ok\n2,bad\"quote\n3,\"fine, quoted\"\n4,\"x\"y\n5,last\n"
	recs, rowErrs, err := readAll(t, newString(t, src, "q.csv", Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Values["id"].(string))
	}
	if !reflect.DeepEqual(ids, []string{"1", "3", "5"}) {
		t.Fatalf("ids %q, want 1 3 5", ids)
	}
	if len(rowErrs) != 2 || rowErrs[0].Line != 3 || rowErrs[1].Line != 5 || !strings.Contains(rowErrs[0].Error(), `bare "`) {
		t.Fatalf("row errors %v", rowErrs)
	}
	if recs[1].Values["name"] != "fine, quoted" {
		t.Errorf("quoted value %q", recs[1].Values["name"])
	}
}

func TestCSVUnterminatedQuote(t *testing.T) {
	src := "id,name\n1,ok\n2,\"never closed\n3,x\n"
	recs, rowErrs, err := readAll(t, newString(t, src, "u.csv", Options{}))
	if err != nil || len(recs) != 1 || len(rowErrs) != 1 || rowErrs[0].Line != 3 {
		t.Fatalf("records %v, row errors %v, err %v", recs, rowErrs, err)
	}
	// On the last line the quote runs to the end of the file: the caller
	// prints the line, the reason adds the column, not the line again
	// ("line 3: line 3, column 13" before).
	_, rowErrs, err = readAll(t, newString(t, "id,name\n1,ok\n2,\"never closed", "u.csv", Options{}))
	if err != nil || len(rowErrs) != 1 || rowErrs[0].Line != 3 {
		t.Fatalf("row errors %v, err %v", rowErrs, err)
	}
	if msg := rowErrs[0].Err.Error(); strings.Contains(msg, "line") || !strings.Contains(msg, "column") {
		t.Errorf("reason %q: want the column without the line again", msg)
	}
}

// An opened quote that a later line's quote "closes" turns the lines in
// between into one broken record: one error at the line where the quote
// opened, standing for every row it swallowed, and the row numbers after
// it stay the file's.
func TestCSVUnclosedQuoteCountsTheRowsItSwallows(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 11; i++ {
		switch i {
		case 4:
			fmt.Fprintf(&b, "%d,\"opened here\n", i)
		case 7:
			fmt.Fprintf(&b, "%d,\"seven\"\n", i) // its first quote ends row 4's field; 's' is then stray
		default:
			fmt.Fprintf(&b, "%d,n%d\n", i, i)
		}
	}
	for _, tc := range []struct {
		name, src  string
		rows, last int
	}{
		{"closed later", b.String(), 4, 8},
		{"never closed", strings.Replace(b.String(), `7,"seven"`, "7,seven", 1), 8, 8},
	} {
		recs, rowErrs, err := readAll(t, newString(t, tc.src, "q.csv", Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if len(rowErrs) != 1 {
			t.Fatalf("%s: row errors %v", tc.name, rowErrs)
		}
		e := rowErrs[0]
		if e.Row != 4 || e.Line != 5 || e.Rows != tc.rows || !strings.Contains(e.Error(), "quote opened on this line") {
			t.Fatalf("%s: row error %v (row %d, line %d, rows %d), want row 4, line 5, %d rows", tc.name, e, e.Row, e.Line, e.Rows, tc.rows)
		}
		if got := len(recs) + e.Rows; got != 11 {
			t.Fatalf("%s: %d records + %d swallowed rows, want 11", tc.name, len(recs), e.Rows)
		}
		if n := len(recs); n > 3 && recs[3].Row != 8 {
			t.Fatalf("%s: the row after the broken record is numbered %d, want 8", tc.name, recs[3].Row)
		}
	}
}

func TestCSVQuotedNewlines(t *testing.T) {
	src := "id,text\n1,\"two\nlines\"\n2,after\n"
	recs, _, err := readAll(t, newString(t, src, "n.csv", Options{}))
	if err != nil || len(recs) != 2 {
		t.Fatal(recs, err)
	}
	if recs[0].Values["text"] != "two\nlines" || recs[1].Line != 4 {
		t.Fatalf("records %+v", recs)
	}
}

func TestCSVEncodingsAndDelimiters(t *testing.T) {
	const text = "name;city;price\nJosé;Zürich;\"1.234,50\"\nFrançois;Besançon;€5\n"
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(text, ";", ","))
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(text, ";", "\t"))
	utf16noBOM, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String(strings.ReplaceAll(text, ";", ","))
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(strings.ReplaceAll(text, "€", "EUR "))
	cp1252, _ := charmap.Windows1252.NewEncoder().String(strings.ReplaceAll(text, ";", "|"))
	cases := []struct {
		name, src, price2 string
	}{
		{"semicolon with BOM", "\xEF\xBB\xBF" + text, "€5"},
		{"UTF-16LE with BOM", utf16le, "€5"},
		{"UTF-16BE with BOM, tabs", utf16be, "€5"},
		{"UTF-16LE without BOM", utf16noBOM, "€5"},
		{"Latin-1", latin1, "EUR 5"},
		{"Windows-1252, pipes", cp1252, "€5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newString(t, c.src, "enc.csv", Options{})
			if !reflect.DeepEqual(r.Columns(), []string{"name", "city", "price"}) {
				t.Fatalf("columns %q", r.Columns())
			}
			recs, rowErrs, err := readAll(t, r)
			if err != nil || len(rowErrs) > 0 || len(recs) != 2 {
				t.Fatalf("records %v, row errors %v, err %v", recs, rowErrs, err)
			}
			if recs[0].Values["name"] != "José" || recs[0].Values["city"] != "Zürich" || recs[1].Values["city"] != "Besançon" || recs[1].Values["price"] != c.price2 {
				t.Fatalf("decoded %v / %v", recs[0].Values, recs[1].Values)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	cases := map[string]byte{
		"a,b,c\n1,2,3\n":                  ',',
		"a;b;c\n1;2;3\n":                  ';',
		"a\tb\n1\t2\n":                    '\t',
		"a|b|c\n1|2|3\n":                  '|',
		"a,b\n\"x;y;z\",2\n\"p;q;r\",3\n": ',', // separators inside quotes do not count
		"id,path\n1,A|B|C\n2,A|B\n":       ',', // pipes in a path column are not columns
		"single\nvalue\n":                 ',',
		"a;b,c;d\n1;2,3;4\n5;6,7;8\n":     ';', // more fields wins among consistent ones
	}
	for src, want := range cases {
		if got := sniffDelimiter([]byte(src), true); got != want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestCSVHeaders(t *testing.T) {
	r := newString(t, "price, ,name\n1,2,3\n", "h.csv", Options{})
	want := []string{"price", "column_2", "name"}
	if !reflect.DeepEqual(r.Columns(), want) {
		t.Fatalf("columns %q, want %q", r.Columns(), want)
	}
	rec, err := r.Next(context.Background())
	if err != nil || rec.Values["price"] != "1" || rec.Values["column_2"] != "2" {
		t.Fatalf("record %v, %v", rec.Values, err)
	}
	if _, err := New(strings.NewReader(""), "empty.csv", Options{}); err == nil || !strings.Contains(err.Error(), "no header") {
		t.Fatalf("empty file error %v", err)
	}
}

// TestDuplicateHeaderIsAnError: a column name given twice (after trimming)
// is refused, naming both positions the way the user finds them.
func TestDuplicateHeaderIsAnError(t *testing.T) {
	cases := []struct {
		name, src string
		want      string
	}{
		{"d.csv", "id,price,name, price \n1,2,3,4\n", `read d.csv: header: column "price" appears twice, at field 2 and field 4`},
		{"d.tsv", "id\tname\tid\n1\t2\t3\n", `read d.tsv: header: column "id" appears twice, at field 1 and field 3`},
		{"d.xlsx", string(buildXLSX(t, []string{"S"}, []string{`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="C1" t="inlineStr"><is><t>title</t></is></c><c r="AB1" t="inlineStr"><is><t>title</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>`}, false)),
			`read d.xlsx: sheet "S": header: column "title" appears twice, at column C and column AB`},
	}
	for _, c := range cases {
		_, err := New(strings.NewReader(c.src), c.name, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestCSVContextAndOptions(t *testing.T) {
	r := newString(t, "a:b\n1:2\n", "x.csv", Options{Delimiter: ':'})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Next = %v", err)
	}
	rec, err := r.Next(context.Background())
	if err != nil || rec.Values["b"] != "2" {
		t.Fatalf("Next = %v, %v", rec, err)
	}
	if _, err := r.Next(context.Background()); err != io.EOF {
		t.Fatalf("end = %v, want io.EOF", err)
	}
	if _, err := New(strings.NewReader("a"), "x.csv", Options{Format: "parquet"}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestOpenSniffsUnknownExtension(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"data.bin":  "a;b\n1;2\n",
		"array.dat": `[{"a":1}]`,
		"lines.dat": "{\"a\":1}\n{\"a\":2}\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		r, err := Open(p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs, _, err := readAll(t, r)
		r.Close()
		if err != nil || len(recs) == 0 || recs[0].Values["a"] == nil {
			t.Errorf("%s: %v, %v", name, recs, err)
		}
	}
	xlsx := buildXLSX(t, []string{"S"}, []string{`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>`}, false)
	p := filepath.Join(dir, "upload.bin")
	os.WriteFile(p, xlsx, 0o600)
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rec, err := r.Next(context.Background()); err != nil || rec.Values["a"] != 1.0 {
		t.Fatalf("sniffed xlsx: %v, %v", rec, err)
	}
	_ = bytes.MinRead
}
