package read

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// xlsxCell is one <c> element as written in the sheet.
type xlsxCell struct {
	col int    // 0-based column
	t   string // the t attribute: s, inlineStr, str, b, e, d, n or ""
	s   int    // style (xf) index
	v   string // <v> text, or an inline string's text
}

// sheetScanner streams a worksheet's <row> elements. It holds one row at a
// time and, through guardedTokens, at most maxXLSXCellBytes of any token.
type sheetScanner struct {
	tokens  *guardedTokens
	lastRow int
	done    bool
}

// sheetRow is one <row>: its 1-based number and cells in sheet order. When
// the row broke a limit, tooBig says which and cells is nil.
type sheetRow struct {
	n      int
	cells  []xlsxCell
	tooBig error
}

// next returns the next row, io.EOF after the last.
func (sc *sheetScanner) next() (sheetRow, error) {
	if sc.done {
		return sheetRow{}, io.EOF
	}
	for {
		tok, err := sc.tokens.next()
		if errors.Is(err, io.EOF) {
			sc.done = true
			return sheetRow{}, io.EOF
		}
		if err != nil {
			return sheetRow{}, fmt.Errorf("sheet row %d: %w", sc.lastRow+1, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				n := sc.lastRow + 1
				if v := parseInt(attr(t, "r")); v > 0 {
					n = v
				}
				sc.lastRow = n
				return sc.readRow(n)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				sc.done = true
				return sheetRow{}, io.EOF
			}
		}
	}
}

// readRow consumes the cells of row n up to </row>.
func (sc *sheetScanner) readRow(n int) (sheetRow, error) {
	row := sheetRow{n: n}
	var (
		cell           *xlsxCell
		text           strings.Builder
		inV, inIS, inT bool
		inPhonetic     bool
		rowBytes       int
		col            = -1
	)
	for {
		tok, err := sc.tokens.next()
		if errors.Is(err, io.EOF) {
			sc.done = true // a sheet cut off inside a row: keep what was read
			return row, nil
		}
		if err != nil {
			return sheetRow{}, fmt.Errorf("sheet row %d: %w", n, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				col++
				if k := columnIndex(attr(t, "r")); k > 0 {
					col = k - 1
				}
				if col >= maxXLSXColumns && row.tooBig == nil {
					row.tooBig = fmt.Errorf("a cell beyond column %s, the sheet's last", columnName(maxXLSXColumns))
				}
				cell = &xlsxCell{col: col, t: attr(t, "t"), s: max(parseInt(attr(t, "s")), 0)}
				text.Reset()
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = inIS && !inPhonetic
			case "rPh":
				inPhonetic = true
			}
		case xml.CharData:
			if cell == nil || !(inV || inT) || row.tooBig != nil {
				continue
			}
			rowBytes += len(t)
			switch {
			case text.Len()+len(t) > maxXLSXCellBytes:
				row.tooBig = fmt.Errorf("cell %s%d is longer than %d bytes (the XLSX cell size limit)", columnName(cell.col+1), n, maxXLSXCellBytes)
			case rowBytes > maxXLSXRowBytes:
				row.tooBig = fmt.Errorf("the row holds more than %d bytes of text (the XLSX row size limit)", maxXLSXRowBytes)
			default:
				text.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				if cell != nil && row.tooBig == nil {
					cell.v = text.String()
					row.cells = append(row.cells, *cell)
				}
				cell, inV, inIS, inT, inPhonetic = nil, false, false, false, false
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "rPh":
				inPhonetic = false
			case "row":
				if row.tooBig != nil {
					row.cells = nil
				}
				return row, nil
			}
		}
	}
}

// attr returns the value of the attribute with the given local name.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// columnName converts a 1-based column number to its letters (28 → "AB").
func columnName(col int) string {
	var b []byte
	for ; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}
