// Package nats is Tessera's NATS JetStream source: a durable pull consumer
// that feeds a stream's messages into the index through ingest.Stream, with
// the stream sequence of what was applied committed in Tessera's own WAL
// together with the events, and acks sent only after that commit.
//
// The package is named for what it reads; it imports the NATS client as
// natsgo.
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-search/tessera/ingest"
)

// Source consumes one JetStream stream through one durable consumer.
type Source struct {
	opts   Options
	name   string
	key    string
	logger *slog.Logger
	meter  *ingest.SourceMeter
}

// New checks the options and returns a source that connects when Run.
func New(o Options, logger *slog.Logger) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	if logger == nil {
		logger = slog.Default()
	}
	name := displayName(o)
	return &Source{opts: o, name: name, key: PositionKey(o.Stream, o.Durable), logger: logger.With("source", name),
		meter: ingest.NewSourceMeter(name, "nats")}, nil
}

// displayName is the source's URL without credentials.
func displayName(o Options) string {
	host := o.Server
	if u, err := url.Parse(o.Server); err == nil {
		host = u.Host
	}
	q := url.Values{"durable": {o.Durable}}
	if o.Subject != "" {
		q.Set("subject", o.Subject)
	}
	// Subjects read better with their '>' and '*' left alone.
	query, _ := url.QueryUnescape(q.Encode())
	return "nats://" + host + "/" + o.Stream + "?" + query
}

// Name is the source's URL without credentials.
func (s *Source) Name() string { return s.name }

// Stats reports progress, lag and freshness.
func (s *Source) Stats() ingest.SourceStats { return s.meter.Stats() }

// Run consumes until ctx is done. It returns an error only when it cannot
// go on at all (the stream stopped, a committed position it cannot read);
// an unreachable server or a missing stream is retried, and reported in
// Stats meanwhile.
func (s *Source) Run(ctx context.Context, to *ingest.Stream) error {
	committed, err := DecodePosition(to.Position(s.key))
	if err != nil {
		s.meter.SetError(err)
		return err
	}
	nc, err := natsgo.Connect(s.opts.Server,
		natsgo.Name("tessera "+s.name),
		natsgo.RetryOnFailedConnect(true),
		natsgo.MaxReconnects(-1),
		natsgo.ConnectHandler(func(*natsgo.Conn) { s.meter.SetConnected(true) }),
		natsgo.ReconnectHandler(func(*natsgo.Conn) { s.meter.SetConnected(true) }),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			s.meter.SetConnected(false)
			if err != nil {
				s.logger.Warn("nats disconnected", "err", err)
			}
		}),
	)
	if err != nil {
		s.meter.SetError(err)
		return fmt.Errorf("connect: %w", err)
	}
	defer nc.Close()
	s.meter.SetConnected(nc.IsConnected())
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	r := &run{Source: s, to: to, nc: nc, js: js, handed: committed, lag: newLagMeter(s.meter, s.opts.Stream+"/"+s.opts.Durable)}
	if err := r.open(ctx, false); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	s.logger.Info("nats source resuming", "stream", s.opts.Stream, "durable", s.opts.Durable, "after_seq", committed.Seq)
	return r.loop(ctx)
}

// run is one Run's state. The fetch loop owns handed, lastDelivery and
// cons; the acker reads only what it is sent.
type run struct {
	*Source
	to     *ingest.Stream
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	cons   jetstream.Consumer
	lag    *lagMeter

	// handed is the position after the last batch handed to the stream.
	handed Position
	// lastDelivery is the consumer sequence of the last delivery read: the
	// broker numbers every delivery, so a jump means one was lost on the
	// way (a fetch that timed out under it, a reconnect).
	lastDelivery uint64
}

