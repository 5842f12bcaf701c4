package atlas

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// MaxDimensions is the largest vector Atlas Vector Search indexes.
const MaxDimensions = 8192

// IndexDefinition returns the Atlas Vector Search index named name over the
// dims-dimensional vectors at path, with filterFields indexed for filtering,
// in the form the createSearchIndexes command takes in its indexes list:
//
//	{"name": …, "type": "vectorSearch", "definition": {"fields": [
//	  {"type": "vector", "path": …, "numDimensions": …, "similarity": "dotProduct"},
//	  {"type": "filter", "path": …}, …]}}
//
// The similarity is dotProduct because Tessera's vectors are unit length and
// its scores are inner products.
func IndexDefinition(name, path string, dims int, filterFields []string) (bson.D, error) {
	switch {
	case name == "":
		return nil, errors.New("atlas: empty index name")
	case path == "":
		return nil, errors.New("atlas: empty vector path")
	case dims < 1 || dims > MaxDimensions:
		return nil, fmt.Errorf("atlas: %d dimensions, want 1..%d", dims, MaxDimensions)
	}
	fields := bson.A{bson.D{
		{Key: "type", Value: "vector"},
		{Key: "path", Value: path},
		{Key: "numDimensions", Value: int32(dims)},
		{Key: "similarity", Value: "dotProduct"},
	}}
	seen := map[string]bool{path: true}
	for _, f := range filterFields {
		switch {
		case f == "":
			return nil, errors.New("atlas: empty filter field")
		case f == path:
			return nil, fmt.Errorf("atlas: filter field %q is the vector path", f)
		case seen[f]:
			return nil, fmt.Errorf("atlas: filter field %q listed twice", f)
		}
		seen[f] = true
		fields = append(fields, bson.D{{Key: "type", Value: "filter"}, {Key: "path", Value: f}})
	}
	return bson.D{
		{Key: "name", Value: name},
		{Key: "type", Value: "vectorSearch"},
		{Key: "definition", Value: bson.D{{Key: "fields", Value: fields}}},
	}, nil
}
