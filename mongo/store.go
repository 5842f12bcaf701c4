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
//
// Its documents live in the collection of the active generation (see
// generation.go): the collection named after the schema until a schema
// change switches to a new one. The Store is bound to one generation at a
// time; Bind moves it.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	base   string // the schema's collection name, which keys the meta document
	clock  *writeClock

	genMu sync.RWMutex
	coll  *mongo.Collection // the bound generation's collection
	meta  Meta              // the meta document as this Store last bound it
}

// writeClock hands out increasing updated_at values and remembers this
// process's own writes; views of a Store share it.
type writeClock struct {
	mu        sync.Mutex
	lastWrite time.Time // last updated_at handed out, to keep them increasing
	// own maps the documents this process wrote through a Sink to the
	// updated_at of its latest write, so the follower skips their echo: re-applying
	// an unversioned write read back later could undo a newer local one
	// (a delete made meanwhile), and after a schema switch nothing would
	// read the old generation's newer state to put it right.
	own map[string]time.Time
}

// ownLimit bounds the remembered own writes; past it they are forgotten
// (the follower then re-applies their echo, as it did before).
const ownLimit = 200_000

// remember records documents this process just wrote at time at.
func (c *writeClock) remember(ids []string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.own == nil || len(c.own)+len(ids) > ownLimit {
		c.own = make(map[string]time.Time)
	}
	for _, id := range ids {
		c.own[id] = at
	}
}

// echo tells whether d is this process's own latest write of it, read
// back (then it is forgotten), or an older state of a document this
// process has written since: the follower skips both. The second case is
// a poll that read a document just before this process wrote it again (a
// delete): applied late, the older state brought the deleted row back
// (seen as a failure of TestStoreApplyReplicaFollows under load).
func (c *writeClock) echo(d Doc) bool {
	if d.UpdatedAt.IsZero() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.own[d.ID]
	switch {
	case !ok:
		return false
	case d.UpdatedAt.Before(at):
		return true // this process's later write wins; its echo is still to come
	case !at.Equal(d.UpdatedAt):
		return false
	}
	delete(c.own, d.ID)
	return true
}

// Open connects to uri, pings the server and binds the store to
// database.collection. It records fingerprint, the schema's fingerprint, in
// the meta collection on first use and returns an error wrapping
// ErrSchemaMismatch when the collection was written with another one.
func Open(ctx context.Context, uri, database, collection, fingerprint string) (*Store, error) {
	s, err := dial(ctx, uri, database, collection)
	if err != nil {
		return nil, err
	}
	if err := s.Init(ctx, fingerprint, ""); err != nil {
		s.disconnect()
		return nil, err
	}
	return s, nil
}

// dial connects to uri, pings the server and binds the store to the active
// generation of database.collection, reading its meta document (Meta) but
// recording and checking nothing: Init does that. A caller that adopts the
// store's schema reads it from Meta first.
func dial(ctx context.Context, uri, database, collection string) (*Store, error) {
	switch {
	case uri == "":
		return nil, errors.New("mongo: empty MongoDB URI")
	case database == "" || collection == "":
		return nil, fmt.Errorf("mongo: database %q and collection %q must both be set", database, collection)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	db := client.Database(database)
	s := &Store{client: client, db: db, base: collection, clock: &writeClock{}, coll: db.Collection(collection)}
	err = s.client.Ping(ctx, readpref.Primary())
	if err != nil {
		err = fmt.Errorf("mongo: ping: %w", err)
	} else {
		var m Meta
		if m, err = s.ReadMeta(ctx); err == nil {
			s.bind(m)
		}
	}
	if err != nil {
		s.disconnect()
		return nil, err
	}
	return s, nil
}

// disconnect closes the client on a fresh context: the caller's may be the
// reason it gives up.
func (s *Store) disconnect() {
	dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.client.Disconnect(dctx)
}

// Init records fingerprint (and schema, the schema's text, when not empty)
// in the meta document on first use, or returns an error wrapping
// ErrSchemaMismatch when the active generation was written with another
// fingerprint. A meta document recorded before schema changes existed gets
// the schema text added. It creates the follower's index.
func (s *Store) Init(ctx context.Context, fingerprint, schema string) error {
	if fingerprint == "" {
		return errors.New("mongo: empty schema fingerprint")
	}
	if err := s.checkFingerprint(ctx, fingerprint, schema); err != nil {
		return err
	}
	return ensureIndexes(ctx, s.collection())
}

// ensureIndexes creates the index the polling follower reads in:
// (updated_at, _id) order.
func ensureIndexes(ctx context.Context, coll *mongo.Collection) error {
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: keyUpdatedAt, Value: 1}, {Key: keyID, Value: 1}},
	})
	if err != nil {
		return fmt.Errorf("mongo: create updated_at index on %s.%s: %w", coll.Database().Name(), coll.Name(), err)
	}
	return nil
}

