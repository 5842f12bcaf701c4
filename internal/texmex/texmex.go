// Package texmex reads and writes the TEXMEX vector formats used by the
// standard ANN benchmarks (SIFT, GIST, BIGANN): .fvecs (float32), .bvecs
// (uint8) and .ivecs (int32). Every row is a little-endian int32 dimension
// followed by that many components.
package texmex

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Format is one of the TEXMEX file formats.
type Format int

const (
	// Fvecs rows hold float32 components.
	Fvecs Format = iota
	// Bvecs rows hold uint8 components.
	Bvecs
	// Ivecs rows hold int32 components (ground truth ids).
	Ivecs
)

// String returns the file extension without the dot.
func (f Format) String() string {
	switch f {
	case Fvecs:
		return "fvecs"
	case Bvecs:
		return "bvecs"
	case Ivecs:
		return "ivecs"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

func (f Format) elemSize() int {
	if f == Bvecs {
		return 1
	}
	return 4
}

// FormatOf picks the format from a file name's extension.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".fvecs":
		return Fvecs, nil
	case ".bvecs":
		return Bvecs, nil
	case ".ivecs":
		return Ivecs, nil
	}
	return 0, fmt.Errorf("texmex: %s: unknown extension (want .fvecs, .bvecs or .ivecs)", path)
}

// maxDim bounds the per-row dimension so a corrupt length cannot size a huge
// buffer.
const maxDim = 1 << 20

// Reader streams rows from a TEXMEX stream.
type Reader struct {
	r      *bufio.Reader
	format Format
	dim    int // 0 until the first row
	row    int
	raw    []byte
}

// NewReader returns a Reader for rows in format f.
func NewReader(r io.Reader, f Format) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 1<<16), format: f}
}

// Dim returns the dimension of the rows read so far (0 before the first).
func (r *Reader) Dim() int { return r.dim }

// next reads one row's raw component bytes. It returns io.EOF at a clean end
// of stream and a descriptive error for a partial row or a dimension change.
func (r *Reader) next() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("texmex: row %d: truncated dimension: %w", r.row, err)
	}
	d := int(int32(binary.LittleEndian.Uint32(h[:])))
	if d <= 0 || d > maxDim {
		return nil, fmt.Errorf("texmex: row %d: invalid dimension %d", r.row, d)
	}
	if r.dim != 0 && d != r.dim {
		return nil, fmt.Errorf("texmex: row %d: dimension %d differs from %d", r.row, d, r.dim)
	}
	r.dim = d
	n := d * r.format.elemSize()
	if cap(r.raw) < n {
		r.raw = make([]byte, n)
	}
	r.raw = r.raw[:n]
	if _, err := io.ReadFull(r.r, r.raw); err != nil {
		return nil, fmt.Errorf("texmex: row %d: truncated row: %w", r.row, io.ErrUnexpectedEOF)
	}
	r.row++
	return r.raw, nil
}

// Floats reads the next row of an fvecs or bvecs stream into dst (grown as
// needed) and returns it. It returns io.EOF after the last row.
func (r *Reader) Floats(dst []float32) ([]float32, error) {
	if r.format == Ivecs {
		return nil, errors.New("texmex: Floats on an ivecs stream (use Ints)")
	}
	raw, err := r.next()
	if err != nil {
		return nil, err
	}
	dst = dst[:0]
	if r.format == Bvecs {
		for _, b := range raw {
			dst = append(dst, float32(b))
		}
		return dst, nil
	}
	for i := 0; i < len(raw); i += 4 {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
	}
	return dst, nil
}

// Ints reads the next row of an ivecs stream into dst and returns it.
func (r *Reader) Ints(dst []int32) ([]int32, error) {
	if r.format != Ivecs {
		return nil, fmt.Errorf("texmex: Ints on an %s stream (use Floats)", r.format)
	}
	raw, err := r.next()
	if err != nil {
		return nil, err
	}
	dst = dst[:0]
	for i := 0; i < len(raw); i += 4 {
		dst = append(dst, int32(binary.LittleEndian.Uint32(raw[i:])))
	}
	return dst, nil
}

// Skip discards n rows.
func (r *Reader) Skip(n int) error {
	for range n {
		if _, err := r.next(); err != nil {
			if err == io.EOF {
				return fmt.Errorf("texmex: skip: stream ends at row %d: %w", r.row, io.ErrUnexpectedEOF)
			}
			return err
		}
	}
	return nil
}

// Matrix is a block of rows stored contiguously.
type Matrix struct {
	Dim  int
	Data []float32 // row i is Data[i*Dim : (i+1)*Dim]
}

// Rows returns the number of rows.
func (m Matrix) Rows() int {
	if m.Dim == 0 {
		return 0
	}
	return len(m.Data) / m.Dim
}

// Row returns row i.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Dim : (i+1)*m.Dim : (i+1)*m.Dim] }

// IntMatrix is a block of ivecs rows stored contiguously.
type IntMatrix struct {
	Dim  int
	Data []int32
}

// Rows returns the number of rows.
func (m IntMatrix) Rows() int {
	if m.Dim == 0 {
		return 0
	}
	return len(m.Data) / m.Dim
}

// Row returns row i.
func (m IntMatrix) Row(i int) []int32 { return m.Data[i*m.Dim : (i+1)*m.Dim : (i+1)*m.Dim] }

