package kafka_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/source/kafka"
)

// TestConsumesEveryPartitionOnce: events spread over three partitions are
// all applied, each partition's position in the index is its end offset
// and counts exactly the messages it holds.
func TestConsumesEveryPartitionOnce(t *testing.T) {
	c := cluster(t, map[string]int32{"products": 3})
	const n = 300
	values := make([][]byte, n)
	for i := range values {
		values[i] = event(fmt.Sprintf("P-%d", i), 1, fmt.Sprintf("walnut desk lamp %d", i))
	}
	produce(t, c, "products", values, func(i int) []byte { return fmt.Appendf(nil, "k%d", i) })

	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	r := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products", MaxBatch: 37})
	eventually(t, "every event applied", func() bool { return r.src.Stats().Applied == n })

	var consumed, nonEmpty int64
	for p, pos := range positions(t, stream, "products", 3) {
		hw := c.PartitionInfo("products", int32(p)).HighWatermark
		if pos.Next != hw || pos.Consumed != hw {
			t.Errorf("partition %d: position %+v, want next = consumed = %d", p, pos, hw)
		}
		consumed += pos.Consumed
		if pos.Consumed > 0 {
			nonEmpty++
		}
	}
	if consumed != n || nonEmpty < 2 {
		t.Fatalf("positions count %d messages over %d partitions, want %d over several", consumed, nonEmpty, n)
	}
	for i := range n {
		if _, ok := db.Collection.Get(fmt.Sprintf("P-%d", i)); !ok {
			t.Fatalf("P-%d missing", i)
		}
	}
	st := r.src.Stats()
	if st.Consumed != n || st.Rejected != 0 || !st.Connected || st.LagMessages != 0 || len(st.Partitions) != 3 {
		t.Fatalf("stats %+v", st)
	}
	if st.FreshP99MS <= 0 {
		t.Fatalf("no freshness measured: %+v", st)
	}
	// The group's offsets follow the index's (committed after the WAL, for
	// monitoring tools).
	eventually(t, "group offsets committed", func() bool {
		info := c.GroupInfo("tessera")
		if info == nil {
			return false
		}
		for p := range int32(3) {
			if info.Commits["products"][p].Offset != c.PartitionInfo("products", p).HighWatermark {
				return false
			}
		}
		return true
	})
}

// TestResumesFromTheIndexNotTheGroup: a restarted source with a group that
// has no committed offsets (or offsets behind the index) starts from the
// index's positions: it reads only what was produced since.
func TestResumesFromTheIndexNotTheGroup(t *testing.T) {
	c := cluster(t, map[string]int32{"products": 2})
	batch := func(from, to int) [][]byte {
		var out [][]byte
		for i := from; i < to; i++ {
			out = append(out, event(fmt.Sprintf("R-%d", i), 1, "kayak paddle"))
		}
		return out
	}
	produce(t, c, "products", batch(0, 100), nil)
	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	first := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products", Group: "first"})
	eventually(t, "first 100 applied", func() bool { return first.src.Stats().Applied == 100 })
	first.Stop(t)

	produce(t, c, "products", batch(100, 150), nil)
	// A new group: the brokers know no offsets for it; a group-driven
	// consumer would start from the beginning and hand 150 messages again.
	second := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products", Group: "second"})
	eventually(t, "the 50 new events applied", func() bool { return second.src.Stats().Applied == 50 })
	second.Stop(t)
	if got := second.src.Stats().Consumed; got != 50 {
		t.Fatalf("the restarted source read %d messages, want only the 50 new ones", got)
	}
	var total int64
	for _, pos := range positions(t, stream, "products", 2) {
		total += pos.Consumed
	}
	if total != 150 {
		t.Fatalf("positions count %d messages, want 150", total)
	}
}

