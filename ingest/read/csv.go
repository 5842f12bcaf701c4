package read

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// csvReader streams a CSV or TSV file through encoding/csv.
type csvReader struct {
	name   string
	cr     *csv.Reader
	cols   []string
	row    int
	closer io.Closer
	err    error // sticky fatal error
}

// newCSV decodes the text, sniffs the delimiter unless given, and reads
// the header.
func newCSV(r io.Reader, format, name string, opt Options, closer io.Closer) (*csvReader, error) {
	text, _ := decodeText(r)
	br := bufio.NewReaderSize(text, textBuffer)
	delim := opt.Delimiter
	if delim == 0 {
		if format == FormatTSV {
			delim = '\t'
		} else {
			head, err := br.Peek(textBuffer)
			delim = rune(sniffDelimiter(head, errors.Is(err, io.EOF)))
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // ragged rows become *RowError, not fatal
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read %s: empty file, no header row", name)
		}
		return nil, fmt.Errorf("read %s: header: %w", name, err)
	}
	cols, err := headerColumns(header, csvField)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return &csvReader{name: name, cr: cr, cols: cols, closer: closer}, nil
}

// Columns returns the header names.
func (r *csvReader) Columns() []string { return r.cols }

// Next returns the next record. Broken quoting is reported as a *RowError
// and reading resumes after the line where encoding/csv stopped. A quote
// left open runs on through the following lines (to the next quote, or
// to the end of the file): that is one error, starting at the line where
// the quote opened, and it stands for every line it ran through, each of
// which was a row the file meant to have (RowError.Rows), so that no row
// silently drops out of the count.
func (r *csvReader) Next(ctx context.Context) (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if err := checkCtx(ctx); err != nil {
		return Record{}, err
	}
	fields, err := r.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			first := r.row + 1
			if pe.Line > pe.StartLine && errors.Is(pe.Err, csv.ErrQuote) {
				n := pe.Line - pe.StartLine + 1
				r.row += n
				return Record{}, &RowError{Row: first, Line: pe.StartLine, Rows: n,
					Err: fmt.Errorf("quote opened on this line is never closed properly: it runs to line %d, column %d (%w), taking lines %d-%d (%d rows) with it",
						pe.Line, pe.Column, pe.Err, pe.StartLine, pe.Line, n)}
			}
			r.row++
			// The caller names the row's first line: the position says
			// its line only when the error is on a later one.
			at := fmt.Sprintf("column %d", pe.Column)
			if pe.Line != pe.StartLine {
				at = fmt.Sprintf("line %d, column %d", pe.Line, pe.Column)
			}
			return Record{}, &RowError{Row: first, Line: pe.StartLine, Err: fmt.Errorf("%s: %w", at, pe.Err)}
		}
		if errors.Is(err, io.EOF) {
			r.err = io.EOF
			return Record{}, io.EOF
		}
		r.err = fmt.Errorf("read %s: after row %d: %w", r.name, r.row, err)
		return Record{}, r.err
	}
	r.row++
	line, _ := r.cr.FieldPos(0)
	if len(fields) != len(r.cols) {
		col := fmt.Sprintf("%d", len(r.cols)+1) // where the extra fields begin
		if len(fields) < len(r.cols) {
			col = r.cols[len(fields)] // the first one missing
		}
		return Record{}, &RowError{Row: r.row, Line: line, Column: col,
			Err: fmt.Errorf("has %d fields, header has %d", len(fields), len(r.cols))}
	}
	values := make(map[string]any, len(r.cols))
	for i, c := range r.cols {
		values[c] = fields[i]
	}
	return Record{Row: r.row, Line: line, Values: values}, nil
}

// Close closes the underlying file, if the reader owns it.
func (r *csvReader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}