// open (re)creates the consumer at the handed position, retrying until it
// succeeds or ctx ends; a dead-letter subject inside the stream it reads
// fails at once.
func (r *run) open(ctx context.Context, fresh bool) error {
	for attempt := 0; ; attempt++ {
		stream, err := r.js.Stream(ctx, r.opts.Stream)
		if err == nil {
			if err := checkDeadLetter(stream.CachedInfo().Config.Subjects, r.opts); err != nil {
				r.meter.SetError(err)
				return err // a loop: retrying cannot help
			}
		}
		var cons jetstream.Consumer
		if err == nil {
			cons, err = openConsumer(ctx, r.js, r.opts, r.handed.Seq, fresh, r.logger)
		}
		if err == nil {
			r.stream, r.cons = stream, cons
			r.lastDelivery = cons.CachedInfo().Delivered.Consumer
			r.meter.SetError(nil)
			r.lag.refresh(ctx, stream, cons)
			return nil
		}
		r.meter.SetError(err)
		r.logger.Error("nats source cannot open its consumer; retrying", "err", err)
		if !sleep(ctx, backoff(attempt)) {
			return ctx.Err()
		}
	}
}

// inFlight is one fetch on its way: enqueued, then committed, then acked.
type inFlight struct {
	events   []ingest.Event                  // what the fetch's new messages decoded to
	wait     func() ([]ingest.Result, error) // nil: nothing new to commit (redeliveries only)
	msgs     []jetstream.Msg                 // every message of the fetch, acked after the commit
	reasons  []string                        // by msgs: why a message was rejected before the apply path
	applied  []jetstream.Msg                 // the message behind each event, in order
	produced []time.Time                     // by event: when its message was stored
	fresh    int                             // messages seen for the first time
	lastTS   time.Time                       // the newest of them's timestamp
}

// loop fetches, decodes and enqueues in stream order; the acker waits for
// each batch's commit and acks it. Together they hold at most InFlight
// batches beyond the stream's queue: when the queue is full Enqueue waits,
// and so does fetching.
func (r *run) loop(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pipe := make(chan *inFlight, r.opts.InFlight)
	ackerDone := make(chan struct{})
	go func() {
		defer close(ackerDone)
		if err := r.acker(ctx, pipe); err != nil {
			cancel(err)
		}
	}()
	defer func() {
		close(pipe)
		<-ackerDone
	}()
	pause := newPauser(r.meter)
	for attempt := 0; ctx.Err() == nil; {
		msgs, err := r.fetch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			r.meter.SetError(err)
			r.logger.Warn("nats fetch failed; retrying", "err", err)
			if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) {
				if err := r.open(ctx, true); err != nil {
					cancel(err)
					break
				}
			}
			sleep(ctx, backoff(attempt))
			attempt++
			continue
		}
		if attempt > 0 {
			r.meter.SetError(nil) // fetching again
			attempt = 0
		}
		if len(msgs) == 0 {
			r.lag.refresh(ctx, r.stream, r.cons)
			continue
		}
		f, lost := r.take(ctx, msgs)
		if f != nil && !r.hand(ctx, f, pipe, pause) {
			break
		}
		if lost {
			r.logger.Warn("nats delivery lost in transit; consumer recreated after the handed position", "after_seq", r.handed.Seq)
			if err := r.open(ctx, true); err != nil {
				cancel(err)
				break
			}
		}
		r.lag.maybeRefresh(ctx, r.stream, r.cons)
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// fetch returns what the consumer has now, or waits up to IdleWait for the
// next message. A plain Fetch of a whole batch would hold a lone message
// until the batch fills or the wait ends; this keeps freshness at the
// round trip while still taking full batches under load.
func (r *run) fetch(ctx context.Context) ([]jetstream.Msg, error) {
	b, err := r.cons.FetchNoWait(r.opts.Batch)
	if err != nil {
		return nil, err
	}
	msgs, err := drain(b)
	if err != nil || len(msgs) > 0 {
		return msgs, err
	}
	wctx, cancel := context.WithTimeout(ctx, r.opts.IdleWait)
	defer cancel()
	b, err = r.cons.Fetch(1, jetstream.FetchContext(wctx))
	if err != nil {
		return nil, err
	}
	msgs, err = drain(b)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = nil
	}
	return msgs, err
}

