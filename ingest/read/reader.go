package read

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// Formats accepted in Options.Format.
const (
	FormatCSV    = "csv"
	FormatTSV    = "tsv"
	FormatXLSX   = "xlsx"
	FormatNDJSON = "ndjson"
	FormatJSON   = "json"
)

// DefaultMaxXLSXBytes bounds the total uncompressed size of an XLSX file
// when Options.MaxXLSXBytes is zero.
const DefaultMaxXLSXBytes = 1 << 30

// Record is one data row.
type Record struct {
	Row    int            // 1-based data row number (header not counted); for JSON the 1-based object number
	Line   int            // physical line where the record starts (CSV, NDJSON, JSON), or the sheet row (XLSX)
	Values map[string]any // column → raw value
}

// Reader streams records. Next returns io.EOF after the last record and a
// *RowError for a bad row, after which the caller may keep calling Next;
// any other error is fatal.
type Reader interface {
	// Columns returns the header names (for JSON, the keys seen so far).
	Columns() []string
	// Next returns the next record.
	Next(ctx context.Context) (Record, error)
	// Close releases the file and any temporary files.
	Close() error
}

// Options tune Open and New; the zero value detects everything.
type Options struct {
	// Format is csv, tsv, xlsx, ndjson or json; "" picks by file extension,
	// then by sniffing the content.
	Format string
	// Delimiter is the CSV field separator; 0 sniffs among , ; tab and |.
	Delimiter rune
	// Sheet picks the XLSX sheet by name or 1-based index; "" is the first.
	Sheet string
	// MaxXLSXBytes bounds the total uncompressed size of an XLSX file
	// (zip bomb guard); 0 means DefaultMaxXLSXBytes.
	MaxXLSXBytes int64
}

// RowError reports one bad row. The reader has skipped it; the caller
// records it and calls Next again.
type RowError struct {
	Row  int // 1-based data row number
	Line int // line (or sheet row) where the row starts
	// Column is the column at fault when one is: the first missing column
	// of a short row, or where a long row's extra fields begin ("column 10"
	// in a CSV file, the sheet's column letter in a workbook).
	Column string
	Err    error // what is wrong
	// Rows is how many data rows the error stands for, when more than
	// one: an unclosed quote runs on through the lines after it, and each
	// of them was a row the file meant to have.
	Rows int
}

// Error names the row, line and column.
func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("row %d (line %d), column %s: %v", e.Row, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("row %d (line %d): %v", e.Row, e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *RowError) Unwrap() error { return e.Err }

// ErrTooLarge is wrapped by the error for an XLSX file whose uncompressed
// size exceeds Options.MaxXLSXBytes.
var ErrTooLarge = errors.New("file too large")

// Open opens the file at path. The returned Reader owns the file.
func Open(path string, opt Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	format, err := detectFormat(opt.Format, path, nil)
	if err == nil && format == "" {
		head := make([]byte, 512)
		n, _ := f.ReadAt(head, 0)
		format, err = detectFormat("", "", head[:n])
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	var r Reader
	if format == FormatXLSX {
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		r, err = openXLSX(f, st.Size(), path, opt, f, "")
		if err != nil {
			f.Close()
			return nil, err
		}
		return r, nil
	}
	cr := &countingReader{r: f}
	r, err = newText(cr, format, path, opt, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
		return &sizedReader{Reader: r, in: cr, size: st.Size()}, nil
	}
	return r, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sizedReader is a text Reader over a file of known size; Fraction lets
// progress reports say how far through the file it is.
type sizedReader struct {
	Reader
	in   *countingReader
	size int64
}

// Fraction is the share of the file's bytes read so far (buffered ahead
// of the records returned, by at most the read buffer).
func (s *sizedReader) Fraction() float64 {
	return min(float64(s.in.n.Load())/float64(s.size), 1)
}

// textBuffer is the size of each buffer a text reader reads through.
const textBuffer = 64 << 10

// readAhead bounds how far a text reader reads ahead of the records it
// has returned: two buffers (decodeText's and the format's) and the text
// transformer's few KiB.
const readAhead = 2*textBuffer + 32<<10

// Consumed is how many of the file's bytes the records returned so far
// came from, at least (the bytes read less what may sit in buffers), and
// the file's size.
func (s *sizedReader) Consumed() (atLeast, size int64) {
	return max(s.in.n.Load()-readAhead, 0), s.size
}

// New reads from r, an upload for instance; name supplies the extension
// used to detect the format and names the source in errors. An XLSX needs
// random access: r is used directly when it is an io.ReaderAt and
// io.Seeker (an *os.File, a *bytes.Reader), otherwise it is copied to a
// temporary file, at most MaxXLSXBytes long, removed by Close. New does
// not close r.
func New(r io.Reader, name string, opt Options) (Reader, error) {
	format, err := detectFormat(opt.Format, name, nil)
	if err != nil {
		return nil, err
	}
	if format == "" {
		return newSniffed(r, name, opt, nil)
	}
	if format == FormatXLSX {
		return newXLSX(r, name, opt)
	}
	return newText(r, format, name, opt, nil)
}

// newSniffed picks the format from the first bytes of r.
func newSniffed(r io.Reader, name string, opt Options, closer io.Closer) (Reader, error) {
	br := bufio.NewReaderSize(r, textBuffer)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	format, _ := detectFormat("", "", head)
	if format == FormatXLSX {
		return newXLSX(br, name, opt)
	}
	return newText(br, format, name, opt, closer)
}

// newText builds a CSV, TSV, NDJSON or JSON reader.
func newText(r io.Reader, format, name string, opt Options, closer io.Closer) (Reader, error) {
	switch format {
	case FormatCSV, FormatTSV:
		return newCSV(r, format, name, opt, closer)
	case FormatNDJSON:
		return newNDJSON(r, name, closer)
	case FormatJSON:
		return newJSON(r, name, closer)
	}
	return nil, fmt.Errorf("read %s: unsupported format %q", name, format)
}

// detectFormat returns the declared format, else the one the extension
// names, else (given the first bytes) a sniffed one, else "".
func detectFormat(declared, name string, head []byte) (string, error) {
	if declared != "" {
		switch f := strings.ToLower(declared); f {
		case FormatCSV, FormatTSV, FormatXLSX, FormatNDJSON, FormatJSON:
			return f, nil
		case "jsonl":
			return FormatNDJSON, nil
		}
		return "", fmt.Errorf("read: unknown format %q (want csv, tsv, xlsx, ndjson, json)", declared)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return FormatCSV, nil
	case ".tsv", ".tab":
		return FormatTSV, nil
	case ".xlsx", ".xlsm":
		return FormatXLSX, nil
	case ".ndjson", ".jsonl":
		return FormatNDJSON, nil
	case ".json":
		return FormatJSON, nil
	}
	if head == nil {
		return "", nil
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return FormatXLSX, nil
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	switch {
	case bytes.HasPrefix(t, []byte("[")):
		return FormatJSON, nil
	case bytes.HasPrefix(t, []byte("{")):
		return FormatNDJSON, nil
	}
	return FormatCSV, nil
}

// checkCtx returns ctx's error, if any, wrapped.
func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return nil
}
