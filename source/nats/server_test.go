package nats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
	natssource "github.com/tessera-search/tessera/source/nats"
)

// broker is a test's client side of the server: a connection, JetStream,
// and the PRODUCTS stream (products.>).
type broker struct {
	t      testing.TB
	url    string
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
}

func newBroker(t testing.TB) *broker {
	t.Helper()
	return newBrokerOn(t, streamtest.NATS(t))
}

func newBrokerOn(t testing.TB, srv *natsserver.Server) *broker {
	t.Helper()
	nc, js := streamtest.JetStream(t, srv)
	st, err := js.CreateOrUpdateStream(context.Background(), jetstream.StreamConfig{Name: "PRODUCTS", Subjects: []string{"products.>"}})
	if err != nil {
		t.Fatal(err)
	}
	return &broker{t: t, url: srv.ClientURL(), nc: nc, js: js, stream: st}
}

// publish stores data on subject and returns its stream sequence.
func (b *broker) publish(subject string, data []byte) uint64 {
	b.t.Helper()
	ack, err := b.js.Publish(context.Background(), subject, data)
	if err != nil {
		b.t.Fatal(err)
	}
	return ack.Sequence
}

// event is one /v1/events upsert.
func event(id string, version int64, title string) []byte {
	b, _ := json.Marshal(map[string]any{"op": "upsert", "id": id, "version": version,
		"fields": map[string]any{"title": title, "price": 10.0}})
	return b
}

// tesseraSide is an index and its apply stream, reopened as a restart
// would.
type tesseraSide struct {
	t      testing.TB
	dir    string
	db     *tessera.DB
	stream *ingest.Stream
	cancel context.CancelFunc
}

func openTessera(t testing.TB, dir string, opts tessera.Options, sopts ingest.StreamOptions) *tesseraSide {
	t.Helper()
	opts.DataDir = dir
	opts.Logger = quietUnderBench(t)
	db, err := tessera.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &tesseraSide{t: t, dir: dir, db: db, stream: ingest.NewStream(ctx, db.Applier, sopts), cancel: cancel}
	t.Cleanup(ts.close)
	return ts
}

func (ts *tesseraSide) close() {
	if ts.db == nil {
		return
	}
	ts.cancel()
	<-ts.stream.Done()
	if err := ts.db.Close(); err != nil {
		ts.t.Error(err)
	}
	ts.db = nil
}

// position is what the source committed for the PRODUCTS stream.
func (ts *tesseraSide) position(durable string) natssource.Position {
	ts.t.Helper()
	p, err := natssource.DecodePosition(ts.stream.Position(natssource.PositionKey("PRODUCTS", durable)))
	if err != nil {
		ts.t.Fatal(err)
	}
	return p
}

// running is a source's Run in the background.
type running struct {
	src  *natssource.Source
	stop context.CancelFunc
	done chan error
}

func runSource(t testing.TB, b *broker, ts *tesseraSide, o natssource.Options) *running {
	t.Helper()
	o.Server = b.url
	o.Stream = "PRODUCTS"
	src, err := natssource.New(o, quietUnderBench(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{src: src, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- src.Run(ctx, ts.stream) }()
	t.Cleanup(func() { r.halt(t) })
	return r
}

// halt stops the source and checks it stopped cleanly.
func (r *running) halt(t testing.TB) {
	if r.stop == nil {
		return
	}
	r.stop()
	r.stop = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("Run did not return after its context ended")
	}
}

// eventually polls cond until it holds; the deadline only bounds a broken
// run, nothing is measured by it.
// settledStats returns the source's counters once they count n events
// applied or rejected. The acker counts a batch after the WAL commit that
// moves the position, so a check right after waiting for the position
// could read them one batch behind (seen in CI: applied 90 of 100).
func settledStats(t testing.TB, r *running, n int64) ingest.SourceStats {
	t.Helper()
	eventually(t, fmt.Sprintf("%d events counted", n), func() bool {
		st := r.src.Stats()
		return st.Applied+st.Rejected >= n
	})
	return r.src.Stats()
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// consumerInfo is the durable's state on the broker.
func (b *broker) consumerInfo(durable string) *jetstream.ConsumerInfo {
	b.t.Helper()
	c, err := b.stream.Consumer(context.Background(), durable)
	if err != nil {
		b.t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		b.t.Fatal(err)
	}
	return info
}

func title(ts *tesseraSide, id string) string {
	rec, ok := ts.db.Collection.Get(id)
	if !ok {
		return ""
	}
	return fmt.Sprint(rec.Fields["title"])
}

// quietUnderBench keeps logs out of benchmark output, where they would
// split the result lines.
func quietUnderBench(t testing.TB) *slog.Logger {
	if _, ok := t.(*testing.B); ok {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.Default()
}
