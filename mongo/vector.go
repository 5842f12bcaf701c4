package mongo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// encodeVector packs v as a BSON binary vector (subtype 9, dtype float32,
// little-endian), the layout of bson.NewVector(v).Binary() built with a
// single allocation instead of two copies.
func encodeVector(v []float32) bson.Binary {
	data := make([]byte, 2+4*len(v))
	data[0] = bson.Float32Vector
	// data[1] is the padding byte, always 0 for float32.
	for i, f := range v {
		binary.LittleEndian.PutUint32(data[2+4*i:], math.Float32bits(f))
	}
	return bson.Binary{Subtype: bson.TypeBinaryVector, Data: data}
}

// decodeVector unpacks the payload of a subtype 9 binary holding float32s.
func decodeVector(data []byte) ([]float32, error) {
	if len(data) < 2 {
		return nil, errors.New("binary vector shorter than its 2-byte header")
	}
	if data[0] != bson.Float32Vector {
		return nil, fmt.Errorf("binary vector dtype 0x%02x, want float32 (0x%02x)", data[0], bson.Float32Vector)
	}
	if data[1] != 0 {
		return nil, fmt.Errorf("float32 binary vector has padding %d, want 0", data[1])
	}
	body := data[2:]
	if len(body)%4 != 0 {
		return nil, fmt.Errorf("float32 binary vector payload of %d bytes is not a multiple of 4", len(body))
	}
	v := make([]float32, len(body)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return v, nil
}

// vectorFromValue reads a stored vector: a float32 binary vector, as Tessera
// writes it, or an array of numbers, as a third party might.
func vectorFromValue(rv bson.RawValue) ([]float32, error) {
	switch rv.Type {
	case bson.TypeNull, bson.TypeUndefined:
		return nil, nil
	case bson.TypeBinary:
		sub, data, _ := rv.BinaryOK()
		if sub != bson.TypeBinaryVector {
			return nil, fmt.Errorf("vector is binary subtype %d, want %d (vector)", sub, bson.TypeBinaryVector)
		}
		return decodeVector(data)
	case bson.TypeArray:
		vals, err := rv.Array().Values()
		if err != nil {
			return nil, fmt.Errorf("vector array: %w", err)
		}
		v := make([]float32, len(vals))
		for i, e := range vals {
			f, ok := e.AsFloat64OK()
			if !ok {
				return nil, fmt.Errorf("vector element %d is %s, want a number", i, e.Type)
			}
			v[i] = float32(f)
		}
		return v, nil
	default:
		return nil, fmt.Errorf("vector is %s, want a binary vector or an array of numbers", rv.Type)
	}
}
