package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A Source is a log Tessera consumes by itself — a Kafka topic, a NATS
// JetStream stream. It lives in its own package (source/kafka,
// source/nats) and reaches the index only through Stream.Enqueue, the same
// apply path as /v1/events and bulk files.
//
// Exactly once: a source hands each batch to Enqueue together with its
// positions after the batch (for Kafka, the next offset of each partition);
// the stream writes them into the write-ahead log in the same commit as the
// events. On start the source resumes from Stream.Position, not from what
// the broker remembers, so a kill -9 at any moment neither loses an event
// nor applies one twice. Acknowledging to the broker (group offsets, NATS
// acks) happens after the commit and is for the broker's bookkeeping only.
type Source interface {
	// Name identifies the source in logs, stats and metrics: its URL
	// without credentials.
	Name() string
	// Run consumes until ctx is done or the source fails for good.
	Run(ctx context.Context, to *Stream) error
	// Stats reports the source's progress and lag.
	Stats() SourceStats
}

// SourceStats is a source's progress, for /v1/stats, /metrics and the UI.
type SourceStats struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"` // kafka, nats
	Connected bool   `json:"connected"`
	// Paused is true while the apply queue is full and the source has
	// stopped fetching (backpressure).
	Paused bool `json:"paused"`
	// Consumed counts messages read; Applied those applied; Rejected those
	// that were not a valid event or failed the schema (each also sent to
	// the dead-letter destination when one is configured).
	Consumed     int64   `json:"consumed"`
	Applied      int64   `json:"applied"`
	Rejected     int64   `json:"rejected"`
	DeadLettered int64   `json:"dead_lettered"`
	EventsPerS   float64 `json:"events_per_s"`
	// LagMessages and LagSeconds sum and max the per-partition lag.
	LagMessages int64          `json:"lag_messages"`
	LagSeconds  float64        `json:"lag_seconds"`
	Partitions  []PartitionLag `json:"partitions,omitempty"`
	// FreshP50MS and FreshP99MS are produce (the message's timestamp) to
	// searchable, over recent events.
	FreshP50MS float64 `json:"fresh_p50_ms"`
	FreshP99MS float64 `json:"fresh_p99_ms"`
	LastError  string  `json:"last_error,omitempty"`
}

// PartitionLag is one partition's (or consumer's) distance behind the log.
type PartitionLag struct {
	Partition string  `json:"partition"`
	Messages  int64   `json:"messages"`
	Seconds   float64 `json:"seconds"`
}

// SourceBatch is what a source hands to the stream: events in log order and
// the source's positions after them.
type SourceBatch struct {
	Events []Event
	// Positions are the source's resume points after Events, by key (a
	// key per partition, say). They are committed in the same WAL batch as
	// the events; Stream.Position reads them back. A batch may carry
	// positions and no events (every message in it was dead-lettered).
	Positions map[string][]byte
}

// metaSourcePrefix namespaces source positions among collection metadata.
const metaSourcePrefix = "source/"

// Enqueue queues a source's batch behind whatever is waiting, in call order.
// Unlike Submit it waits while the queue is full — a source pauses fetching
// rather than buffering without bound — until ctx is done. The returned wait
// blocks until the batch is durable and searchable and gives its results.
func (s *Stream) Enqueue(ctx context.Context, b SourceBatch) (wait func() ([]Result, error), err error) {
	sub := &submission{ctx: ctx, events: b.Events, positions: b.Positions, received: time.Now(), done: make(chan struct{})}
	select {
	case s.queue <- sub:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, errors.New("ingest: stream stopped")
	}
	return func() ([]Result, error) {
		select {
		case <-sub.done:
			return sub.results, sub.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}, nil
}

// Position is the resume point a source committed under key with its last
// applied batch, or nil when it never committed one.
func (s *Stream) Position(key string) []byte {
	return s.a.Collection().Meta(metaSourcePrefix + key)
}

// Check reports, per event, the problems that would make the apply path
// reject it (nil when it would be applied), without applying it or learning
// from it. A source dead-letters such events before it commits the position
// past them, so a crash cannot lose them.
func (s *Stream) Check(events []Event) [][]Problem {
	items := s.a.prepareAll(events, false)
	out := make([][]Problem, len(items))
	for i := range items {
		out[i] = items[i].problems
	}
	return out
}

// Message formats a source can read.
const (
	// MessageEvent: the value is one event in the /v1/events format; the
	// message key, when the event has no id, is its id.
	MessageEvent = "event"
	// MessageRow: the value is a bare row (a JSON object of field values),
	// upserted under the id in IDField, at the version in VersionField or,
	// without one, the message's position in its log.
	MessageRow = "row"
)

// MessageMapping says how a source turns a message into an Event.
type MessageMapping struct {
	Format       string // MessageEvent (default) or MessageRow
	IDField      string // MessageRow: the field holding the id (default "id")
	VersionField string // MessageRow: the field holding the version (default: the log position); taken out of the row
}

// Validate reports a mapping that cannot work.
func (m MessageMapping) Validate() error {
	switch m.Format {
	case "", MessageEvent:
		if m.IDField != "" || m.VersionField != "" {
			return fmt.Errorf("id and version fields apply to format=row only")
		}
	case MessageRow:
	default:
		return fmt.Errorf("format %q: want %q or %q", m.Format, MessageEvent, MessageRow)
	}
	return nil
}

// Decode turns one message into an Event. key is the message key (may be
// nil); seq is the message's position in its log (a Kafka offset, a
// JetStream stream sequence), the version of a row without a version field.
func (m MessageMapping) Decode(value, key []byte, seq int64) (Event, error) {
	if m.Format != MessageRow {
		ev, err := DecodeEvent(value)
		if err != nil {
			return ev, err
		}
		if ev.ID == "" && len(key) > 0 {
			ev.ID = string(key)
		}
		return ev, nil
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	var row map[string]any
	if err := dec.Decode(&row); err != nil {
		return Event{}, fmt.Errorf("not a JSON object row: %w", err)
	}
	if dec.More() {
		return Event{}, errors.New("not a JSON object row: more than one value")
	}
	idField := m.IDField
	if idField == "" {
		idField = "id"
	}
	ev := Event{Op: OpUpsert, Fields: row, Version: seq}
	id, err := idString(row[idField])
	if err != nil {
		return ev, fmt.Errorf("%s: %w", idField, err)
	}
	if id == "" && len(key) > 0 {
		id = string(key)
	}
	if id == "" {
		return ev, fmt.Errorf("%s: the row has no id (and the message no key)", idField)
	}
	ev.ID = id
	if m.VersionField != "" {
		v, ok := row[m.VersionField]
		if !ok {
			return ev, fmt.Errorf("%s: the row has no version", m.VersionField)
		}
		n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		if err != nil {
			return ev, fmt.Errorf("%s: version %v is not an integer", m.VersionField, v)
		}
		ev.Version = n
		// The version orders the row; it is not one of its fields (the
		// schema would reject an unknown one).
		delete(row, m.VersionField)
	}
	// Numbers decode as json.Number so ids and versions keep every digit;
	// the cleaner wants float64 like any JSON reader gives it.
	for k, v := range row {
		row[k] = floatNumbers(v)
	}
	return ev, nil
}

func floatNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case []any:
		for i := range t {
			t[i] = floatNumbers(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = floatNumbers(t[k])
		}
	}
	return v
}
