package index

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// toWire is a record as gob-era writers stored it, for the tests that
// write those formats to check they still load.
func toWire(r Record) wireRecord {
	w := wireRecord{ID: r.ID, Fields: r.Fields, Version: r.Version, TS: r.TS, Deleted: r.Deleted}
	if len(r.Vector) == 0 {
		return w
	}
	if littleEndian {
		w.Vec = unsafe.Slice((*byte)(unsafe.Pointer(&r.Vector[0])), 4*len(r.Vector))
		return w
	}
	w.Vec = make([]byte, 4*len(r.Vector))
	for i, f := range r.Vector {
		binary.LittleEndian.PutUint32(w.Vec[4*i:], math.Float32bits(f))
	}
	return w
}
