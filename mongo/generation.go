package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A schema change that needs new vectors builds them into a new
// collection, a generation, named <collection>_gen_<n>, while the active
// one keeps serving. The meta document says which generation is active,
// with the schema text and fingerprint it was written with; one atomic
// update of it (CommitGeneration, compare-and-set on the generation it
// replaces) is the commit point. Until then every instance and replica
// reads and writes the old generation; after it they move to the new one
// (a Follower notices the change), and the old generation is dropped. A
// kill -9 before the commit leaves an unreferenced generation behind,
// which the next schema change drops; after it, the new generation is
// complete. Either way readers see one generation, never a mix.

// Meta is a collection's meta document.
type Meta struct {
	// Recorded is false when no instance has recorded the collection yet.
	Recorded bool
	// Generation is the active data collection's name.
	Generation string
	// Fingerprint is the active generation's schema fingerprint.
	Fingerprint string
	// Schema is the schema's text, "" when recorded by a version of
	// Tessera that did not keep it.
	Schema string
}

// Meta document keys.
const (
	metaFingerprint = "fingerprint"
	metaGeneration  = "generation"
	metaSchema      = "schema"
)

// generationInfix separates the collection name from a generation number.
const generationInfix = "_gen_"

// ErrMetaChanged reports that the meta document changed under a commit:
// another instance applied a schema change first.
var ErrMetaChanged = errors.New("mongo: the store's schema changed meanwhile")

func (s *Store) metaColl() *mongo.Collection { return s.db.Collection(metaCollection) }

// ReadMeta reads the collection's meta document from the server.
func (s *Store) ReadMeta(ctx context.Context) (Meta, error) {
	var got struct {
		Fingerprint string `bson:"fingerprint"`
		Generation  string `bson:"generation"`
		Schema      string `bson:"schema"`
	}
	err := s.metaColl().FindOne(ctx, bson.D{{Key: keyID, Value: s.base}}).Decode(&got)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return Meta{Generation: s.base}, nil
	case err != nil:
		return Meta{}, fmt.Errorf("mongo: read the meta document of %s.%s: %w", s.db.Name(), s.base, err)
	}
	m := Meta{Recorded: true, Generation: got.Generation, Fingerprint: got.Fingerprint, Schema: got.Schema}
	if m.Generation == "" {
		m.Generation = s.base // recorded before generations existed
	}
	return m, nil
}

// Meta is the meta document as the Store last bound it: the generation it
// reads and writes.
func (s *Store) Meta() Meta {
	s.genMu.RLock()
	defer s.genMu.RUnlock()
	return s.meta
}

// Generation is the bound generation's collection name.
func (s *Store) Generation() string { return s.Meta().Generation }

// Bind moves the Store to m's generation: later reads and writes go there.
// A replica calls it when it sees the store's schema change.
func (s *Store) Bind(m Meta) { s.bind(m) }

func (s *Store) bind(m Meta) {
	if m.Generation == "" {
		m.Generation = s.base
	}
	s.genMu.Lock()
	defer s.genMu.Unlock()
	s.meta = m
	s.coll = s.db.Collection(m.Generation)
}

// view is a Store fixed on the currently bound generation, sharing the
// connection and the write clock: a multi-step operation (an upsert's
// read-then-write, a follow) stays on one generation even when the Store
// is rebound meanwhile.
func (s *Store) view() *Store {
	m := s.Meta()
	v := &Store{client: s.client, db: s.db, base: s.base, clock: s.clock}
	v.bind(m)
	return v
}

// Generation is a collection being filled for a schema change: a Store
// bound to it, not yet active.
type Generation struct {
	*Store
}

// NewGeneration drops what earlier, unfinished schema changes left behind
// (generations that are not active) and creates an empty generation with
// the follower's index.
func (s *Store) NewGeneration(ctx context.Context) (*Generation, error) {
	active, err := s.ReadMeta(ctx)
	if err != nil {
		return nil, err
	}
	if active.Generation != s.Generation() {
		return nil, fmt.Errorf("%w: this instance has not yet followed the store to generation %s", ErrMetaChanged, active.Generation)
	}
	if err := s.dropStale(ctx, active.Generation); err != nil {
		return nil, err
	}
	name := s.base + generationInfix + strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := s.db.CreateCollection(ctx, name); err != nil {
		return nil, fmt.Errorf("mongo: create generation %s: %w", name, err)
	}
	if err := ensureIndexes(ctx, s.db.Collection(name)); err != nil {
		return nil, err
	}
	g := &Store{client: s.client, db: s.db, base: s.base, clock: s.clock}
	g.bind(Meta{Recorded: true, Generation: name})
	return &Generation{g}, nil
}

