package read

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"testing"
)

// readAll drains r, returning the records and the row errors separately;
// a fatal error ends the read and is returned.
func readAll(t testing.TB, r Reader) ([]Record, []*RowError, error) {
	t.Helper()
	var recs []Record
	var rowErrs []*RowError
	for {
		rec, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return recs, rowErrs, nil
		}
		var re *RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re)
			continue
		}
		if err != nil {
			return recs, rowErrs, err
		}
		recs = append(recs, rec)
	}
}

// newString opens src as a named upload.
func newString(t testing.TB, src, name string, opt Options) Reader {
	t.Helper()
	r, err := New(bytes.NewReader([]byte(src)), name, opt)
	if err != nil {
		t.Fatalf("New(%s): %v", name, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// buildXLSX writes a minimal workbook by hand, so tests control every
// attribute excelize would otherwise choose. sheets maps sheet names (in
// order) to their <sheetData> inner XML.
func buildXLSX(t testing.TB, sheetNames []string, sheetData []string, date1904 bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	ct := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
	for i := range sheetNames {
		ct += `<Override PartName="/xl/worksheets/sheet` + itoa(i+1) + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	}
	put("[Content_Types].xml", ct+`</Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	pr := ""
	if date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	wb := `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` + pr + `<sheets>`
	rels := `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	for i, n := range sheetNames {
		id := itoa(i + 1)
		wb += `<sheet name="` + n + `" sheetId="` + id + `" r:id="rId` + id + `"/>`
		rels += `<Relationship Id="rId` + id + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet` + id + `.xml"/>`
	}
	rels += `<Relationship Id="rS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	put("xl/workbook.xml", wb+`</sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", rels)
	// Style 0 general, 1 built-in date (14), 2 custom date-time, 3 custom
	// number with quoted text that merely contains date letters.
	put("xl/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="165" formatCode="0.00&quot; days&quot;"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/></cellXfs></styleSheet>`)
	put("xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>name</t></si><si><t>Rich</t></si><si><r><t>Multi</t></r><r><t xml:space="preserve"> run</t></r></si></sst>`)
	for i, d := range sheetData {
		put("xl/worksheets/sheet"+itoa(i+1)+".xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+d+`</sheetData></worksheet>`)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func itoa(i int) string { return strconv.Itoa(i) }

// rewriteWorkbook writes the workbook src to zw, every part with method,
// with the shared-strings entries and the first sheet's <sheetData> taken
// from the given writers, and closes zw.
func rewriteWorkbook(t testing.TB, zw *zip.Writer, src []byte, method uint16, sharedStrings, sheet func(w io.Writer)) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: part.Name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		switch part.Name {
		case "xl/sharedStrings.xml":
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			sharedStrings(w)
			io.WriteString(w, `</sst>`)
		case "xl/worksheets/sheet1.xml":
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			sheet(w)
			io.WriteString(w, `</sheetData></worksheet>`)
		default:
			rc, err := part.Open()
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(w, rc)
			rc.Close()
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