// TestRebalanceHandsPartitionsOverExactlyOnce: a second consumer joining
// the group takes partitions over (cooperative rebalance) while events
// flow; between them every message is handed to the index once.
func TestRebalanceHandsPartitionsOverExactlyOnce(t *testing.T) {
	c := cluster(t, map[string]int32{"products": 4})
	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	opts := kafka.Options{Brokers: c.ListenAddrs(), Topic: "products", Group: "shared", MaxBatch: 20}
	key := func(i int) []byte { return fmt.Appendf(nil, "key-%d", i) }
	wave := func(w, n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = event(fmt.Sprintf("W%d-%d", w, i), 1, "granite mortar")
		}
		return out
	}
	a := start(t, stream, opts)
	produce(t, c, "products", wave(0, 200), key)
	eventually(t, "first wave applied by a", func() bool { return a.src.Stats().Applied == 200 })

	b := start(t, stream, opts)
	// Keep events flowing until the rebalance has given b partitions of
	// its own and it has read from them.
	sent := 200
	for w := 1; b.src.Stats().Consumed == 0; w++ {
		if w > 300 {
			t.Fatalf("no rebalance after %d waves: a %+v, b %+v", w, a.src.Stats(), b.src.Stats())
		}
		produce(t, c, "products", wave(w, 20), key)
		sent += 20
		time.Sleep(100 * time.Millisecond)
	}
	eventually(t, "every wave applied", func() bool { return a.src.Stats().Applied+b.src.Stats().Applied == int64(sent) })
	a.Stop(t)
	b.Stop(t)
	if got := a.src.Stats().Consumed + b.src.Stats().Consumed; got != int64(sent) {
		t.Fatalf("the consumers read %d messages between them, want %d (each once)", got, sent)
	}
	var total int64
	for _, pos := range positions(t, stream, "products", 4) {
		total += pos.Consumed
	}
	if total != int64(sent) {
		t.Fatalf("positions count %d messages, want %d", total, sent)
	}
}

// TestBadMessagesGoToTheDeadLetterTopic: a message that is not JSON and
// one that fails the schema are dead-lettered with their reason, partition
// and offset; the partition moves past them and the good events apply.
func TestBadMessagesGoToTheDeadLetterTopic(t *testing.T) {
	c := cluster(t, map[string]int32{"products": 1, "products-dlq": 1})
	values := [][]byte{
		event("G-1", 1, "oyster knife"),
		[]byte(`{"op":"upsert", not json`),
		[]byte(`{"op":"upsert","id":"G-2","fields":{"colour":"red"}}`),
		event("G-3", 1, "pelican case"),
	}
	produce(t, c, "products", values, nil)
	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	r := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products", DeadLetterTopic: "products-dlq"})
	eventually(t, "the good events applied", func() bool { return r.src.Stats().Applied == 2 })

	dead := consumeAll(t, c, "products-dlq", 2)
	if len(dead) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dead))
	}
	for i, wantOffset := range []string{"1", "2"} {
		h := map[string]string{}
		for _, kv := range dead[i].Headers {
			h[kv.Key] = string(kv.Value)
		}
		if string(dead[i].Value) != string(values[i+1]) || h[kafka.HeaderOffset] != wantOffset || h[kafka.HeaderPartition] != "0" || h[kafka.HeaderTopic] != "products" {
			t.Errorf("dead letter %d: %q headers %v", i, dead[i].Value, h)
		}
		if h[kafka.HeaderReason] == "" {
			t.Errorf("dead letter %d has no reason", i)
		}
	}
	if reason := deadHeader(dead[1], kafka.HeaderReason); !strings.Contains(reason, "colour") {
		t.Errorf("schema failure's reason does not name the field: %q", reason)
	}
	st := r.src.Stats()
	if st.Rejected != 2 || st.DeadLettered != 2 || st.Consumed != 4 {
		t.Fatalf("stats %+v", st)
	}
	if pos := positions(t, stream, "products", 1)[0]; pos.Next != 4 || pos.Consumed != 4 {
		t.Fatalf("position %+v, want past all four messages", pos)
	}
	if _, ok := db.Collection.Get("G-2"); ok {
		t.Fatal("the schema-failing event was applied")
	}
}