// dropStale drops every generation of the collection but active.
func (s *Store) dropStale(ctx context.Context, active string) error {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("mongo: list generations of %s: %w", s.base, err)
	}
	for _, n := range names {
		if n == active || !(n == s.base || strings.HasPrefix(n, s.base+generationInfix)) {
			continue
		}
		slog.InfoContext(ctx, "mongo: dropping a generation an earlier schema change left behind", "collection", n)
		if err := s.db.Collection(n).Drop(ctx); err != nil {
			return fmt.Errorf("mongo: drop generation %s: %w", n, err)
		}
	}
	return nil
}

// CommitGeneration makes next the active generation, in one atomic update
// of the meta document that succeeds only while the Store's bound
// generation is still the active one (else ErrMetaChanged), and binds the
// Store to it. next.Generation empty keeps the bound generation (a change
// of the schema text and fingerprint only).
func (s *Store) CommitGeneration(ctx context.Context, next Meta) error {
	cur := s.Meta()
	if next.Generation == "" {
		next.Generation = cur.Generation
	}
	filter := bson.D{{Key: keyID, Value: s.base}, {Key: metaFingerprint, Value: cur.Fingerprint}}
	if cur.Generation == s.base {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: metaGeneration, Value: cur.Generation}},
			bson.D{{Key: metaGeneration, Value: bson.D{{Key: "$exists", Value: false}}}},
		}})
	} else {
		filter = append(filter, bson.E{Key: metaGeneration, Value: cur.Generation})
	}
	res, err := s.metaColl().UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{
		{Key: metaGeneration, Value: next.Generation},
		{Key: metaFingerprint, Value: next.Fingerprint},
		{Key: metaSchema, Value: next.Schema},
		{Key: "switched_at", Value: time.Now().UTC()},
	}}})
	if err != nil {
		return fmt.Errorf("mongo: switch %s to generation %s: %w", s.base, next.Generation, err)
	}
	if res.MatchedCount != 1 {
		return fmt.Errorf("%w: generation %s is no longer the active one of %s", ErrMetaChanged, cur.Generation, s.base)
	}
	next.Recorded = true
	s.bind(next)
	return nil
}

// DropGeneration drops a generation that is no longer active.
func (s *Store) DropGeneration(ctx context.Context, name string) error {
	if name == s.Generation() {
		return fmt.Errorf("mongo: generation %s is the active one", name)
	}
	if err := s.db.Collection(name).Drop(ctx); err != nil {
		return fmt.Errorf("mongo: drop generation %s: %w", name, err)
	}
	return nil
}

// CarryLate copies into the bound generation, for the time grace, the
// writes that reach generation old from time since on: writes other
// instances made there before they noticed the switch. They are copied
// without vectors (each reader encodes them for the new schema) and last
// writer wins by version, so what the switch already carried stays. It
// returns the documents copied.
func (s *Store) CarryLate(ctx context.Context, old string, since time.Time, grace, poll time.Duration) (int, error) {
	src := &Store{client: s.client, db: s.db, base: s.base, clock: s.clock}
	src.bind(Meta{Generation: old})
	dst := s.view()
	cp := Checkpoint{UpdatedAt: since}
	n := 0
	end := time.Now().Add(grace)
	for {
		var err error
		cp, err = src.pollUntilIdle(ctx, cp, func(ctx context.Context, docs []Doc, _ Checkpoint) error {
			for i := range docs {
				docs[i].Vector = nil
			}
			n += len(docs)
			return dst.upsertLate(ctx, docs)
		})
		if err != nil {
			return n, err
		}
		if !time.Now().Before(end) {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(min(poll, time.Until(end))):
		}
	}
}

// Fill inserts documents that the generation does not hold yet, much
// faster than Upsert (no read of stored versions, 1000 documents a call):
// a schema change's first copy into its new generation. Every 40
// documents share an updated_at, as an Upsert chunk's do, so a follower's
// position never lists more IDs than that for one instant.
func (g *Generation) Fill(ctx context.Context, docs []Doc) error {
	for start := 0; start < len(docs); start += fillBatch {
		batch := docs[start:min(start+fillBatch, len(docs))]
		out := make([]any, len(batch))
		var now time.Time
		for i, d := range batch {
			if d.ID == "" {
				return fmt.Errorf("mongo: fill: document %d has an empty ID", start+i)
			}
			if i%upsertChunk == 0 {
				now = g.now()
			}
			out[i] = newDocument(d, now)
		}
		if _, err := g.collection().InsertMany(ctx, out, options.InsertMany().SetOrdered(false)); err != nil {
			return fmt.Errorf("mongo: fill generation %s: %w", g.Generation(), err)
		}
	}
	return nil
}

// fillBatch is how many documents one Fill insert carries.
const fillBatch = 1000
