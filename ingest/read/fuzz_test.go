package read

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// fuzzDrain reads everything, requiring that row errors are *RowError with
// sane positions and that the reader ends (no endless loop on bad input).
func fuzzDrain(t *testing.T, r Reader) {
	ctx := context.Background()
	for i := 0; ; i++ {
		if i > 1<<16 {
			t.Fatal("reader does not end")
		}
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return
		}
		var re *RowError
		if errors.As(err, &re) {
			if re.Row < 1 || re.Line < 0 {
				t.Fatalf("row error with bad position: %+v", re)
			}
			continue
		}
		if err != nil {
			// Fatal errors must repeat rather than yield more records.
			if _, again := r.Next(ctx); again == nil {
				t.Fatalf("record after fatal error %v", err)
			}
			return
		}
		if rec.Row < 1 || rec.Values == nil {
			t.Fatalf("bad record %+v", rec)
		}
		if len(rec.Values) != len(r.Columns()) && r.Columns() != nil {
			// CSV and XLSX records carry every column; JSON ones a subset.
			if _, ok := r.(*csvReader); ok {
				t.Fatalf("record has %d values, %d columns", len(rec.Values), len(r.Columns()))
			}
		}
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b,c\n1,2,3\n"), uint8(0))
	f.Add([]byte("\xEF\xBB\xBFa;b\n\"x;y\";2\n"), uint8(0))
	f.Add([]byte("a,b\n1,\"unterminated\n2,3\n"), uint8(0))
	f.Add([]byte("a,b\n1,bad\"quote\n1,2,3\n"), uint8(0))
	f.Add([]byte("\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00"), uint8(0))
	f.Add([]byte("caf\xe9,na\xefve\n1,2\n"), uint8('\t'))
	f.Fuzz(func(t *testing.T, data []byte, delim uint8) {
		opt := Options{Format: FormatCSV}
		switch delim % 5 {
		case 1:
			opt.Delimiter = ';'
		case 2:
			opt.Delimiter = '\t'
		}
		r, err := New(bytes.NewReader(data), "fuzz.csv", opt)
		if err != nil {
			return
		}
		defer r.Close()
		fuzzDrain(t, r)
	})
}

func FuzzNDJSON(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"a\":\"x\",\"b\":[1,2]}\n"))
	f.Add([]byte("{\"a\":1}\n\n{bad\n[1]\n{\"a\":2} extra\n"))
	f.Add([]byte("{\"n\":123456789012345678901234567890}\n{\"f\":1e400}\n"))
	f.Add([]byte("\xEF\xBB\xBF{\"a\":null}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{FormatNDJSON, FormatJSON} {
			r, err := New(bytes.NewReader(data), "fuzz.json", Options{Format: format})
			if err != nil {
				continue
			}
			fuzzDrain(t, r)
			r.Close()
		}
	})
}

// FuzzXLSXOpen feeds whole files: the zip directory, the workbook's small
// parts, deflated XML. Most mutations break the zip or its deflate stream,
// so FuzzXLSXSheet below is what reaches the row and cell parsing.
func FuzzXLSXOpen(f *testing.F) {
	f.Add(buildXLSX(f, []string{"S"}, []string{typedSheet}, false))
	f.Add(buildXLSX(f, []string{"A", "B"}, []string{`<row r="1"><c r="A1" t="s"><v>9</v></c></row><row r="2"><c r="A2" t="s"><v>-1</v></c></row>`, `<row/>`}, true))
	f.Add(zipOf(f, map[string]string{"xl/workbook.xml": "<workbook/>"}))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzXLSX {
			return
		}
		r, err := New(bytes.NewReader(data), "fuzz.xlsx", Options{MaxXLSXBytes: 8 << 20})
		if err != nil {
			return
		}
		defer r.Close()
		fuzzDrain(t, r)
	})
}

// maxFuzzXLSX keeps fuzz inputs small: every new input the fuzzer finds is
// minimized by repeated removal of byte ranges, which costs executions in
// the square of its length.
const maxFuzzXLSX = 16 << 10

// FuzzXLSXSheet fuzzes a worksheet's XML and the shared-strings table
// directly, stored uncompressed in an otherwise valid workbook, so every
// mutation reaches sheetScanner and loadSharedStrings.
func FuzzXLSXSheet(f *testing.F) {
	f.Add([]byte(typedSheet), []byte(`<si><t>name</t></si><si><t>Rich</t></si><si><r><t>Multi</t></r><r><t xml:space="preserve"> run</t></r></si>`))
	f.Add([]byte(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row><row><c t="s"><v>7</v></c><c r="XFE1"><v>1</v></c></row>`), []byte(`<si><t>a</t><rPh><t>b</t></rPh></si>`))
	f.Add([]byte(`<row r="1"><c t="inlineStr"><is><t>a<![CDATA[b]]>&amp;</t></is></c></row><row r="2"><c s="1"><v>45231</v></c><c t="b"><v>x</v></c><c t="d"><v>nope</v></c></row>`), []byte(``))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		if len(sheet)+len(sst) > maxFuzzXLSX {
			return
		}
		data := storedWorkbook(t, string(sheet), string(sst))
		r, err := New(bytes.NewReader(data), "fuzz.xlsx", Options{})
		if err != nil {
			return
		}
		defer r.Close()
		fuzzDrain(t, r)
	})
}

// storedWorkbook is buildXLSX's workbook with the sheet's <sheetData> and
// the shared-strings table's entries replaced, all parts stored (not
// deflated) so that building it costs next to nothing.
func storedWorkbook(t *testing.T, sheetData, sst string) []byte {
	var buf bytes.Buffer
	rewriteWorkbook(t, zip.NewWriter(&buf), fuzzBaseWorkbook(t), zip.Store,
		func(w io.Writer) { io.WriteString(w, sst) }, func(w io.Writer) { io.WriteString(w, sheetData) })
	return buf.Bytes()
}

var fuzzBase []byte

func fuzzBaseWorkbook(t testing.TB) []byte {
	if fuzzBase == nil {
		fuzzBase = buildXLSX(t, []string{"S"}, []string{""}, false)
	}
	return fuzzBase
}
