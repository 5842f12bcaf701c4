package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/streamtest"
	natssource "github.com/tessera-search/tessera/source/nats"
)

// TestOpenNATSSource: a nats:// --source opens with its options, shows no
// password in its name, and a wrong option is named.
func TestOpenNATSSource(t *testing.T) {
	srcs, err := openSources([]string{"nats://u:secret@127.0.0.1:4222/PRODUCTS?durable=idx&subject=products.>&dlq=dead.products"}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srcs[0].Name(), "nats://127.0.0.1:4222/PRODUCTS?durable=idx&subject=products.>"; got != want {
		t.Errorf("name %q, want %q", got, want)
	}
	for _, tc := range []struct{ url, want string }{
		{"nats://h:4222/?durable=d", "no stream"},
		{"nats://h:4222/S?group=g", `unknown option "group"`},
		{"nats://h:4222/S?batch=-1", `batch "-1"`},
		{"nats://h:4222/S?format=csv", `format "csv"`},
		{"nats://h:4222/S?id_field=sku", "format=row only"},
		{"nats://h:4222/S?key=body", `key "body"`},
		{"nats://h:4222/S?dlq=dead.>", `dlq "dead.>"`},
		{"nats://h:4222/S?ack_wait=5ms", `ack_wait "5ms"`},
	} {
		if _, err := openSources([]string{tc.url}, slog.Default()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
}

// TestKill9NATSSourceExactlyOnce runs `tessera serve --source nats://…`
// against a nats-server in the test process, publishes versioned events
// the whole time, and kills the server with SIGKILL at random moments.
// After a last restart has caught up, every published event is applied
// exactly once: each id holds its newest version, and the position
// committed with the events counts every message once — a consumer that
// resumed before its committed position would count some twice, one that
// trusted the broker's acks over the WAL would leave versions behind.
func TestKill9NATSSourceExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real processes")
	}
	srv := streamtest.NATS(t)
	_, js := streamtest.JetStream(t, srv)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "PRODUCTS", Subjects: []string{"products.>"}}); err != nil {
		t.Fatal(err)
	}

	// The publisher: batches of versioned upserts over 300 ids (so most
	// ids get several versions), each confirmed by the stream.
	var mu sync.Mutex
	want := map[string]int64{}
	var published int64
	var lastID string
	stop := make(chan struct{})
	pubDone := make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
		for {
			select {
			case <-stop:
				pubDone <- nil
				return
			case <-time.After(10 * time.Millisecond):
			}
			var futures []jetstream.PubAckFuture
			mu.Lock()
			for i := 0; i < 20; i++ {
				published++
				id := fmt.Sprintf("N%d", rng.IntN(300))
				want[id], lastID = published, id
				data := fmt.Sprintf(`{"op":"upsert","id":%q,"version":%d,"fields":{"title":"%s %s %s","description":"nats durability row","category":"Books","price":%d,"rating":4,"review_count":1,"added_at":"2026-11-01T00:00:00Z"}}`,
					id, published, crashWords[rng.IntN(len(crashWords))], crashWords[rng.IntN(len(crashWords))], id, 5+rng.IntN(100))
				f, err := js.PublishAsync("products.upsert", []byte(data))
				if err != nil {
					mu.Unlock()
					pubDone <- err
					return
				}
				futures = append(futures, f)
			}
			mu.Unlock()
			for _, f := range futures {
				select {
				case <-f.Ok():
				case err := <-f.Err():
					pubDone <- err
					return
				}
			}
		}
	}()

	source := fmt.Sprintf("%s/PRODUCTS?durable=tessera&subject=products.>&batch=50", srv.ClientURL())
	data := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	var last natssource.Position
	for round := 0; round < 5; round++ {
		cmd, _ := startProcess(t, data, "--source", source)
		time.Sleep(time.Duration(200+rng.IntN(1000)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		pos := committedNATSPosition(t, data)
		if pos.Seq < last.Seq || pos.Messages != pos.Seq {
			t.Fatalf("round %d: position %+v after %+v: it went back, or its count disagrees with the sequence (a message skipped or applied twice)", round, pos, last)
		}
		last = pos
		mu.Lock()
		t.Logf("round %d: killed at position %d with %d events published", round, pos.Seq, published)
		mu.Unlock()
	}
	close(stop)
	if err := <-pubDone; err != nil {
		t.Fatal(err)
	}
	if published == 0 {
		t.Fatal("nothing was published: the test proved nothing")
	}

	// The last restart catches up: the newest event's id shows its version.
	cmd, url := startProcess(t, data, "--source", source)
	deadline := time.Now().Add(120 * time.Second)
	for {
		resp, err := http.Get(url + "/v1/documents/" + lastID)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Version int64 }
		json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if doc.Version == published {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s at version %d, want %d: the source did not catch up", lastID, doc.Version, published)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(url + "/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	var stats struct {
		Sources []ingest.SourceStats `json:"sources"`
	}
	json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if len(stats.Sources) != 1 || stats.Sources[0].Kind != "nats" || !stats.Sources[0].Connected {
		t.Errorf("/v1/stats sources: %+v", stats.Sources)
	}
	cmd.Process.Kill()
	cmd.Wait()

	// Read what the WAL holds, in this process.
	pos := committedNATSPosition(t, data)
	if pos.Seq != uint64(published) || pos.Messages != uint64(published) {
		t.Errorf("committed position %+v: %d events published, each must be applied exactly once", pos, published)
	}
	db, err := tessera.Open(ctx, tessera.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, v := range want {
		rec, ok := db.Collection.Get(id)
		if !ok || rec.Version != v {
			t.Errorf("%s: version %d (present %v), published %d", id, rec.Version, ok, v)
		}
	}
	t.Logf("%d events over %d ids, position %+v after 5 kill -9 rounds", published, len(want), pos)
}

// committedNATSPosition opens a stopped server's data directory and reads
// the NATS source's position from what its WAL holds.
func committedNATSPosition(t *testing.T, data string) natssource.Position {
	t.Helper()
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pos, err := natssource.DecodePosition(ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{}).Position(natssource.PositionKey("PRODUCTS", "tessera")))
	if err != nil {
		t.Fatal(err)
	}
	return pos
}
