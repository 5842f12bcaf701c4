package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// scoredDoc is a document returned by a search pipeline with its score.
type scoredDoc struct {
	Doc
	Score float64
}

// aggregate runs a search pipeline (for example Atlas $vectorSearch built by
// mongo/atlas) on the collection and decodes each result, reading its score
// from scoreField.
func (s *Store) aggregate(ctx context.Context, pipeline []bson.D, scoreField string) ([]scoredDoc, error) {
	cur, err := s.collection().Aggregate(ctx, pipeline)
	if err != nil {
		return nil, fmt.Errorf("mongo: aggregate: %w", err)
	}
	defer cur.Close(ctx)
	var out []scoredDoc
	for cur.Next(ctx) {
		d, err := decodeDocument(cur.Current)
		if err != nil {
			return nil, fmt.Errorf("mongo: aggregate result: %w", err)
		}
		sd := scoredDoc{Doc: d}
		if v, err := cur.Current.LookupErr(scoreField); err == nil {
			sd.Score, _ = v.AsFloat64OK()
		}
		out = append(out, sd)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongo: aggregate: %w", err)
	}
	return out, nil
}

// CreateSearchIndex creates an Atlas Vector Search index from a definition
// built by mongo/atlas.IndexDefinition ({name, type, definition}).
func (s *Store) CreateSearchIndex(ctx context.Context, spec bson.D) (string, error) {
	var name string
	var def any
	var typ string
	for _, e := range spec {
		switch e.Key {
		case "name":
			name, _ = e.Value.(string)
		case "type":
			typ, _ = e.Value.(string)
		case "definition":
			def = e.Value
		}
	}
	model := mongoSearchIndexModel(name, typ, def)
	got, err := s.collection().SearchIndexes().CreateOne(ctx, model)
	if err != nil {
		return "", fmt.Errorf("mongo: create search index %q: %w", name, err)
	}
	return got, nil
}

func mongoSearchIndexModel(name, typ string, def any) mongo.SearchIndexModel {
	o := options.SearchIndexes().SetName(name)
	if typ != "" {
		o.SetType(typ)
	}
	return mongo.SearchIndexModel{Definition: def, Options: o}
}
