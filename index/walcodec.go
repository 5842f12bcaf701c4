package index

import (
	"bufio"
	"bytes"
	"fmt"
	"sync"
)

// A WAL batch's records are written in the snapshot's field encoding
// (snapcodec.go), packed into one byte string, rather than by gob: gob's
// reflection-driven encoding of the field maps was 11% of the CPU of a
// 100k-row bulk ingest (tessera-bench ingest, fsync on), on the serial
// commit path; packing and framing now take 6% (profiles of
// tessera-bench ingest --rows 50000). The packed records travel in the batch's Meta under
// walRecordsKey, so the gob frame, and the prefix by which replay finds
// intact frames after damage, stay what they were; a batch written before
// has its records in walBatch.Records, and replay reads both.
const walRecordsKey = "\x00wal/records/1"

// walBuffers recycles the buffers a batch is packed and framed in: a
// fresh megabyte per 512-row batch was mostly page faults.
var walBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// packRecords encodes records: their count, then each record's id,
// deletion flag, version, event time, vector bytes and fields.
// The result is in buf's storage: buf must outlive its use.
func packRecords(buf *bytes.Buffer, recs []Record) ([]byte, error) {
	buf.Reset()
	if len(recs) > 0 {
		// Written straight into one buffer sized for the vectors and
		// some fields: through a bufio.Writer the vectors were copied
		// twice (half of packing's time).
		buf.Grow(len(recs) * (4*len(recs[0].Vector) + 256))
	}
	bw := buf
	sw := &snapWriter{w: bw}
	sw.uvarint(uint64(len(recs)))
	for _, r := range recs {
		sw.str(r.ID)
		if r.Deleted {
			bw.WriteByte(1)
		} else {
			bw.WriteByte(0)
		}
		sw.varint(r.Version)
		if err := sw.time(r.TS); err != nil {
			return nil, fmt.Errorf("record %q: event time: %w", r.ID, err)
		}
		sw.uvarint(uint64(len(r.Vector)))
		bw.Write(floatBytes(r.Vector))
		if err := sw.fields(r.Fields); err != nil {
			return nil, fmt.Errorf("record %q: %w", r.ID, err)
		}
	}
	return buf.Bytes(), nil
}

// unpackRecords decodes what packRecords wrote.
func unpackRecords(b []byte) ([]Record, error) {
	sr := &snapReader{r: bufio.NewReader(bytes.NewReader(b)), max: uint64(len(b))}
	n, err := sr.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(b)) {
		return nil, fmt.Errorf("%d records in %d bytes", n, len(b))
	}
	recs := make([]Record, n)
	for i := range recs {
		r := &recs[i]
		if r.ID, err = sr.str(); err != nil {
			return nil, err
		}
		del, err := sr.r.ReadByte()
		if err != nil {
			return nil, err
		}
		r.Deleted = del == 1
		if r.Version, err = sr.varint(); err != nil {
			return nil, err
		}
		if r.TS, err = sr.time(); err != nil {
			return nil, err
		}
		dim, err := sr.uvarint()
		if err != nil {
			return nil, err
		}
		if dim > uint64(len(b))/4 {
			return nil, fmt.Errorf("record %q: vector of %d floats in a %d-byte batch", r.ID, dim, len(b))
		}
		if dim > 0 {
			r.Vector = make([]float32, dim)
			if err := sr.floats(r.Vector); err != nil {
				return nil, err
			}
		}
		if r.Fields, err = sr.fields(true); err != nil {
			return nil, fmt.Errorf("record %q: %w", r.ID, err)
		}
	}
	return recs, nil
}

// records returns the batch's records, packed or (written before) gob's.
func (b walBatch) records() ([]Record, error) {
	if packed, ok := b.Meta[walRecordsKey]; ok {
		return unpackRecords(packed)
	}
	out := make([]Record, len(b.Records))
	for i, wr := range b.Records {
		out[i] = fromWire(wr)
	}
	return out, nil
}
