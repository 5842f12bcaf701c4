package index

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"
)

// wireRecord is a Record as gob-era WAL batches and format-3 snapshots
// stored it: the vector as raw little-endian bytes, which gob writes as one
// block instead of one variable-length number per float. Both are still
// read; nothing writes them any more (walcodec.go, snapcodec.go).
type wireRecord struct {
	ID      string
	Fields  map[string]any
	Vec     []byte
	Version int64
	TS      time.Time
	Deleted bool
}

// littleEndian is true on the machines Tessera runs on; elsewhere vectors
// are converted element by element.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

func fromWire(w wireRecord) Record {
	r := Record{ID: w.ID, Fields: w.Fields, Version: w.Version, TS: w.TS, Deleted: w.Deleted}
	if len(w.Vec) >= 4 {
		r.Vector = make([]float32, len(w.Vec)/4)
		if littleEndian {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&r.Vector[0])), 4*len(r.Vector)), w.Vec)
		} else {
			for i := range r.Vector {
				r.Vector[i] = math.Float32frombits(binary.LittleEndian.Uint32(w.Vec[4*i:]))
			}
		}
	}
	return r
}