// ReadFloats reads rows [start, end) of an .fvecs or .bvecs file; end < 0
// means to the end of the file. Reading stops early with ctx's error when ctx
// is cancelled.
func ReadFloats(ctx context.Context, path string, start, end int) (Matrix, error) {
	var m Matrix
	err := readRows(ctx, path, start, end, func(r *Reader) error {
		row, err := r.Floats(m.Data[len(m.Data):])
		if err != nil {
			return err
		}
		m.Dim = len(row)
		m.Data = m.Data[:len(m.Data)+len(row)]
		return nil
	}, func(rows, dim int) { m.Data = make([]float32, 0, rows*dim) })
	return m, err
}

// ReadInts reads rows [start, end) of an .ivecs file; end < 0 means to the
// end of the file.
func ReadInts(ctx context.Context, path string, start, end int) (IntMatrix, error) {
	var m IntMatrix
	err := readRows(ctx, path, start, end, func(r *Reader) error {
		row, err := r.Ints(m.Data[len(m.Data):])
		if err != nil {
			return err
		}
		m.Dim = len(row)
		m.Data = m.Data[:len(m.Data)+len(row)]
		return nil
	}, func(rows, dim int) { m.Data = make([]int32, 0, rows*dim) })
	return m, err
}

// readRows opens path, seeks to row start (rows have a fixed size, read from
// the first row's header), sizes the destination once and calls read per row.
func readRows(ctx context.Context, path string, start, end int, read func(*Reader) error, alloc func(rows, dim int)) error {
	if start < 0 || (end >= 0 && end < start) {
		return fmt.Errorf("texmex: %s: invalid row range [%d, %d)", path, start, end)
	}
	f, err := FormatOf(path)
	if err != nil {
		return err
	}
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("texmex: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return fmt.Errorf("texmex: %w", err)
	}
	var h [4]byte
	if _, err := io.ReadFull(file, h[:]); err != nil {
		if err == io.EOF && start == 0 && end <= 0 {
			alloc(0, 0)
			return nil
		}
		return fmt.Errorf("texmex: %s: reading first row: %w", path, io.ErrUnexpectedEOF)
	}
	dim := int(int32(binary.LittleEndian.Uint32(h[:])))
	if dim <= 0 || dim > maxDim {
		return fmt.Errorf("texmex: %s: invalid dimension %d", path, dim)
	}
	rowSize := int64(4 + dim*f.elemSize())
	total := int(st.Size() / rowSize)
	if st.Size()%rowSize != 0 {
		return fmt.Errorf("texmex: %s: size %d is not a multiple of the %d-byte row", path, st.Size(), rowSize)
	}
	if end < 0 {
		end = total
	}
	if start > total || end > total {
		return fmt.Errorf("texmex: %s: row range [%d, %d) outside %d rows", path, start, end, total)
	}
	if _, err := file.Seek(int64(start)*rowSize, io.SeekStart); err != nil {
		return fmt.Errorf("texmex: %s: %w", path, err)
	}
	alloc(end-start, dim)
	r := NewReader(file, f)
	r.row = start
	r.dim = dim
	for i := start; i < end; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("texmex: %s: %w", path, err)
			}
		}
		if err := read(r); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// Writer writes rows in fvecs or ivecs format.
type Writer struct {
	w      *bufio.Writer
	format Format
	buf    []byte
}

// NewWriter returns a Writer for f (Fvecs or Ivecs). Call Flush at the end.
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	if f != Fvecs && f != Ivecs {
		return nil, fmt.Errorf("texmex: writing %s is not supported", f)
	}
	return &Writer{w: bufio.NewWriterSize(w, 1<<16), format: f}, nil
}

func (w *Writer) header(n int) {
	w.buf = binary.LittleEndian.AppendUint32(w.buf[:0], uint32(n))
}

// WriteFloats appends one fvecs row.
func (w *Writer) WriteFloats(row []float32) error {
	if w.format != Fvecs {
		return errors.New("texmex: WriteFloats on an ivecs writer")
	}
	if len(row) == 0 {
		return errors.New("texmex: empty row")
	}
	w.header(len(row))
	for _, x := range row {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(x))
	}
	_, err := w.w.Write(w.buf)
	return err
}

// WriteInts appends one ivecs row.
func (w *Writer) WriteInts(row []int32) error {
	if w.format != Ivecs {
		return errors.New("texmex: WriteInts on an fvecs writer")
	}
	if len(row) == 0 {
		return errors.New("texmex: empty row")
	}
	w.header(len(row))
	for _, x := range row {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(x))
	}
	_, err := w.w.Write(w.buf)
	return err
}

// Flush writes buffered rows to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }

// WriteFvecs writes m to path as .fvecs.
func WriteFvecs(path string, m Matrix) error {
	return writeFile(path, Fvecs, m.Rows(), func(w *Writer, i int) error { return w.WriteFloats(m.Row(i)) })
}

// WriteIvecs writes m to path as .ivecs.
func WriteIvecs(path string, m IntMatrix) error {
	return writeFile(path, Ivecs, m.Rows(), func(w *Writer, i int) error { return w.WriteInts(m.Row(i)) })
}

func writeFile(path string, f Format, rows int, row func(*Writer, int) error) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("texmex: %w", err)
	}
	w, _ := NewWriter(file, f)
	for i := range rows {
		if err := row(w, i); err != nil {
			file.Close()
			return fmt.Errorf("texmex: %s: row %d: %w", path, i, err)
		}
	}
	if err := w.Flush(); err != nil {
		file.Close()
		return fmt.Errorf("texmex: %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("texmex: %s: %w", path, err)
	}
	return nil
}
