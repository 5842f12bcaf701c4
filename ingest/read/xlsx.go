package read

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxXMLInMemory is the size above which excelize spills a worksheet or the
// shared strings to a temporary file instead of memory.
const xlsxXMLInMemory = 4 << 20

// xlsxReader streams one worksheet. Values come from excelize's streaming
// row iterator (f.Rows), which resolves shared and inline strings and gives
// formulas' cached values; but it returns every cell as a string. The cell
// types and styles it drops are read by a second, lightweight pass over the
// same worksheet XML (cellTypes), kept in step row by row, so numbers,
// booleans and dates keep their types.
type xlsxReader struct {
	name     string
	file     *excelize.File
	rows     *excelize.Rows
	types    *cellTypes
	info     *workbookInfo
	cols     []string
	sheetRow int // sheet row excelize is on (1-based)
	row      int // data rows returned
	closers  []io.Closer
	tempPath string
	err      error
}

// newXLSX opens an XLSX from r, spooling it to a temporary file when r
// offers no random access.
func newXLSX(r io.Reader, name string, opt Options) (Reader, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return openXLSX(f, st.Size(), name, opt, nil, "")
		}
	}
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		size, err := ra.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return openXLSX(ra, size, name, opt, nil, "")
	}
	limit := maxXLSX(opt)
	tmp, err := os.CreateTemp("", "tessera-xlsx-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("read %s: spooling upload: %w", name, err)
	}
	fail := func(err error) (Reader, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	n, err := io.Copy(tmp, io.LimitReader(r, limit+1))
	if err != nil {
		return fail(fmt.Errorf("read %s: spooling upload: %w", name, err))
	}
	if n > limit {
		return fail(fmt.Errorf("read %s: upload larger than %d bytes (MaxXLSXBytes): %w", name, limit, ErrTooLarge))
	}
	rd, err := openXLSX(tmp, n, name, opt, tmp, tmp.Name())
	if err != nil {
		return fail(err)
	}
	return rd, nil
}

func maxXLSX(opt Options) int64 {
	if opt.MaxXLSXBytes > 0 {
		return opt.MaxXLSXBytes
	}
	return DefaultMaxXLSXBytes
}

// openXLSX checks the zip, opens the workbook with excelize and reads the
// header row. closer and tempPath, when set, are released by Close.
func openXLSX(ra io.ReaderAt, size int64, name string, opt Options, closer io.Closer, tempPath string) (rd Reader, err error) {
	defer func() {
		// excelize and archive/zip are fed untrusted bytes; a panic there
		// must become an error for this one upload, not a crashed server.
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("read %s: corrupt xlsx: %v", name, p)
		}
	}()
	limit := maxXLSX(opt)
	zr, err := guardZip(ra, size, name, limit)
	if err != nil {
		return nil, err
	}
	info, err := readWorkbookInfo(zr)
	if err != nil {
		return nil, fmt.Errorf("read %s: corrupt xlsx: %w", name, err)
	}
	sheet, err := pickSheet(info.sheets, opt.Sheet)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	xopt := excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    limit,
		UnzipXMLSizeLimit: min(limit, xlsxXMLInMemory),
	}
	var f *excelize.File
	if osf, ok := ra.(*os.File); ok {
		f, err = excelize.OpenFile(osf.Name(), xopt)
	} else {
		f, err = excelize.OpenReader(io.NewSectionReader(ra, 0, size), xopt)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: corrupt xlsx: %w", name, err)
	}
	x := &xlsxReader{name: name, file: f, info: info, tempPath: tempPath}
	if closer != nil {
		x.closers = append(x.closers, closer)
	}
	fail := func(err error) (Reader, error) {
		x.Close()
		return nil, err
	}
	x.rows, err = f.Rows(sheet.name)
	if err != nil {
		return fail(fmt.Errorf("read %s: sheet %q: %w", name, sheet.name, err))
	}
	part, err := zr.Open(sheet.path)
	if err != nil {
		return fail(fmt.Errorf("read %s: sheet %q: %w", name, sheet.name, err))
	}
	x.closers = append(x.closers, part)
	x.types = &cellTypes{dec: xml.NewDecoder(part), pendingRow: -1}
	// The first row with any value is the header.
	for {
		cells, _, line, err := x.nextRow()
		if errors.Is(err, io.EOF) {
			return fail(fmt.Errorf("read %s: sheet %q is empty, no header row", name, sheet.name))
		}
		if err != nil {
			return fail(err)
		}
		if cells == nil {
			continue
		}
		names := make([]string, len(cells))
		for i, v := range cells {
			if v != nil {
				names[i] = fmt.Sprint(v)
			}
		}
		_ = line
		x.cols = uniqueColumns(names)
		return x, nil
	}
}

