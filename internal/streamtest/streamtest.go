// Package streamtest starts real stream brokers inside a test process, for
// the stream sources' tests and the real-binary tests in cmd/tessera: an
// in-process Kafka-protocol cluster (franz-go's kfake) and a nats-server
// with JetStream. Both speak their real wire protocol on loopback.
package streamtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Kafka starts a one-broker kfake cluster with the given topics (name →
// partitions), closed when the test ends.
func Kafka(t testing.TB, topics map[string]int32) *kfake.Cluster {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	for name, n := range topics {
		opts = append(opts, kfake.SeedTopics(n, name))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// NATS starts a nats-server with JetStream on a temporary directory,
// listening on a free loopback port, shut down when the test ends.
func NATS(t testing.TB) *natsserver.Server {
	t.Helper()
	return NATSAt(t, -1, t.TempDir())
}

// NATSAt starts a server on port (-1: any free one) keeping its streams
// under store; a restart passes the same two.
func NATSAt(t testing.TB, port int, store string) *natsserver.Server {
	t.Helper()
	srv, err := StartNATS(port, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

// StartNATS is NATSAt outside a test (tessera-bench's nats://embedded/…):
// the caller shuts the server down.
func StartNATS(port int, store string) (*natsserver.Server, error) {
	srv, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, JetStream: true,
		StoreDir: store, NoLog: true, NoSigs: true})
	if err != nil {
		return nil, fmt.Errorf("nats-server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("nats-server did not start within 10s")
	}
	return srv, nil
}

// JetStream connects a client to srv, reconnecting for ever (a test may
// restart the server), and returns the connection and its JetStream
// context; the connection closes when the test ends.
func JetStream(t testing.TB, srv *natsserver.Server) (*natsgo.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := natsgo.Connect(srv.ClientURL(), natsgo.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}
