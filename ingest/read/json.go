package read

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonReader streams a JSON array of objects, or a sequence of top-level
// objects, with the decoder's Token API: only one object is in memory at
// a time. A syntax error is fatal (the decoder cannot resynchronise); an
// element that is not an object is a *RowError.
type jsonReader struct {
	name    string
	dec     *json.Decoder
	lines   *lineCounter
	inArray bool
	started bool
	row     int
	cols    columnSet
	closer  io.Closer
	err     error
	pending *pendingRecord
}

func newJSON(r io.Reader, name string, closer io.Closer) (*jsonReader, error) {
	text, _ := decodeText(r)
	lc := &lineCounter{r: text}
	dec := json.NewDecoder(lc)
	dec.UseNumber()
	j := &jsonReader{name: name, dec: dec, lines: lc, closer: closer}
	rec, err := j.next()
	if err != nil && !errors.Is(err, io.EOF) {
		var re *RowError
		if !errors.As(err, &re) {
			return nil, err
		}
	}
	j.pending = &pendingRecord{rec, err}
	return j, nil
}

// Columns returns the keys seen so far, in order of first appearance.
func (j *jsonReader) Columns() []string { return j.cols.cols }

// Next returns the next object.
func (j *jsonReader) Next(ctx context.Context) (Record, error) {
	if err := checkCtx(ctx); err != nil {
		return Record{}, err
	}
	if p := j.pending; p != nil {
		j.pending = nil
		return p.rec, p.err
	}
	return j.next()
}

func (j *jsonReader) fatal(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // a truncated document is not a clean end
	}
	j.err = fmt.Errorf("read %s: line %d: invalid JSON: %w", j.name, j.lines.lineAt(j.dec.InputOffset()), err)
	return j.err
}

func (j *jsonReader) next() (Record, error) {
	if j.err != nil {
		return Record{}, j.err
	}
	if !j.started {
		j.started = true
		tok, err := j.dec.Token()
		if errors.Is(err, io.EOF) {
			j.err = fmt.Errorf("read %s: empty JSON document", j.name)
			return Record{}, j.err
		}
		if err != nil {
			return Record{}, j.fatal(err)
		}
		switch tok {
		case json.Delim('['):
			j.inArray = true
		case json.Delim('{'):
			return j.object()
		default:
			j.err = fmt.Errorf("read %s: JSON document is %v, want an array of objects or objects", j.name, tok)
			return Record{}, j.err
		}
	}
	if j.inArray && !j.dec.More() {
		if _, err := j.dec.Token(); err != nil { // the closing "]"
			return Record{}, j.fatal(err)
		}
		j.inArray = false
	}
	tok, err := j.dec.Token()
	if errors.Is(err, io.EOF) && !j.inArray {
		j.err = io.EOF
		return Record{}, io.EOF
	}
	if err != nil {
		return Record{}, j.fatal(err)
	}
	if tok == json.Delim('{') {
		return j.object()
	}
	j.row++
	line := j.lines.lineAt(j.dec.InputOffset() - 1)
	if err := skipValue(j.dec, tok); err != nil {
		return Record{}, j.fatal(err)
	}
	return Record{}, &RowError{Row: j.row, Line: line, Err: errNotObject}
}

// object decodes the object whose "{" was just read.
func (j *jsonReader) object() (Record, error) {
	j.row++
	line := j.lines.lineAt(j.dec.InputOffset() - 1)
	values, keys, err := decodeObject(j.dec)
	if err != nil {
		return Record{}, j.fatal(err)
	}
	j.cols.add(keys)
	return Record{Row: j.row, Line: line, Values: values}, nil
}

// Close closes the underlying file, if the reader owns it.
func (j *jsonReader) Close() error {
	if j.closer == nil {
		return nil
	}
	c := j.closer
	j.closer = nil
	return c.Close()
}

// lineCounter maps stream offsets to 1-based line numbers. It remembers
// only the newlines the decoder has read ahead of its position, so memory
// stays bounded by the decoder's buffer.
type lineCounter struct {
	r       io.Reader
	offset  int64   // bytes read so far
	before  int     // newlines before pending[0]
	pending []int64 // offsets of newlines not yet passed
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.pending = append(l.pending, l.offset+int64(i))
		}
	}
	l.offset += int64(n)
	return n, err
}

// lineAt returns the line holding offset; offsets must not decrease.
func (l *lineCounter) lineAt(offset int64) int {
	k := 0
	for k < len(l.pending) && l.pending[k] < offset {
		k++
	}
	l.before += k
	l.pending = append(l.pending[:0], l.pending[k:]...)
	return l.before + 1
}
