package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Scan calls fn with the live (not deleted) documents in _id order, batch at
// a time, for rebuilding an index. fn may keep the slice it is given. An
// error from fn stops the scan and is returned wrapped. Documents that do not
// follow the layout in the package doc (a non-string _id, a malformed
// vector, …) are skipped with a logged warning, as the follower skips them,
// so that one bad third-party write cannot block a rebuild.
func (s *Store) Scan(ctx context.Context, batch int, fn func([]Doc) error) error {
	if batch <= 0 {
		return fmt.Errorf("mongo: scan batch size %d, want > 0", batch)
	}
	opts := options.Find().
		SetSort(bson.D{{Key: keyID, Value: 1}}).
		SetBatchSize(int32(min(batch, 10_000)))
	cur, err := s.collection().Find(ctx, liveFilter(), opts)
	if err != nil {
		return fmt.Errorf("mongo: scan %s: %w", s.name(), err)
	}
	defer cur.Close(context.WithoutCancel(ctx))

	docs := make([]Doc, 0, batch)
	for cur.Next(ctx) {
		d, err := decodeDocument(cur.Current)
		if err != nil {
			warnSkipped(ctx, s.name(), err)
			continue
		}
		docs = append(docs, d)
		if len(docs) == batch {
			if err := fn(docs); err != nil {
				return fmt.Errorf("mongo: scan %s: %w", s.name(), err)
			}
			docs = make([]Doc, 0, batch)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongo: scan %s: %w", s.name(), err)
	}
	if len(docs) > 0 {
		if err := fn(docs); err != nil {
			return fmt.Errorf("mongo: scan %s: %w", s.name(), err)
		}
	}
	return nil
}