// drain reads a fetch to its end. Messages that arrived count even when
// the fetch then failed (a missed heartbeat, a disconnect): the error is
// returned only for a fetch that brought nothing.
func drain(b jetstream.MessageBatch) ([]jetstream.Msg, error) {
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	err := b.Error()
	if errors.Is(err, jetstream.ErrNoMessages) || len(msgs) > 0 {
		err = nil
	}
	return msgs, err
}

// take turns fetched messages into a batch, in order. A message at or
// below the handed position is a redelivery (its ack was lost, or it
// waited in the queue past AckWait): it is acked after this batch commits
// and not applied again. lost reports a jump in the delivery sequence: a
// delivery never reached us, so nothing after it is taken and the consumer
// must be recreated after the handed position (or the lost message, when
// redelivered, would look like one already handed).
func (r *run) take(ctx context.Context, msgs []jetstream.Msg) (f *inFlight, lost bool) {
	f = &inFlight{}
	var events []ingest.Event
	var at []int // by event: its message's index in f.msgs
	for _, m := range msgs {
		meta, err := m.Metadata()
		if err != nil { // not a JetStream delivery: nothing to ack
			r.logger.Warn("nats message without JetStream metadata", "subject", m.Subject(), "err", err)
			continue
		}
		if meta.Sequence.Consumer != r.lastDelivery+1 {
			lost = true
			break
		}
		r.lastDelivery = meta.Sequence.Consumer
		r.meter.Consumed(1)
		f.msgs = append(f.msgs, m)
		f.reasons = append(f.reasons, "")
		r.lag.pending(meta.NumPending, meta.Timestamp)
		seq := meta.Sequence.Stream
		if seq <= r.handed.Seq {
			continue
		}
		r.handed.Seq = seq
		r.handed.Messages++
		f.fresh++
		f.lastTS = meta.Timestamp
		ev, err := r.opts.Mapping.Decode(m.Data(), r.idKey(m), int64(seq))
		if err != nil {
			reason := fmt.Sprintf("stream sequence %d (subject %s): %v", seq, m.Subject(), err)
			f.reasons[len(f.reasons)-1] = reason
			r.meter.Rejected(1)
			r.deadLetter(ctx, m, seq, reason)
			continue
		}
		events = append(events, ev)
		f.applied = append(f.applied, m)
		f.produced = append(f.produced, meta.Timestamp)
		at = append(at, len(f.msgs)-1)
	}
	if len(f.msgs) == 0 {
		return nil, lost
	}
	// Schema failures are found before the commit, as the Kafka source
	// does, so a message is dead-lettered before the position moves past
	// it and a crash in between cannot lose it.
	if len(events) > 0 {
		keep := 0
		for i, probs := range r.to.Check(events) {
			if len(probs) > 0 {
				m := f.applied[i]
				seq := streamSeq(m)
				reason := fmt.Sprintf("stream sequence %d (subject %s): %s", seq, m.Subject(), ingest.ProblemsText(probs))
				f.reasons[at[i]] = reason
				r.meter.Rejected(1)
				r.deadLetter(ctx, m, seq, reason)
				continue
			}
			events[keep], f.applied[keep], f.produced[keep] = events[i], f.applied[i], f.produced[i]
			keep++
		}
		events, f.applied, f.produced = events[:keep], f.applied[:keep], f.produced[:keep]
	}
	f.events = events
	return f, lost
}

// idKey is what an event without an id is keyed by.
func (r *run) idKey(m jetstream.Msg) []byte {
	if r.opts.IDFrom == IDFromSubject {
		s := m.Subject()
		for i := len(s) - 1; i >= 0; i-- {
			if s[i] == '.' {
				return []byte(s[i+1:])
			}
		}
		return []byte(s)
	}
	return []byte(m.Headers().Get(HeaderID))
}
