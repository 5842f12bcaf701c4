package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// upsertChunk bounds the statements per bulk write: FerretDB v1 hangs on
// update bulk writes of 50 to 100 statements over existing documents.
const upsertChunk = 40

// upsertAttempts bounds the re-reads of a chunk that lost races with
// concurrent writers.
const upsertAttempts = 5

// Upsert writes docs, keyed by ID, in chunks of at most 40. It is idempotent,
// and last-writer-wins by Version as in the local index: a document whose
// stored version is equal or newer is left untouched, while a stored
// document without a version, or a Doc of version 0 (unversioned), always
// replaces. Each Doc's UpdatedAt is ignored; the store sets it. A nil
// Vector leaves the stored document without one.
//
// Each chunk reads the stored versions, then inserts the new documents and
// replaces the older ones by _id; a chunk that meets another writer's insert
// or delete is compared and written again. The replacement is keyed by _id
// alone, not conditioned on the version read, because servers such as
// FerretDB turn any other filter into a collection scan per statement
// (minutes for a few thousand documents). So two writers of different
// versions of one document at the same instant could interleave between read
// and write; run one writer per collection. No multi-document transaction is
// used, so a failed call may have applied some chunks; repeating it is safe.
func (s *Store) Upsert(ctx context.Context, docs []Doc) error {
	return s.upsert(ctx, docs, false, false)
}

// upsertOwn is Upsert for this process's own writes (Sink): the follower
// skips their echo.
func (s *Store) upsertOwn(ctx context.Context, docs []Doc) error {
	return s.upsert(ctx, docs, false, true)
}

// upsertLate is Upsert for documents copied from a replaced generation
// (CarryLate): an unversioned one replaces only a stored document with an
// older updated_at than its own, so a copy never undoes a later write.
func (s *Store) upsertLate(ctx context.Context, docs []Doc) error {
	return s.upsert(ctx, docs, true, false)
}

func (s *Store) upsert(ctx context.Context, docs []Doc, late, own bool) error {
	for i := range docs {
		if docs[i].ID == "" {
			return fmt.Errorf("mongo: upsert: document %d has an empty ID", i)
		}
	}
	s = s.view() // one generation for the whole call
	for start := 0; start < len(docs); start += upsertChunk {
		chunk := newest(docs[start:min(start+upsertChunk, len(docs))])
		if err := s.upsertChunk(ctx, chunk, late, own); err != nil {
			return fmt.Errorf("mongo: upsert documents %d..%d into %s: %w",
				start, min(start+upsertChunk, len(docs))-1, s.name(), err)
		}
	}
	return nil
}

// newest keeps, for each ID, the document with the highest version (the
// first of equal versions, the last of unversioned ones, as the local index
// applies them), so one chunk never holds two writes to one document.
func newest(docs []Doc) []Doc {
	at := make(map[string]int, len(docs))
	out := make([]Doc, 0, len(docs))
	for _, d := range docs {
		if i, ok := at[d.ID]; ok {
			if d.Version > out[i].Version || (d.Version == 0 && out[i].Version == 0) {
				out[i] = d
			}
			continue
		}
		at[d.ID] = len(out)
		out = append(out, d)
	}
	return out
}

func (s *Store) upsertChunk(ctx context.Context, docs []Doc, late, own bool) error {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	for range upsertAttempts {
		stored, err := s.storedVersions(ctx, ids)
		if err != nil {
			return err
		}
		now := s.now()
		models := make([]mongo.WriteModel, 0, len(docs))
		updates := 0
		for _, d := range docs {
			sv, exists := stored[d.ID]
			switch {
			case !exists:
				models = append(models, mongo.NewInsertOneModel().SetDocument(newDocument(d, now)))
			case sv.replacedBy(d, late):
				models = append(models, mongo.NewReplaceOneModel().
					SetFilter(bson.D{{Key: keyID, Value: d.ID}}).
					SetReplacement(newDocument(d, now)))
				updates++
			}
		}
		if len(models) == 0 {
			return nil
		}
		if own {
			written := make([]string, 0, len(models))
			for _, d := range docs {
				if sv, exists := stored[d.ID]; !exists || sv.replacedBy(d, late) {
					written = append(written, d.ID)
				}
			}
			s.clock.remember(written, now)
		}
		res, err := s.collection().BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		raced, err := racedInserts(err)
		if err != nil {
			return err
		}
		if !raced && res != nil && res.MatchedCount == int64(updates) {
			return nil
		}
		// Someone else inserted or deleted one of these documents between
		// the read and the write; compare again against what is stored now.
	}
	return fmt.Errorf("documents kept changing under %d attempts by concurrent writers", upsertAttempts)
}

// storedVersion is what a chunk's read learned about a stored document.
type storedVersion struct {
	version   int64
	known     bool // version is a number
	updatedAt time.Time
}

// replacedBy tells whether d is newer than the stored document.
func (sv storedVersion) replacedBy(d Doc, late bool) bool {
	switch {
	case !sv.known:
		return true
	case d.Version == 0 && late:
		return sv.updatedAt.Before(d.UpdatedAt)
	case d.Version == 0:
		return true
	}
	return sv.version < d.Version
}

func (s *Store) storedVersions(ctx context.Context, ids []string) (map[string]storedVersion, error) {
	cur, err := s.collection().Find(ctx,
		bson.D{{Key: keyID, Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: keyVersion, Value: 1}, {Key: keyUpdatedAt, Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read stored versions: %w", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	out := make(map[string]storedVersion, len(ids))
	for cur.Next(ctx) {
		id, ok := cur.Current.Lookup(keyID).StringValueOK()
		if !ok {
			continue
		}
		v, known := cur.Current.Lookup(keyVersion).AsInt64OK()
		ms, _ := cur.Current.Lookup(keyUpdatedAt).DateTimeOK()
		out[id] = storedVersion{version: v, known: known, updatedAt: time.UnixMilli(ms)}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read stored versions: %w", err)
	}
	return out, nil
}

// newDocument is d in the stored layout (see the package doc).
func newDocument(d Doc, now time.Time) bson.D {
	doc := bson.D{
		{Key: keyID, Value: d.ID},
		{Key: keyFields, Value: fieldsValue(d.Fields)},
		{Key: keyVersion, Value: d.Version},
		{Key: keyDeleted, Value: d.Deleted},
		{Key: keyUpdatedAt, Value: now},
	}
	if d.Vector != nil {
		doc = append(doc, bson.E{Key: keyVector, Value: encodeVector(d.Vector)})
	}
	return doc
}

// fieldsValue stores nil fields as an empty subdocument, so that a reader
// never falls back to treating stray top-level keys as fields.
func fieldsValue(f map[string]any) map[string]any {
	if f == nil {
		return map[string]any{}
	}
	return f
}

// racedInserts drops the duplicate-key errors of a bulk write, reporting
// whether there were any: an insert that hits one lost a race with another
// writer's insert of the same ID, and the chunk is compared again.
func racedInserts(err error) (bool, error) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false, err
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false, err
		}
	}
	return true, nil
}