// pickSheet selects by exact name, then case-insensitive name, then
// 1-based index; "" is the first sheet.
func pickSheet(sheets []sheetInfo, want string) (sheetInfo, error) {
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s.name == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s.name, want) {
			return s, nil
		}
	}
	if i, err := strconv.Atoi(want); err == nil && i >= 1 && i <= len(sheets) {
		return sheets[i-1], nil
	}
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = strconv.Quote(s.name)
	}
	return sheetInfo{}, fmt.Errorf("no sheet %q; sheets are %s (or a 1-based index)", want, strings.Join(names, ", "))
}

// Columns returns the header row's names.
func (x *xlsxReader) Columns() []string { return x.cols }

// Next returns the next non-empty row.
func (x *xlsxReader) Next(ctx context.Context) (rec Record, err error) {
	if x.err != nil {
		return Record{}, x.err
	}
	defer func() {
		if p := recover(); p != nil {
			x.err = fmt.Errorf("read %s: corrupt xlsx after row %d: %v", x.name, x.row, p)
			rec, err = Record{}, x.err
		}
	}()
	for {
		if err := checkCtx(ctx); err != nil {
			return Record{}, err
		}
		cells, cellErr, line, err := x.nextRow()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("read %s: %w", x.name, err)
			}
			x.err = err
			return Record{}, err
		}
		if cellErr != nil {
			x.row++
			return Record{}, &RowError{Row: x.row, Line: line, Err: cellErr}
		}
		if cells == nil {
			continue // blank row
		}
		x.row++
		if len(cells) > len(x.cols) {
			// Name the first extra cell that holds something: the sheet's
			// own column letter is what the user can find.
			first := len(x.cols)
			for cells[first] == nil {
				first++
			}
			col, _ := excelize.ColumnNumberToName(first + 1)
			return Record{}, &RowError{Row: x.row, Line: line, Column: col,
				Err: fmt.Errorf("has %d fields, header has %d", len(cells), len(x.cols))}
		}
		values := make(map[string]any, len(x.cols))
		for i, c := range x.cols {
			if i < len(cells) {
				values[c] = cells[i]
			} else {
				values[c] = nil
			}
		}
		return Record{Row: x.row, Line: line, Values: values}, nil
	}
}

// nextRow advances excelize and the type pass by one sheet row and returns
// its typed cells trimmed of trailing empties (nil for a blank row), an
// error confined to the row, and the sheet row number.
func (x *xlsxReader) nextRow() (cells []any, cellErr error, line int, err error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, nil, 0, fmt.Errorf("sheet row %d: %w", x.sheetRow+1, err)
		}
		return nil, nil, 0, io.EOF
	}
	x.sheetRow++
	raw, cerr := x.rows.Columns(excelize.Options{RawCellValue: true})
	metas, err := x.types.row(x.sheetRow)
	if err != nil {
		return nil, nil, x.sheetRow, fmt.Errorf("sheet row %d: %w", x.sheetRow, err)
	}
	if cerr != nil {
		return nil, cerr, x.sheetRow, nil
	}
	last := -1
	cells = make([]any, len(raw))
	for i, v := range raw {
		var m cellMeta
		if i < len(metas) {
			m = metas[i]
		}
		cells[i] = x.typed(v, m)
		if cells[i] != nil {
			last = i
		}
	}
	if last < 0 {
		return nil, nil, x.sheetRow, nil
	}
	return cells[:last+1], nil, x.sheetRow, nil
}

