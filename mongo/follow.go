package mongo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// followBatch bounds the documents handed to a Follow callback at once.
const followBatch = 500

// Checkpoint is a follower's position. Persist the one passed to the Follow
// callback after processing its documents, and pass it back to Follow to
// resume. The zero Checkpoint starts from the beginning.
type Checkpoint struct {
	// ResumeToken is the change stream's resume token, when following one.
	ResumeToken bson.Raw `json:"resume_token,omitempty"`
	// UpdatedAt is the greatest updated_at seen so far.
	UpdatedAt time.Time `json:"updated_at"`
	// LastIDs are the IDs already yielded whose updated_at equals UpdatedAt,
	// so that documents sharing a millisecond are neither skipped nor repeated.
	LastIDs []string `json:"last_ids,omitempty"`
	// Generation is the collection the position is in (see generation.go);
	// "" for the collection named after the schema. The Follower sets it.
	Generation string `json:"generation,omitempty"`
}

// clone returns a copy that shares no memory with cp.
func (cp Checkpoint) clone() Checkpoint {
	cp.ResumeToken = bytes.Clone(cp.ResumeToken)
	cp.LastIDs = slices.Clone(cp.LastIDs)
	return cp
}

// observe advances cp past document id written at t.
func (cp *Checkpoint) observe(id string, t time.Time) {
	switch {
	case t.IsZero():
		// Deletes seen on a change stream may carry no time; they do not move
		// the polling position.
	case t.After(cp.UpdatedAt):
		cp.UpdatedAt = t
		cp.LastIDs = []string{id}
	case t.Equal(cp.UpdatedAt) && !slices.Contains(cp.LastIDs, id):
		cp.LastIDs = append(cp.LastIDs, id)
	}
}

// Follow calls fn with every change made to the collection by anyone after
// from, in batches, each with the checkpoint to persist once the batch is
// processed, until ctx is done (it then returns ctx.Err()) or fn fails (it
// returns that error, wrapped). Delivery is at least once: after a restart
// from a persisted checkpoint, or in the overlap between catching up and a
// change stream, a document may come again, so apply documents by Version.
//
// Where the server has change streams (replica sets, sharded clusters) Follow
// watches the collection with fullDocument: updateLookup. Without a resume
// token it first catches up by polling from the checkpoint's updated_at, with
// the stream already open so that nothing falls between the two. A resume
// token the server no longer holds falls back to the same catch-up (hard
// deletes made during the gap are then missed). Otherwise, as on FerretDB,
// Follow polls updated_at every poll (1s when poll <= 0). See the package doc
// for what third-party writers must do to be seen.
func (s *Store) Follow(ctx context.Context, from Checkpoint, poll time.Duration, fn func(ctx context.Context, docs []Doc, cp Checkpoint) error) error {
	if fn == nil {
		return errors.New("mongo: follow: nil callback")
	}
	if poll <= 0 {
		poll = time.Second
	}
	from = from.clone()
	// Follow one generation throughout, even if the Store is rebound.
	s = s.view()

	cs, err := s.watch(ctx, from.ResumeToken)
	if err != nil && from.ResumeToken != nil && resumeTokenLost(err) {
		slog.WarnContext(ctx, "mongo: resume token no longer held by the server; catching up from updated_at",
			"collection", s.name(), "updated_at", from.UpdatedAt, "err", err)
		from.ResumeToken = nil
		cs, err = s.watch(ctx, nil)
	}
	switch {
	case err == nil:
		return s.followStream(ctx, cs, from, fn)
	case streamsUnsupported(err):
		slog.InfoContext(ctx, "mongo: server has no change streams; polling updated_at",
			"collection", s.name(), "poll", poll, "err", err)
		from.ResumeToken = nil
		return s.followPoll(ctx, from, poll, fn)
	default:
		return fmt.Errorf("mongo: follow %s: open change stream: %w", s.name(), err)
	}
}

func (s *Store) watch(ctx context.Context, token bson.Raw) (*mongo.ChangeStream, error) {
	opts := options.ChangeStream().SetFullDocument(options.UpdateLookup)
	if token != nil {
		opts.SetResumeAfter(token)
	}
	return s.collection().Watch(ctx, mongo.Pipeline{}, opts)
}

// streamsUnsupported tells whether Watch failed because the server has no
// change streams (a standalone mongod, FerretDB), not because of an outage.
func streamsUnsupported(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	for _, code := range []int{
		40573, // $changeStream only on replica sets
		40324, // unrecognized pipeline stage
		115,   // CommandNotSupported
		238,   // NotImplemented
		59,    // CommandNotFound
		20,    // IllegalOperation
	} {
		if se.HasErrorCode(code) {
			return true
		}
	}
	return false
}

// resumeTokenLost tells whether Watch failed because the resume token's
// point is gone from the server's history.
func resumeTokenLost(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && (se.HasErrorCode(286) || se.HasErrorCode(280)) // ChangeStreamHistoryLost, ChangeStreamFatalError
}

