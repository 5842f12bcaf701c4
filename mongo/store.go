package mongo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// ErrSchemaMismatch reports that a collection holds documents encoded with a
// different schema than the one Open was given.
var ErrSchemaMismatch = errors.New("mongo: schema fingerprint mismatch")

// metaCollection holds one document per data collection, keyed by its name.
const metaCollection = "tessera_meta"

// Store is a MongoDB collection holding Tessera documents. It is safe for
// concurrent use.
type Store struct {
	client *mongo.Client
	coll   *mongo.Collection

	mu        sync.Mutex
	lastWrite time.Time // last updated_at handed out, to keep them increasing
}

// Open connects to uri, pings the server and binds the store to
// database.collection. It records fingerprint, the schema's fingerprint, in
// the meta collection on first use and returns an error wrapping
// ErrSchemaMismatch when the collection was written with another one.
func Open(ctx context.Context, uri, database, collection, fingerprint string) (*Store, error) {
	switch {
	case uri == "":
		return nil, errors.New("mongo: empty MongoDB URI")
	case database == "" || collection == "":
		return nil, fmt.Errorf("mongo: database %q and collection %q must both be set", database, collection)
	case fingerprint == "":
		return nil, errors.New("mongo: empty schema fingerprint")
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	s := &Store{client: client, coll: client.Database(database).Collection(collection)}
	if err := s.init(ctx, fingerprint); err != nil {
		// Disconnect on a fresh context: ctx may be the reason init failed.
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(dctx)
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, fingerprint string) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("mongo: ping: %w", err)
	}
	if err := s.checkFingerprint(ctx, fingerprint); err != nil {
		return err
	}
	// The polling follower reads in (updated_at, _id) order.
	_, err := s.coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: keyUpdatedAt, Value: 1}, {Key: keyID, Value: 1}},
	})
	if err != nil {
		return fmt.Errorf("mongo: create updated_at index on %s: %w", s.name(), err)
	}
	return nil
}

// checkFingerprint records fingerprint for the collection or compares it with
// the recorded one.
func (s *Store) checkFingerprint(ctx context.Context, fingerprint string) error {
	meta := s.coll.Database().Collection(metaCollection)
	filter := bson.D{{Key: keyID, Value: s.coll.Name()}}
	for range 2 { // a second round only after losing an insert race
		var got struct {
			Fingerprint string `bson:"fingerprint"`
		}
		err := meta.FindOne(ctx, filter).Decode(&got)
		switch {
		case err == nil:
			if got.Fingerprint != fingerprint {
				return fmt.Errorf("%w: collection %s was written with schema fingerprint %q, this schema's is %q; rebuild the collection or use the matching schema",
					ErrSchemaMismatch, s.name(), got.Fingerprint, fingerprint)
			}
			return nil
		case !errors.Is(err, mongo.ErrNoDocuments):
			return fmt.Errorf("mongo: read schema fingerprint of %s: %w", s.name(), err)
		}
		_, err = meta.InsertOne(ctx, bson.D{
			{Key: keyID, Value: s.coll.Name()},
			{Key: "fingerprint", Value: fingerprint},
			{Key: "created_at", Value: time.Now().UTC()},
		})
		if err == nil {
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongo: record schema fingerprint of %s: %w", s.name(), err)
		}
	}
	return fmt.Errorf("mongo: schema fingerprint of %s changed while being read", s.name())
}

// name is database.collection, for messages.
func (s *Store) name() string {
	return s.coll.Database().Name() + "." + s.coll.Name()
}

// now returns the updated_at for a write: the wall clock at millisecond
// resolution (BSON dates hold milliseconds), bumped so that it always
// exceeds the previous one this Store handed out.
func (s *Store) now() time.Time {
	t := time.Now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.After(s.lastWrite) {
		t = s.lastWrite.Add(time.Millisecond)
	}
	s.lastWrite = t
	return t
}

// liveFilter selects documents that are not tombstones.
func liveFilter() bson.D {
	return bson.D{{Key: keyDeleted, Value: bson.D{{Key: "$ne", Value: true}}}}
}

// Count returns the number of live (not deleted) documents.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := s.coll.CountDocuments(ctx, liveFilter())
	if err != nil {
		return 0, fmt.Errorf("mongo: count %s: %w", s.name(), err)
	}
	return n, nil
}

// Close disconnects from the server.
func (s *Store) Close(ctx context.Context) error {
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongo: disconnect: %w", err)
	}
	return nil
}
