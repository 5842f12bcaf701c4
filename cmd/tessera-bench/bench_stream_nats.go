package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	natsserver "github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-search/tessera/internal/streamtest"
	natssource "github.com/tessera-search/tessera/source/nats"
)

// natsPublishWindow bounds the asynchronous publishes awaiting their acks
// (the client's own default is 4,000).
const natsPublishWindow = 1000

// natsBenchLog is a JetStream stream for benchStreamSource: an in-process
// nats-server's when the URL's host is "embedded", else a real server's.
// The stream is created when missing, over the subjects STREAM.>; events
// are published to the URL's subject= (wildcards made concrete) or to
// STREAM.upsert.
type natsBenchLog struct {
	opts    natssource.Options
	server  *natsserver.Server // nil for a real server
	store   string             // the embedded server's directory
	nc      *natsgo.Conn
	js      jetstream.JetStream
	subject string

	mu      sync.Mutex
	pending []jetstream.PubAckFuture // published by produce, not yet flushed
}

func openNATSBenchLog(ctx context.Context, u *url.URL) (_ *natsBenchLog, err error) {
	l := &natsBenchLog{}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	if u.Host == "embedded" {
		if l.store, err = os.MkdirTemp("", "tessera-bench-nats"); err != nil {
			return nil, err
		}
		if l.server, err = streamtest.StartNATS(-1, l.store); err != nil {
			return nil, err
		}
		su, err := url.Parse(l.server.ClientURL())
		if err != nil {
			return nil, err
		}
		cu := *u
		cu.Host = su.Host
		u = &cu
	}
	if l.opts, err = natssource.ParseURL(u); err != nil {
		return nil, fmt.Errorf("--source: %w", err)
	}
	if l.nc, err = natsgo.Connect(l.opts.Server, natsgo.Name("tessera-bench producer")); err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	if l.js, err = jetstream.New(l.nc); err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	stream := l.opts.Stream
	if _, err := l.js.Stream(ctx, stream); errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = l.js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{stream + ".>"}})
		if err != nil {
			return nil, fmt.Errorf("creating stream %s: %w", stream, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	l.subject = stream + ".upsert"
	if s := l.opts.Subject; s != "" {
		l.subject = strings.NewReplacer(">", "upsert", "*", "x").Replace(s)
	}
	return l, nil
}

func (l *natsBenchLog) publish(ctx context.Context, evs []benchEvent) ([]jetstream.PubAckFuture, error) {
	out := make([]jetstream.PubAckFuture, 0, len(evs))
	for _, e := range evs {
		f, err := l.js.PublishAsync(l.subject, e.data)
		if err != nil {
			return out, fmt.Errorf("publishing to %s: %w", l.subject, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// await waits for the acks of fs and returns the first error.
func await(ctx context.Context, fs []jetstream.PubAckFuture) error {
	var first error
	for _, f := range fs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			first = cmpErr(first, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return first
}

func (l *natsBenchLog) produceSync(ctx context.Context, evs []benchEvent) error {
	for len(evs) > 0 {
		n := min(len(evs), natsPublishWindow)
		fs, err := l.publish(ctx, evs[:n])
		if err := cmpErr(err, await(ctx, fs)); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

func (l *natsBenchLog) produce(ctx context.Context, evs []benchEvent) {
	fs, err := l.publish(ctx, evs)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, fs...)
	if err != nil {
		l.pending = append(l.pending, failedAck{err})
	}
}

func (l *natsBenchLog) flush(ctx context.Context) error {
	l.mu.Lock()
	fs := l.pending
	l.pending = nil
	l.mu.Unlock()
	return await(ctx, fs)
}

func (l *natsBenchLog) newSource() (benchSource, error) { return natssource.New(l.opts, nil) }

func (l *natsBenchLog) close() {
	if l.nc != nil {
		l.nc.Close()
	}
	if l.server != nil {
		l.server.Shutdown()
		l.server.WaitForShutdown()
	}
	if l.store != "" {
		os.RemoveAll(l.store)
	}
}

// failedAck is a publish that failed before it reached the server.
type failedAck struct{ err error }

func (f failedAck) Ok() <-chan *jetstream.PubAck { return nil }
func (f failedAck) Err() <-chan error {
	c := make(chan error, 1)
	c <- f.err
	return c
}
func (f failedAck) Msg() *natsgo.Msg { return nil }
