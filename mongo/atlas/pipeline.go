package atlas

import (
	"errors"
	"fmt"
	"math"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Atlas Vector Search limits.
const (
	// MaxNumCandidates is the most candidates $vectorSearch considers.
	MaxNumCandidates = 10_000
	// ScoreField names the projected similarity score.
	ScoreField = "score"
)

// SearchParams describes one Atlas Vector Search query.
type SearchParams struct {
	// Index is the Atlas Vector Search index name.
	Index string
	// Path is the indexed vector field, e.g. "vector".
	Path string
	// QueryVector is the query, of the index's dimension.
	QueryVector []float32
	// Limit is the number of results, at least 1.
	Limit int
	// NumCandidates is the approximate search's candidate pool; 0 means
	// max(10×Limit, 100), capped at MaxNumCandidates and at least Limit.
	NumCandidates int
	// Filter is a Tessera filter (see Filter), nil or empty for none; its
	// fields must be indexed as filter fields.
	Filter map[string]any
	// Project names the fields to return besides _id and the score.
	Project []string
}

// Pipeline builds the aggregation pipeline for p: a $vectorSearch stage and
// a $project of _id, the Project fields and the score (as ScoreField, Atlas's
// vectorSearchScore; see ScoreFromAtlas).
func Pipeline(p SearchParams) ([]bson.D, error) {
	switch {
	case p.Index == "":
		return nil, errors.New("atlas: empty index name")
	case p.Path == "":
		return nil, errors.New("atlas: empty vector path")
	case len(p.QueryVector) == 0:
		return nil, errors.New("atlas: empty query vector")
	case p.Limit < 1:
		return nil, fmt.Errorf("atlas: limit %d, want at least 1", p.Limit)
	case p.Limit > MaxNumCandidates:
		return nil, fmt.Errorf("atlas: limit %d exceeds the %d candidates Atlas can consider", p.Limit, MaxNumCandidates)
	}
	num := p.NumCandidates
	switch {
	case num == 0:
		num = min(max(10*p.Limit, 100), MaxNumCandidates)
	case num < 0:
		return nil, fmt.Errorf("atlas: numCandidates %d, want > 0", num)
	case num > MaxNumCandidates:
		return nil, fmt.Errorf("atlas: numCandidates %d exceeds Atlas's maximum of %d", num, MaxNumCandidates)
	case p.Limit > num:
		return nil, fmt.Errorf("atlas: limit %d exceeds numCandidates %d", p.Limit, num)
	}

	qv := make(bson.A, len(p.QueryVector))
	for i, f := range p.QueryVector {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, fmt.Errorf("atlas: query vector element %d is %v", i, f)
		}
		qv[i] = float64(f) // exact: every float32 is a float64
	}
	search := bson.D{
		{Key: "index", Value: p.Index},
		{Key: "path", Value: p.Path},
		{Key: "queryVector", Value: qv},
		{Key: "numCandidates", Value: int32(num)},
		{Key: "limit", Value: int32(p.Limit)},
	}
	f, err := Filter(p.Filter)
	if err != nil {
		return nil, fmt.Errorf("atlas: %w", err)
	}
	if f != nil {
		search = append(search, bson.E{Key: "filter", Value: f})
	}

	project := bson.D{{Key: "_id", Value: 1}}
	seen := map[string]bool{"_id": true}
	for _, field := range p.Project {
		switch {
		case field == "" || field[0] == '$':
			return nil, fmt.Errorf("atlas: invalid projected field %q", field)
		case field == ScoreField:
			return nil, fmt.Errorf("atlas: projected field %q collides with the score", field)
		case seen[field]:
			continue
		}
		seen[field] = true
		project = append(project, bson.E{Key: field, Value: 1})
	}
	project = append(project, bson.E{Key: ScoreField, Value: bson.D{{Key: "$meta", Value: "vectorSearchScore"}}})

	return []bson.D{
		{{Key: "$vectorSearch", Value: search}},
		{{Key: "$project", Value: project}},
	}, nil
}

// ScoreFromAtlas converts a vectorSearchScore of a dotProduct index, which
// Atlas normalises to (1+s)/2, back to the inner product s, the score
// Tessera's own index reports.
func ScoreFromAtlas(score float64) float64 {
	return 2*score - 1
}