// typed converts excelize's raw cell text by the cell's type and style.
func (x *xlsxReader) typed(v string, m cellMeta) any {
	if v == "" {
		return nil
	}
	switch m.t {
	case "s", "inlineStr", "str":
		return v
	case "b":
		return v == "1" || strings.EqualFold(v, "true")
	case "e":
		return nil // #DIV/0!, #N/A: no value
	case "d":
		for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(l, v); err == nil {
				return t.UTC()
			}
		}
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if m.s >= 0 && m.s < len(x.info.dateStyle) && x.info.dateStyle[m.s] {
		if t, err := excelize.ExcelDateToTime(f, x.info.date1904); err == nil {
			return t.UTC()
		}
	}
	return f
}

// Close releases excelize's temporary files, the sheet part, the file (if
// owned) and a spooled upload.
func (x *xlsxReader) Close() error {
	var errs []error
	if x.rows != nil {
		errs = append(errs, x.rows.Close())
		x.rows = nil
	}
	if x.file != nil {
		errs = append(errs, x.file.Close())
		x.file = nil
	}
	for _, c := range x.closers {
		errs = append(errs, c.Close())
	}
	x.closers = nil
	if x.tempPath != "" {
		errs = append(errs, os.Remove(x.tempPath))
		x.tempPath = ""
	}
	return errors.Join(errs...)
}

// cellMeta is what the type pass keeps of a cell.
type cellMeta struct {
	t string // the cell's t attribute: s, inlineStr, str, b, e, d, n or ""
	s int    // style (xf) index
}

// cellTypes reads a worksheet's XML for the <c> elements' attributes only.
type cellTypes struct {
	dec        *xml.Decoder
	lastRow    int
	pendingRow int // row number of a <row> read ahead, or -1
	done       bool
}

// row returns the cell attributes of sheet row n, indexed by 0-based
// column, or nil when the sheet has no <row> element numbered n.
func (c *cellTypes) row(n int) ([]cellMeta, error) {
	for !c.done {
		if c.pendingRow < 0 {
			if err := c.seekRow(); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case c.pendingRow > n:
			return nil, nil // excelize reports a gap row
		case c.pendingRow < n:
			if _, err := c.readCells(); err != nil {
				return nil, err
			}
		default:
			return c.readCells()
		}
	}
	return nil, nil
}

// seekRow advances to the next <row> start and records its number.
func (c *cellTypes) seekRow() error {
	for {
		tok, err := c.dec.RawToken()
		if errors.Is(err, io.EOF) {
			c.done = true
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				n := c.lastRow + 1
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						if v := parseInt(a.Value); v > 0 {
							n = v
						}
					}
				}
				c.lastRow, c.pendingRow = n, n
				return nil
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				c.done = true
				return nil
			}
		}
	}
}

// readCells consumes the pending row's cells up to </row>.
func (c *cellTypes) readCells() ([]cellMeta, error) {
	c.pendingRow = -1
	var metas []cellMeta
	col := 0
	for {
		tok, err := c.dec.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				c.done = true
				return metas, nil
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			m := cellMeta{s: 0}
			next := col + 1
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "r":
					if k := columnIndex(a.Value); k > 0 {
						next = k
					}
				case "t":
					m.t = a.Value
				case "s":
					m.s = parseInt(a.Value)
				}
			}
			col = next
			if col > excelize.MaxColumns {
				return nil, fmt.Errorf("column %d beyond the sheet's limit", col)
			}
			for len(metas) < col {
				metas = append(metas, cellMeta{})
			}
			metas[col-1] = m
		case xml.EndElement:
			if t.Name.Local == "row" {
				return metas, nil
			}
		}
	}
}