// followStream consumes an open change stream.
func (s *Store) followStream(ctx context.Context, cs *mongo.ChangeStream, cp Checkpoint, fn func(context.Context, []Doc, Checkpoint) error) error {
	defer cs.Close(context.WithoutCancel(ctx))
	if cp.ResumeToken == nil {
		var err error
		if cp, err = s.pollUntilIdle(ctx, cp, fn); err != nil {
			return err
		}
	}
	for {
		if !cs.Next(ctx) {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("mongo: follow %s: change stream: %w", s.name(), cs.Err())
		}
		var docs []Doc
		for {
			d, ok, err := decodeChangeEvent(cs.Current)
			switch {
			case errors.Is(err, ErrStreamInvalidated):
				return fmt.Errorf("mongo: follow %s: %w", s.name(), err)
			case err != nil:
				warnSkipped(ctx, s.name(), err)
			case ok:
				if !s.clock.echo(d) {
					docs = append(docs, d)
				}
				cp.observe(d.ID, d.UpdatedAt)
			}
			// Gather what the current batch already holds, without waiting.
			if len(docs) >= followBatch || cs.RemainingBatchLength() == 0 || !cs.TryNext(ctx) {
				break
			}
		}
		if err := cs.Err(); err != nil {
			return fmt.Errorf("mongo: follow %s: change stream: %w", s.name(), err)
		}
		cp.ResumeToken = bytes.Clone(cs.ResumeToken())
		if len(docs) > 0 {
			if err := fn(ctx, docs, cp.clone()); err != nil {
				return fmt.Errorf("mongo: follow %s: %w", s.name(), err)
			}
		}
	}
}

// followPoll polls updated_at every poll until ctx is done or fn fails.
func (s *Store) followPoll(ctx context.Context, cp Checkpoint, poll time.Duration, fn func(context.Context, []Doc, Checkpoint) error) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		var err error
		if cp, err = s.pollUntilIdle(ctx, cp, fn); err != nil {
			return err
		}
		t.Reset(poll)
	}
}

// pollUntilIdle hands fn every document after cp, a batch at a time, and
// returns the checkpoint after the last one once a batch comes back short.
func (s *Store) pollUntilIdle(ctx context.Context, cp Checkpoint, fn func(context.Context, []Doc, Checkpoint) error) (Checkpoint, error) {
	for {
		docs, next, read, err := s.pollOnce(ctx, cp, followBatch)
		if err != nil {
			if ctx.Err() != nil {
				return cp, ctx.Err()
			}
			return cp, err
		}
		if len(docs) > 0 {
			if err := fn(ctx, docs, next.clone()); err != nil {
				return cp, fmt.Errorf("mongo: follow %s: %w", s.name(), err)
			}
		}
		cp = next
		if read < followBatch {
			return cp, nil
		}
	}
}

// pollOnce reads up to limit documents after cp in (updated_at, _id) order.
// read counts the documents read, including undecodable ones that were
// skipped (they still advance the checkpoint, so they are not read forever).
func (s *Store) pollOnce(ctx context.Context, cp Checkpoint, limit int) (docs []Doc, next Checkpoint, read int, err error) {
	filter := bson.D{
		// Documents Tessera cannot address, or without a date, never match.
		{Key: keyID, Value: bson.D{{Key: "$type", Value: "string"}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: keyUpdatedAt, Value: bson.D{{Key: "$gt", Value: cp.UpdatedAt}}}},
			bson.D{
				{Key: keyUpdatedAt, Value: cp.UpdatedAt},
				{Key: keyID, Value: bson.D{{Key: "$nin", Value: nonNil(cp.LastIDs)}}},
			},
		}},
	}
	opts := options.Find().
		SetSort(bson.D{{Key: keyUpdatedAt, Value: 1}, {Key: keyID, Value: 1}}).
		SetLimit(int64(limit)).
		SetBatchSize(int32(limit))
	cur, err := s.collection().Find(ctx, filter, opts)
	if err != nil {
		return nil, cp, 0, fmt.Errorf("mongo: follow %s: poll: %w", s.name(), err)
	}
	defer cur.Close(context.WithoutCancel(ctx))

	next = cp.clone()
	for cur.Next(ctx) {
		read++
		id, _ := cur.Current.Lookup(keyID).StringValueOK()
		ms, _ := cur.Current.Lookup(keyUpdatedAt).DateTimeOK()
		next.observe(id, time.UnixMilli(ms).UTC())
		d, err := decodeDocument(cur.Current)
		if err != nil {
			warnSkipped(ctx, s.name(), err)
			continue
		}
		if s.clock.echo(d) {
			continue // this process's own write: already applied here
		}
		docs = append(docs, d)
	}
	if err := cur.Err(); err != nil {
		return nil, cp, 0, fmt.Errorf("mongo: follow %s: poll: %w", s.name(), err)
	}
	return docs, next, read, nil
}

// nonNil makes a nil list encode as an empty BSON array rather than null,
// which $nin rejects.
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
