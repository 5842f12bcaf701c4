package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
	"github.com/tessera-search/tessera/source/kafka"
)

// TestOpenKafkaSource: serve opens kafka:// URLs through the registered
// opener; a bad option stops it with the option named and the password
// masked.
func TestOpenKafkaSource(t *testing.T) {
	srcs, err := openSources([]string{"kafka://u:secret@127.0.0.1:9092/orders?group=g&dlq=orders-dlq"}, slog.Default())
	if err != nil || len(srcs) != 1 {
		t.Fatalf("%v %v", srcs, err)
	}
	if name := srcs[0].Name(); name != "kafka://127.0.0.1:9092/orders?group=g" {
		t.Fatalf("name %q", name)
	}
	_, err = openSources([]string{"kafka://u:secret@h:9092/orders?strat=latest"}, slog.Default())
	if err == nil || !strings.Contains(err.Error(), `"strat"`) || strings.Contains(err.Error(), "secret") {
		t.Fatalf("bad option: %v", err)
	}
}

// TestServeConsumesKafkaFromConfigFile: `tessera serve --config FILE` with
// a kafka:// entry under sources: consumes the topic; the source and its
// lag are in /v1/stats and /metrics.
func TestServeConsumesKafkaFromConfigFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real process")
	}
	c := streamtest.Kafka(t, map[string]int32{"orders": 2})
	file := filepath.Join(t.TempDir(), "tessera.yaml")
	conf := fmt.Sprintf("sources:\n  - kafka://%s/orders?group=from-config&format=row&version=rev\n", c.ListenAddrs()[0])
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, url := startProcess(t, t.TempDir(), "--config", file)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	row := `{"id":"CFG-1","rev":3,"title":"nutmeg grater","price":7}`
	if err := prod.ProduceSync(context.Background(), &kgo.Record{Value: []byte(row)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for docVersion(t, url, "CFG-1") != 3 {
		if time.Now().After(deadline) {
			t.Fatal("the row produced to Kafka never became a document")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(url + "/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	var stats struct{ Sources []ingest.SourceStats }
	err = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if err != nil || len(stats.Sources) != 1 || stats.Sources[0].Kind != "kafka" || stats.Sources[0].Applied != 1 || !stats.Sources[0].Connected {
		t.Fatalf("/v1/stats sources: %+v %v", stats.Sources, err)
	}
	resp, err = http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `tessera_source_messages_total{outcome="applied",source="kafka://`) {
		t.Fatal("/metrics lacks the source's counters")
	}
}

// TestKafkaKill9ExactlyOnce produces versioned events into a three-
// partition topic while killing `tessera serve --source kafka://…` with
// SIGKILL at random moments. After a last restart every event is applied:
// each id holds its newest version, and each partition's position in the
// index is its end offset and has counted every message exactly once — a
// restart that re-read from an older offset would count more, one whose
// offset ran ahead of the log would count fewer or miss versions.
func TestKafkaKill9ExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real processes")
	}
	const topic, partitions, ids = "products", 3, 400
	tesseraBinary(t) // built before the clock starts
	c := streamtest.Kafka(t, map[string]int32{topic: partitions})
	// Static membership: each restart takes the killed member's partitions
	// back at once (without it, they wait for the dead session to expire).
	source := fmt.Sprintf("kafka://%s/%s?group=tessera&instance=kill-test&batch=200", c.ListenAddrs()[0], topic)

	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	// The producer runs through every kill; ids repeat with growing
	// versions, keyed so each id stays in one partition.
	latest := make([]int64, ids)
	var produced atomic.Int64
	stopProducing := make(chan struct{})
	producing := make(chan struct{})
	go func() {
		defer close(producing)
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
		for version := int64(1); ; {
			select {
			case <-stopProducing:
				return
			default:
			}
			var recs []*kgo.Record
			for range 50 {
				id := rng.IntN(ids)
				latest[id] = version
				recs = append(recs, &kgo.Record{Key: fmt.Appendf(nil, "KF-%d", id), Value: fmt.Appendf(nil,
					`{"op":"upsert","id":"KF-%d","version":%d,"fields":{"title":"%s %s KF-%d","description":"kafka durability row","category":"Books","price":%d,"rating":4,"review_count":1,"added_at":"2026-11-01T00:00:00Z"}}`,
					id, version, crashWords[rng.IntN(len(crashWords))], crashWords[rng.IntN(len(crashWords))], id, 5+version%100)})
				version++
			}
			if err := prod.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				t.Error(err)
				return
			}
			produced.Add(int64(len(recs)))
			time.Sleep(25 * time.Millisecond)
		}
	}()

	data := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for round := range 4 {
		cmd, _ := startProcess(t, data, "--source", source)
		time.Sleep(time.Duration(300+rng.IntN(900)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		t.Logf("round %d: killed with %d events produced", round, produced.Load())
	}
	close(stopProducing)
	<-producing
	total := produced.Load()

	cmd, url := startProcess(t, data, "--source", source)
	// Wait (a hang limit, not a speed check) until the last version of
	// every id is searchable.
	deadline := time.Now().Add(90 * time.Second)
	for id := 0; id < ids; id++ {
		if latest[id] == 0 {
			continue
		}
		for {
			v := docVersion(t, url, fmt.Sprintf("KF-%d", id))
			if v == latest[id] {
				break
			}
			if v > latest[id] {
				t.Fatalf("KF-%d at version %d, newer than any produced (%d)", id, v, latest[id])
			}
			if time.Now().After(deadline) {
				resp, err := http.Get(url + "/v1/stats")
				var stats any
				if err == nil {
					json.NewDecoder(resp.Body).Decode(&stats)
					resp.Body.Close()
				}
				t.Fatalf("KF-%d at version %d, want %d; stats %v", id, v, latest[id], stats)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	// The index's own record of what it consumed, read from its log.
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	var consumed int64
	for p := range int32(partitions) {
		pos, err := kafka.DecodePosition(stream.Position(kafka.PositionKey(topic, p)))
		if err != nil {
			t.Fatalf("partition %d: %v", p, err)
		}
		hw := c.PartitionInfo(topic, p).HighWatermark
		if pos.Next != hw || pos.Consumed != hw {
			t.Errorf("partition %d: position %+v, want next = consumed = %d (each message handed once)", p, pos, hw)
		}
		consumed += pos.Consumed
	}
	if consumed != total {
		t.Fatalf("the index consumed %d messages, %d were produced", consumed, total)
	}
	t.Logf("%d events over %d ids through 4 kill -9 rounds: each applied once", total, ids)
}

func docVersion(t *testing.T, url, id string) int64 {
	t.Helper()
	resp, err := http.Get(url + "/v1/documents/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0
	}
	var doc struct{ Version int64 }
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", id, resp.StatusCode, err)
	}
	return doc.Version
}
