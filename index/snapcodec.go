package index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
	"unsafe"
)

// The snapshot's document encoding (format 4). Format 3 wrote each
// document with gob, whose reflection-driven decoding of the field maps
// was 880 ms of a 2.0 s open at 100k documents (tessera-bench startup,
// 128 dims); this one writes the common field types (string, number,
// bool, time, string list) directly and falls back to gob per value only
// for other types.

// Field value tags.
const (
	tagNil byte = iota
	tagString
	tagFloat
	tagInt64
	tagInt
	tagBool
	tagTime
	tagStrings
	tagGob
)

// snapWriter writes documents in format 4, to a bufio.Writer (snapshots)
// or a bytes.Buffer (WAL batches, walcodec.go).
type snapWriter struct {
	w interface {
		io.Writer
		io.ByteWriter
		io.StringWriter
	}
	buf []byte
}

func (sw *snapWriter) uvarint(x uint64) {
	sw.buf = binary.AppendUvarint(sw.buf[:0], x)
	sw.w.Write(sw.buf)
}

func (sw *snapWriter) varint(x int64) {
	sw.buf = binary.AppendVarint(sw.buf[:0], x)
	sw.w.Write(sw.buf)
}

func (sw *snapWriter) str(s string) {
	sw.uvarint(uint64(len(s)))
	sw.w.WriteString(s)
}

func (sw *snapWriter) time(t time.Time) error {
	if t.IsZero() {
		sw.uvarint(0)
		return nil
	}
	b, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	sw.uvarint(uint64(len(b)))
	sw.w.Write(b)
	return nil
}

// gobValue carries a field value of a type the format has no tag for.
type gobValue struct{ V any }

// record writes one document; its error is about a field value only (the
// bufio.Writer keeps write errors for Flush).
func (sw *snapWriter) record(slot uint32, id string, fields map[string]any, vec []float32, version int64, ts time.Time) error {
	sw.uvarint(uint64(slot))
	sw.str(id)
	sw.varint(version)
	if err := sw.time(ts); err != nil {
		return err
	}
	sw.w.Write(floatBytes(vec))
	return sw.fields(fields)
}

// fields writes a document's field map: its size, then each name and value.
func (sw *snapWriter) fields(fields map[string]any) error {
	sw.uvarint(uint64(len(fields)))
	for k, v := range fields {
		sw.str(k)
		if err := sw.value(v); err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
	}
	return nil
}

func (sw *snapWriter) value(v any) error {
	switch x := v.(type) {
	case nil:
		sw.w.WriteByte(tagNil)
	case string:
		sw.w.WriteByte(tagString)
		sw.str(x)
	case float64:
		sw.w.WriteByte(tagFloat)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		sw.w.Write(b[:])
	case int64:
		sw.w.WriteByte(tagInt64)
		sw.varint(x)
	case int:
		sw.w.WriteByte(tagInt)
		sw.varint(int64(x))
	case bool:
		sw.w.WriteByte(tagBool)
		if x {
			sw.w.WriteByte(1)
		} else {
			sw.w.WriteByte(0)
		}
	case time.Time:
		sw.w.WriteByte(tagTime)
		return sw.time(x)
	case []string:
		// The length plus one: 0 is a nil list, which stays nil (an
		// unchanged re-ingest compares fields with reflect.DeepEqual).
		sw.w.WriteByte(tagStrings)
		if x == nil {
			sw.uvarint(0)
			break
		}
		sw.uvarint(uint64(len(x)) + 1)
		for _, s := range x {
			sw.str(s)
		}
	default:
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).Encode(gobValue{V: v}); err != nil {
			return err
		}
		sw.w.WriteByte(tagGob)
		sw.uvarint(uint64(b.Len()))
		sw.w.Write(b.Bytes())
	}
	return nil
}

// floatBytes views a vector as its little-endian bytes (a copy on
// big-endian hosts).
func floatBytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// snapReader reads documents in format 4.
type snapReader struct {
	r   *bufio.Reader
	dim int
	buf []byte
	// keys interns field names: every document repeats them, and one
	// string each instead of one per document saves an allocation per
	// field (and the memory) on load.
	keys map[string]string
	// max, when set, bounds a length-prefixed string: a WAL batch's
	// strings cannot be longer than the batch.
	max uint64
}

var errBadTag = errors.New("unknown field value tag")

func (sr *snapReader) uvarint() (uint64, error) { return binary.ReadUvarint(sr.r) }
func (sr *snapReader) varint() (int64, error)   { return binary.ReadVarint(sr.r) }

