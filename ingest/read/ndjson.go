package read

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxNDJSONLine bounds one NDJSON line; a longer line is a *RowError and is
// skipped without being held in memory.
const maxNDJSONLine = 16 << 20

// ndjsonReader reads one JSON object per line.
type ndjsonReader struct {
	name    string
	br      *bufio.Reader
	line    int
	row     int
	cols    columnSet
	buf     []byte
	closer  io.Closer
	err     error
	pending *pendingRecord // the first record, read ahead for Columns
}

type pendingRecord struct {
	rec Record
	err error
}

func newNDJSON(r io.Reader, name string, closer io.Closer) (*ndjsonReader, error) {
	text, _ := decodeText(r)
	n := &ndjsonReader{name: name, br: bufio.NewReaderSize(text, textBuffer), closer: closer}
	// Read ahead so that Columns knows the first object's keys.
	rec, err := n.next()
	if err != nil && !errors.Is(err, io.EOF) {
		var re *RowError
		if !errors.As(err, &re) {
			return nil, err
		}
	}
	n.pending = &pendingRecord{rec, err}
	return n, nil
}

// Columns returns the keys seen so far, in order of first appearance;
// later records may add keys.
func (n *ndjsonReader) Columns() []string { return n.cols.cols }

// Next returns the object on the next non-blank line.
func (n *ndjsonReader) Next(ctx context.Context) (Record, error) {
	if err := checkCtx(ctx); err != nil {
		return Record{}, err
	}
	if p := n.pending; p != nil {
		n.pending = nil
		return p.rec, p.err
	}
	return n.next()
}

func (n *ndjsonReader) next() (Record, error) {
	if n.err != nil {
		return Record{}, n.err
	}
	for {
		line, tooLong, err := n.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				n.err = io.EOF
			} else {
				n.err = fmt.Errorf("read %s: line %d: %w", n.name, n.line+1, err)
			}
			return Record{}, n.err
		}
		n.line++
		if tooLong {
			n.row++
			return Record{}, &RowError{Row: n.row, Line: n.line, Err: fmt.Errorf("line longer than %d bytes", maxNDJSONLine)}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n.row++
		values, _, err := parseObjectLine(line)
		if err != nil {
			return Record{}, &RowError{Row: n.row, Line: n.line, Err: err}
		}
		for k := range values {
			if !n.cols.seen[k] {
				n.cols.add(keyOrder(line))
				break
			}
		}
		return Record{Row: n.row, Line: n.line, Values: values}, nil
	}
}

// readLine returns the next line without its newline. A line over the
// limit is drained and reported with tooLong. At the end of the input it
// returns the last unterminated line, then io.EOF.
func (n *ndjsonReader) readLine() (line []byte, tooLong bool, err error) {
	n.buf = n.buf[:0]
	for {
		chunk, err := n.br.ReadSlice('\n')
		if !tooLong {
			if len(n.buf)+len(chunk) > maxNDJSONLine {
				tooLong, n.buf = true, n.buf[:0]
			} else {
				n.buf = append(n.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			return n.buf, tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(n.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return n.buf, tooLong, nil
		default:
			return nil, false, err
		}
	}
}

// parseObjectLine decodes one line that must hold exactly one object.
func parseObjectLine(line []byte) (map[string]any, []string, error) {
	values, keys, err := parseObject(line)
	if errors.Is(err, io.EOF) {
		// A truncated line must not look like the end of the input to a
		// caller testing errors.Is(err, io.EOF).
		err = fmt.Errorf("invalid JSON: %w", io.ErrUnexpectedEOF)
	}
	return values, keys, err
}

func parseObject(line []byte) (map[string]any, []string, error) {
	if line[0] != '{' {
		if !json.Valid(line) {
			return nil, nil, errors.New("invalid JSON")
		}
		return nil, nil, errNotObject
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var values map[string]any
	if err := dec.Decode(&values); err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil || !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("invalid JSON: data after the object")
	}
	for k, v := range values {
		values[k] = normalizeNumbers(v)
	}
	return values, nil, nil
}

// keyOrder returns the top-level keys of a valid object line in document
// order. Decoding into a map loses the order, and scanning tokens for every
// line is several times slower, so this runs only for lines that bring a
// key not seen before.
func keyOrder(line []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		if k, ok := tok.(string); ok {
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// Close closes the underlying file, if the reader owns it.
func (n *ndjsonReader) Close() error {
	if n.closer == nil {
		return nil
	}
	c := n.closer
	n.closer = nil
	return c.Close()
}
