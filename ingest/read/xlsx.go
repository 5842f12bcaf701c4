package read

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxReader streams one worksheet straight from the zip: the sheet XML is
// decoded token by token (sheetScanner), shared strings are loaded once
// (sharedStrings), and cell types and styles give numbers, booleans and
// dates their types. Nothing is extracted to disk but a shared-strings
// table too big for memory, and no more than one row is held at a time.
type xlsxReader struct {
	name     string
	sheet    *sheetScanner
	shared   *sharedStrings
	info     *workbookInfo
	cols     []string
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

// openXLSX checks the zip, reads the workbook's small parts and shared
// strings, and reads the header row. closer and tempPath, when set, are
// released by Close.
func openXLSX(ra io.ReaderAt, size int64, name string, opt Options, closer io.Closer, tempPath string) (rd Reader, err error) {
	x := &xlsxReader{name: name, tempPath: tempPath}
	if closer != nil {
		x.closers = append(x.closers, closer)
	}
	defer func() {
		// archive/zip and encoding/xml are fed untrusted bytes; a panic
		// there must become an error for this one upload, not a crashed
		// server.
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("read %s: corrupt xlsx: %v", name, p)
		}
		if err != nil {
			// The caller still owns closer and tempPath.
			for _, c := range x.closers {
				if c != closer {
					c.Close()
				}
			}
			x.shared.Close()
		}
	}()
	zr, err := guardZip(ra, size, name, maxXLSX(opt))
	if err != nil {
		return nil, err
	}
	info, err := readWorkbookInfo(zr)
	if err != nil {
		return nil, fmt.Errorf("read %s: corrupt xlsx: %w", name, err)
	}
	x.info = info
	sheet, err := pickSheet(info.sheets, opt.Sheet)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if part := info.parts[info.sharedStrings]; part != nil {
		if x.shared, err = loadSharedStrings(part); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
	part := info.parts[sheet.path]
	if part == nil {
		return nil, fmt.Errorf("read %s: corrupt xlsx: sheet %q: missing part %s", name, sheet.name, sheet.path)
	}
	rc, err := part.Open()
	if err != nil {
		return nil, fmt.Errorf("read %s: sheet %q: %w", name, sheet.name, err)
	}
	x.closers = append(x.closers, rc)
	x.sheet = &sheetScanner{tokens: newGuardedTokens(rc, maxXLSXCellBytes)}
	// The first row with any value is the header.
	for {
		cells, cellErr, _, err := x.nextRow()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read %s: sheet %q is empty, no header row", name, sheet.name)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if cellErr != nil {
			return nil, fmt.Errorf("read %s: header row: %w", name, cellErr)
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
		if x.cols, err = headerColumns(names, sheetColumn); err != nil {
			return nil, fmt.Errorf("read %s: sheet %q: %w", name, sheet.name, err)
		}
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
			col := columnName(first + 1)
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

// nextRow reads one sheet row and returns its typed cells trimmed of
// trailing empties (nil for a blank row), an error confined to the row,
// and the sheet row number.
func (x *xlsxReader) nextRow() (cells []any, cellErr error, line int, err error) {
	row, err := x.sheet.next()
	if err != nil {
		return nil, nil, 0, err
	}
	if row.tooBig != nil {
		return nil, row.tooBig, row.n, nil
	}
	width := 0
	for _, c := range row.cells {
		width = max(width, c.col+1)
	}
	cells = make([]any, width)
	last := -1
	for _, c := range row.cells {
		v := any(nil)
		if c.t == "s" {
			s, err := x.sharedString(c.v)
			if err != nil {
				return nil, fmt.Errorf("cell %s%d: %w", columnName(c.col+1), row.n, err), row.n, nil
			}
			if s != "" {
				v = s
			}
		} else {
			v = x.typed(c.v, c)
		}
		cells[c.col] = v
		if v != nil {
			last = max(last, c.col)
		}
	}
	if last < 0 {
		return nil, nil, row.n, nil
	}
	return cells[:last+1], nil, row.n, nil
}

// sharedString resolves a t="s" cell's index.
func (x *xlsxReader) sharedString(v string) (string, error) {
	i := parseInt(strings.TrimSpace(v))
	if i < 0 {
		return "", fmt.Errorf("shared string index %q is not a number", v)
	}
	if x.shared == nil {
		return "", fmt.Errorf("shared string %d, but the workbook has no shared strings", i)
	}
	return x.shared.get(i)
}

// typed converts a cell's text by the cell's type and style.
func (x *xlsxReader) typed(v string, m xlsxCell) any {
	if v == "" {
		return nil
	}
	switch m.t {
	case "inlineStr", "str":
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

// Close releases the sheet part, the shared strings' temporary file, the
// file (if owned) and a spooled upload.
func (x *xlsxReader) Close() error {
	var errs []error
	for _, c := range x.closers {
		errs = append(errs, c.Close())
	}
	x.closers = nil
	errs = append(errs, x.shared.Close())
	x.shared = nil
	if x.tempPath != "" {
		errs = append(errs, os.Remove(x.tempPath))
		x.tempPath = ""
	}
	return errors.Join(errs...)
}
