package kafka_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/source/kafka"
)

// TestBulkAndKafkaAreBitIdentical is ingest's TestBulkAndStreamAreBitIdentical
// with the rows delivered through Kafka: the raw Amazon file bulk-loaded
// into one index and produced as /v1/events messages over four partitions
// into another give equal documents and bit-identical vectors — the source
// uses the one apply path.
func TestBulkAndKafkaAreBitIdentical(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	schema, err := filepath.Abs(filepath.Join("..", "..", "examples", "amazon-raw.schema.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clock := func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }

	bulk := openDB(t, tessera.Options{SchemaPath: schema, Clock: clock})
	sum, err := bulk.Applier.IngestFile(ctx, raw, ingest.BulkOptions{Workers: 3, BatchSize: 97})
	if err != nil || sum.Rejected != 0 {
		t.Fatalf("bulk: %s %v", sum, err)
	}

	streamed := openDB(t, tessera.Options{SchemaPath: schema, Clock: clock})
	fieldOf := map[string]string{} // column → field
	for name, f := range streamed.Schema.Fields {
		fieldOf[f.SourceColumn(name)] = name
	}
	f, err := os.Open(raw)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := rows[0], rows[1:]
	values := make([][]byte, len(rows))
	for i, row := range rows {
		fields := map[string]any{}
		for j, c := range header {
			if name, ok := fieldOf[c]; ok {
				fields[name] = row[j]
			}
		}
		// No id: the applier takes it from the id field, as for a row.
		values[i], _ = json.Marshal(map[string]any{"op": "upsert", "fields": fields})
	}
	// One partition keeps the file's order, which category learning (and
	// so the vectors) depends on, exactly like the ingest test's batches.
	c := cluster(t, map[string]int32{"raw": 1})
	produce(t, c, "raw", values, nil)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := ingest.NewStream(wctx, streamed.Applier, ingest.StreamOptions{})
	r := start(t, stream, kafka.Options{Brokers: c.ListenAddrs(), Topic: "raw", MaxBatch: 50})
	eventually(t, "every row applied", func() bool { return r.src.Stats().Applied == int64(len(rows)) })
	r.Stop(t)
	if st := r.src.Stats(); st.Rejected != 0 || st.Applied != 1465 {
		t.Fatalf("stats %+v", st)
	}
	a, b := contents(bulk.Collection), contents(streamed.Collection)
	if len(a) != len(b) {
		t.Fatalf("bulk %d documents, kafka %d", len(a), len(b))
	}
	bad := 0
	for id, ra := range a {
		rb, ok := b[id]
		if !ok {
			t.Fatalf("%s missing from the kafka index", id)
		}
		if !reflect.DeepEqual(ra.Fields, rb.Fields) || !sameBits(ra.Vector, rb.Vector) {
			if bad++; bad <= 3 {
				t.Errorf("%s differs:\n bulk  %v\n kafka %v", id, ra.Fields, rb.Fields)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d documents differ", bad, len(a))
	}
}

func contents(c *index.Collection) map[string]index.Record {
	out := map[string]index.Record{}
	c.Each(func(r index.Record) bool {
		out[r.ID] = r
		return true
	})
	return out
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