// TestBadMessagesWithoutDeadLetterTopic: with no dead-letter topic a bad
// message is counted and skipped; the events behind it still apply.
func TestBadMessagesWithoutDeadLetterTopic(t *testing.T) {
	c := cluster(t, map[string]int32{"products": 1})
	produce(t, c, "products", [][]byte{[]byte("not json"), event("N-1", 1, "jigsaw puzzle")}, nil)
	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	r := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "products"})
	eventually(t, "the event behind the bad message applied", func() bool { return r.src.Stats().Applied == 1 })
	if st := r.src.Stats(); st.Rejected != 1 || st.DeadLettered != 0 || st.Consumed != 2 {
		t.Fatalf("stats %+v", st)
	}
	if pos := positions(t, stream, "products", 1)[0]; pos.Next != 2 {
		t.Fatalf("position %+v, want past both messages", pos)
	}
}

func deadHeader(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// TestParseURL: options come from the URL; bad ones are named.
func TestParseURL(t *testing.T) {
	u, _ := url.Parse("kafka://alice:s3cret@b1:9092/orders?broker=b2:9093&broker=b3:9094&group=g&start=latest&dlq=orders-bad&format=row&id=sku&version=rev&batch=500&sasl=scram-sha-512&tls=true&instance=idx-a&session_timeout=10s")
	o, err := kafka.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Brokers) != 3 || o.Brokers[1] != "b2:9093" || o.Brokers[2] != "b3:9094" || o.Topic != "orders" || o.Group != "g" || o.Start != "latest" ||
		o.DeadLetterTopic != "orders-bad" || o.Mapping.Format != "row" || o.Mapping.IDField != "sku" || o.Mapping.VersionField != "rev" ||
		o.MaxBatch != 500 || o.Instance != "idx-a" || o.SessionTimeout != 10*time.Second || o.SASL != "scram-sha-512" || o.User != "alice" || o.Password != "s3cret" || o.TLS == nil {
		t.Fatalf("parsed %+v", o)
	}
	src, err := kafka.New(o, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(src.Name(), "s3cret") || strings.Contains(src.Name(), "alice") {
		t.Fatalf("name shows credentials: %s", src.Name())
	}
	for raw, want := range map[string]string{
		"kafka://h:9092/":                       "topic",
		"kafka://h:9092/t?start=middle":         "start=middle",
		"kafka://h:9092/t?bogus=1":              `unknown option "bogus"`,
		"kafka://h:9092/t?sasl=plain":           "user:password",
		"kafka://h:9092/t?sasl=gssapi":          "sasl=gssapi",
		"kafka://h:9092/t?dlq=t":                "dead-letter topic cannot be the topic",
		"kafka://h:9092/t?format=avro":          "format",
		"kafka://h:9092/t?batch=0":              "batch=0",
		"kafka://h:9092/t?session_timeout=soon": "session_timeout=soon",
		"kafka://h:9092/t?tls_ca=/no/such/file": "tls_ca",
	} {
		u, _ := url.Parse(raw)
		if _, err := kafka.ParseURL(u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}

// TestConnectedFollowsTheBrokers: the source's connected flag (the
// tessera_source_connected metric) drops when the brokers go away
// mid-run, with the reason in last_error, and comes back when a broker
// listens again on the same address; the fetch loop alone never noticed.
func TestConnectedFollowsTheBrokers(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the client to give up on a vanished broker")
	}
	c := cluster(t, map[string]int32{"products": 1})
	addr := c.ListenAddrs()[0]
	db := openDB(t, tessera.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := start(t, ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{}), kafka.Options{Brokers: []string{addr}, Topic: "products"})
	eventually(t, "connected", func() bool { return r.src.Stats().Connected })
	c.Close()
	eventually(t, "connected to clear with the brokers gone", func() bool { return !r.src.Stats().Connected })
	if st := r.src.Stats(); !strings.Contains(st.LastError, "unreachable") {
		t.Fatalf("last_error %q, want it to say the brokers are unreachable", st.LastError)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	again, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(p), kfake.SeedTopics(1, "products"))
	if err != nil {
		t.Fatalf("restart the broker on %s: %v", addr, err)
	}
	defer again.Close()
	eventually(t, "connected again", func() bool { return r.src.Stats().Connected })
	if st := r.src.Stats(); st.LastError != "" {
		t.Fatalf("last_error %q after reconnecting, want it cleared", st.LastError)
	}
}