// checkFingerprint records fingerprint for the collection or compares it with
// the recorded one.
func (s *Store) checkFingerprint(ctx context.Context, fingerprint, schema string) error {
	meta := s.metaColl()
	for range 2 { // a second round only after losing an insert race
		m, err := s.ReadMeta(ctx)
		if err != nil {
			return err
		}
		if m.Recorded {
			if m.Fingerprint != fingerprint {
				return fmt.Errorf("%w: collection %s was written with schema fingerprint %q, this schema's is %q; use the store's schema (start without --schema to adopt it), change it with tessera apply, or use a new schema name",
					ErrSchemaMismatch, s.name(), m.Fingerprint, fingerprint)
			}
			if m.Schema == "" && schema != "" {
				// Recorded before schema changes existed: add the text, once.
				_, err := meta.UpdateOne(ctx, bson.D{{Key: keyID, Value: s.base}, {Key: metaSchema, Value: bson.D{{Key: "$exists", Value: false}}}},
					bson.D{{Key: "$set", Value: bson.D{{Key: metaSchema, Value: schema}}}})
				if err != nil {
					return fmt.Errorf("mongo: record the schema of %s: %w", s.name(), err)
				}
				m.Schema = schema
			}
			s.bind(m)
			return nil
		}
		doc := bson.D{
			{Key: keyID, Value: s.base},
			{Key: metaFingerprint, Value: fingerprint},
			{Key: metaGeneration, Value: s.base},
			{Key: "created_at", Value: time.Now().UTC()},
		}
		if schema != "" {
			doc = append(doc, bson.E{Key: metaSchema, Value: schema})
		}
		_, err = meta.InsertOne(ctx, doc)
		if err == nil {
			s.bind(Meta{Recorded: true, Generation: s.base, Fingerprint: fingerprint, Schema: schema})
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongo: record schema fingerprint of %s: %w", s.name(), err)
		}
	}
	return fmt.Errorf("mongo: schema fingerprint of %s changed while being read", s.name())
}

// collection is the bound generation's collection.
func (s *Store) collection() *mongo.Collection {
	s.genMu.RLock()
	defer s.genMu.RUnlock()
	return s.coll
}

// name is database.collection, for messages.
func (s *Store) name() string {
	c := s.collection()
	return c.Database().Name() + "." + c.Name()
}

// now returns the updated_at for a write: the wall clock at millisecond
// resolution (BSON dates hold milliseconds), bumped so that it always
// exceeds the previous one this Store handed out.
func (s *Store) now() time.Time {
	t := time.Now().UTC().Truncate(time.Millisecond)
	c := s.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.After(c.lastWrite) {
		t = c.lastWrite.Add(time.Millisecond)
	}
	c.lastWrite = t
	return t
}

// liveFilter selects documents that are not tombstones.
func liveFilter() bson.D {
	return bson.D{{Key: keyDeleted, Value: bson.D{{Key: "$ne", Value: true}}}}
}

// Count returns the number of live (not deleted) documents.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := s.collection().CountDocuments(ctx, liveFilter())
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