// bytes reads a length-prefixed byte string into a reused buffer.
func (sr *snapReader) bytes() ([]byte, error) {
	n, err := sr.uvarint()
	if err != nil {
		return nil, err
	}
	if n > 1<<30 || sr.max > 0 && n > sr.max {
		return nil, fmt.Errorf("length %d too large", n)
	}
	if uint64(cap(sr.buf)) < n {
		sr.buf = make([]byte, n)
	}
	sr.buf = sr.buf[:n]
	_, err = io.ReadFull(sr.r, sr.buf)
	return sr.buf, err
}

func (sr *snapReader) str() (string, error) {
	b, err := sr.bytes()
	return string(b), err
}

// key reads a field name, interned.
func (sr *snapReader) key() (string, error) {
	b, err := sr.bytes()
	if err != nil {
		return "", err
	}
	if k, ok := sr.keys[string(b)]; ok {
		return k, nil
	}
	if sr.keys == nil {
		sr.keys = map[string]string{}
	}
	k := string(b)
	if len(sr.keys) < 4096 { // a bound against pathological schemas
		sr.keys[k] = k
	}
	return k, nil
}

func (sr *snapReader) time() (time.Time, error) {
	b, err := sr.bytes()
	if err != nil || len(b) == 0 {
		return time.Time{}, err
	}
	var t time.Time
	err = t.UnmarshalBinary(b)
	return t, err
}

// record reads one document; vec must have dim floats.
func (sr *snapReader) record(vec []float32) (slotRecord, error) {
	var r slotRecord
	slot, err := sr.uvarint()
	if err != nil {
		return r, err
	}
	r.Slot = uint32(slot)
	if r.ID, err = sr.str(); err != nil {
		return r, err
	}
	if r.Version, err = sr.varint(); err != nil {
		return r, err
	}
	if r.TS, err = sr.time(); err != nil {
		return r, err
	}
	if err := sr.floats(vec); err != nil {
		return r, err
	}
	r.Vector = vec
	r.Fields, err = sr.fields(false)
	return r, err
}

// floats reads len(vec) little-endian floats into vec.
func (sr *snapReader) floats(vec []float32) error {
	if len(vec) == 0 {
		return nil
	}
	if _, err := io.ReadFull(sr.r, unsafe.Slice((*byte)(unsafe.Pointer(&vec[0])), 4*len(vec))); err != nil {
		return err
	}
	if !littleEndian {
		for i := range vec {
			vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(unsafe.Slice((*byte)(unsafe.Pointer(&vec[i])), 4)))
		}
	}
	return nil
}

// fields reads what snapWriter.fields wrote. An empty map comes back
// empty, or nil with nilIfEmpty (as gob gives it back, for WAL records).
func (sr *snapReader) fields(nilIfEmpty bool) (map[string]any, error) {
	n, err := sr.uvarint()
	if err != nil {
		return nil, err
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("%d fields", n)
	}
	if n == 0 && nilIfEmpty {
		return nil, nil
	}
	fields := make(map[string]any, n)
	for range n {
		k, err := sr.key()
		if err != nil {
			return nil, err
		}
		v, err := sr.value()
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		fields[k] = v
	}
	return fields, nil
}

func (sr *snapReader) value() (any, error) {
	tag, err := sr.r.ReadByte()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagNil:
		return nil, nil
	case tagString:
		return sr.str()
	case tagFloat:
		var b [8]byte
		if _, err := io.ReadFull(sr.r, b[:]); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b[:])), nil
	case tagInt64:
		return sr.varint()
	case tagInt:
		x, err := sr.varint()
		return int(x), err
	case tagBool:
		b, err := sr.r.ReadByte()
		return b == 1, err
	case tagTime:
		return sr.time()
	case tagStrings:
		n, err := sr.uvarint()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return []string(nil), nil
		}
		if n > 1<<24 {
			return nil, fmt.Errorf("list of %d strings", n)
		}
		out := make([]string, n-1)
		for i := range out {
			if out[i], err = sr.str(); err != nil {
				return nil, err
			}
		}
		return out, nil
	case tagGob:
		b, err := sr.bytes()
		if err != nil {
			return nil, err
		}
		var gv gobValue
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&gv); err != nil {
			return nil, err
		}
		return gv.V, nil
	}
	return nil, fmt.Errorf("%w %d", errBadTag, tag)
}
