package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
)

// TestEnqueuePositionsDurable: positions handed with a batch are in the
// collection after the batch, survive a reopen (they were in the WAL with
// the events), and a batch of positions alone still moves them.
func TestEnqueuePositionsDurable(t *testing.T) {
	dir := t.TempDir()
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	enqueue := func(b ingest.SourceBatch) []ingest.Result {
		t.Helper()
		wait, err := s.Enqueue(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		res, err := wait()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := enqueue(ingest.SourceBatch{
		Events:    []ingest.Event{{Op: ingest.OpUpsert, ID: "src-1", Fields: map[string]any{"title": "red running shoe"}, Version: 1}},
		Positions: map[string][]byte{"kafka/t/0": []byte("1")},
	})
	if len(res) != 1 || res[0].Status != ingest.StatusApplied {
		t.Fatalf("results %+v", res)
	}
	enqueue(ingest.SourceBatch{Positions: map[string][]byte{"kafka/t/0": []byte("7")}})
	if got := string(s.Position("kafka/t/0")); got != "7" {
		t.Fatalf("position %q, want 7", got)
	}
	cancel()
	<-s.Done()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	s2 := ingest.NewStream(context.Background(), db2.Applier, ingest.StreamOptions{})
	if got := string(s2.Position("kafka/t/0")); got != "7" {
		t.Fatalf("after reopen position %q, want 7", got)
	}
	if _, ok := db2.Collection.Get("src-1"); !ok {
		t.Fatal("src-1 lost after reopen")
	}
	if s2.Position("other") != nil {
		t.Fatal("unknown key has a position")
	}
}

// TestEnqueueWaitsWhenFull: a full queue makes Enqueue wait (backpressure)
// where Submit fails at once, and the waiting batch goes in once the loop
// drains.
func TestEnqueueWaitsWhenFull(t *testing.T) {
	db, emb := openGated(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{QueueSize: 1})
	ev := func(id string) []ingest.Event {
		return []ingest.Event{{Op: ingest.OpUpsert, ID: id, Fields: map[string]any{"title": "lamp " + id}, Version: 1}}
	}
	first, err := s.Enqueue(ctx, ingest.SourceBatch{Events: ev("a")})
	if err != nil {
		t.Fatal(err)
	}
	<-emb.Entered // the loop holds "a" in the embedder; the queue is empty
	if _, err := s.Enqueue(ctx, ingest.SourceBatch{Events: ev("b")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, ev("c")); !errors.Is(err, ingest.ErrQueueFull) {
		t.Fatalf("Submit on a full queue: %v", err)
	}
	short, stop := context.WithTimeout(ctx, 20*time.Millisecond)
	defer stop()
	if _, err := s.Enqueue(short, ingest.SourceBatch{Events: ev("d")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enqueue on a full queue: %v, want it to wait until its context ends", err)
	}
	queued := make(chan func() ([]ingest.Result, error), 1)
	go func() {
		w, err := s.Enqueue(ctx, ingest.SourceBatch{Events: ev("e"), Positions: map[string][]byte{"p": []byte("e")}})
		if err != nil {
			t.Error(err)
		}
		queued <- w
	}()
	emb.Open()
	if _, err := first(); err != nil {
		t.Fatal(err)
	}
	res, err := (<-queued)()
	if err != nil || res[0].Status != ingest.StatusApplied {
		t.Fatalf("waiting batch: %+v %v", res, err)
	}
	if string(s.Position("p")) != "e" {
		t.Fatal("waiting batch's position not committed")
	}
}

func TestMessageMapping(t *testing.T) {
	ev, err := ingest.MessageMapping{}.Decode([]byte(`{"op":"upsert","fields":{"title":"x"},"version":3}`), []byte("k1"), 9)
	if err != nil || ev.ID != "k1" || ev.Version != 3 || ev.Op != ingest.OpUpsert {
		t.Fatalf("event with key id: %+v %v", ev, err)
	}
	if _, err := (ingest.MessageMapping{}).Decode([]byte(`{"op":"upsert","idd":"x"}`), nil, 0); err == nil || !strings.Contains(err.Error(), "idd") {
		t.Fatalf("unknown key not named: %v", err)
	}
	row := ingest.MessageMapping{Format: ingest.MessageRow, IDField: "sku", VersionField: "rev"}
	ev, err = row.Decode([]byte(`{"sku":12345678901234567,"rev":4,"price":9.5,"tags":[1,2]}`), nil, 9)
	if err != nil || ev.ID != "12345678901234567" || ev.Version != 4 || ev.Fields["price"] != 9.5 || ev.Fields["tags"].([]any)[0] != 1.0 {
		t.Fatalf("row: %+v %v", ev, err)
	}
	ev, err = ingest.MessageMapping{Format: ingest.MessageRow}.Decode([]byte(`{"id":"a","price":1}`), nil, 42)
	if err != nil || ev.Version != 42 || ev.Op != ingest.OpUpsert {
		t.Fatalf("row versioned by offset: %+v %v", ev, err)
	}
	for _, bad := range []string{`{"price":1}`, `[1]`, `{"id":"a"} {"id":"b"}`} {
		if _, err := (ingest.MessageMapping{Format: ingest.MessageRow}).Decode([]byte(bad), nil, 1); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if _, err := row.Decode([]byte(`{"sku":"a","rev":"x"}`), nil, 1); err == nil || !strings.Contains(err.Error(), "rev") {
		t.Fatalf("bad version not named: %v", err)
	}
	if err := (ingest.MessageMapping{Format: "avro"}).Validate(); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestSourceMeter(t *testing.T) {
	m := ingest.NewSourceMeter("kafka://h/t", "kafka")
	m.Consumed(3)
	past := time.Now().Add(-40 * time.Millisecond)
	m.Committed([]ingest.Result{{Status: ingest.StatusApplied}, {Status: ingest.StatusStale}, {Status: ingest.StatusRejected}}, []time.Time{past, past, past})
	m.DeadLettered(1)
	m.SetLag(ingest.PartitionLag{Partition: "1", Messages: 5, Seconds: 2})
	m.SetLag(ingest.PartitionLag{Partition: "0", Messages: 7, Seconds: 0.5})
	st := m.Stats()
	if st.Consumed != 3 || st.Applied != 1 || st.Rejected != 1 || st.DeadLettered != 1 {
		t.Fatalf("counters %+v", st)
	}
	if st.LagMessages != 12 || st.LagSeconds != 2 || len(st.Partitions) != 2 || st.Partitions[0].Partition != "0" {
		t.Fatalf("lag %+v", st)
	}
	// Two events (applied, stale) were searchable ≥ 40 ms after produce.
	if st.FreshP50MS < 40 || st.EventsPerS != 0.1 {
		t.Fatalf("freshness %v ms, %v/s", st.FreshP50MS, st.EventsPerS)
	}
	m.DropLag("1")
	if st := m.Stats(); st.LagMessages != 7 {
		t.Fatalf("dropped partition still counted: %+v", st)
	}
}
