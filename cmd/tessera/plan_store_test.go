package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/internal/dbtest"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/mongo"
)

// TestStoreApplyKill9IsAllOldOrAllNew kills `tessera apply --store` on the
// real catalogue at random moments after its build starts, then checks the
// store and the directory: the store's active generation holds every
// document with a vector of its recorded schema's dimension (the new
// schema adds a space, so a mix would show), the directory reopens on the
// same schema with every vector that schema's encoding, and a fresh
// replica rebuilds all of it. An apply run again after a kill before the
// switch completes and leaves only the new generation.
func TestStoreApplyKill9IsAllOldOrAllNew(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes on the real catalogue against a real store")
	}
	csv, schema, next := amazonFiles(t)
	oldRaw, _ := os.ReadFile(schema)
	newRaw, _ := os.ReadFile(next)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	outcomes := map[string]int{}
	for round := range 5 {
		uri := sharedtest.MongoURI(t, "tessera_kill")
		data := filepath.Join(t.TempDir(), fmt.Sprint("round", round))
		runBinary(t, "ingest", "--data", data, "--schema", schema, "--store", uri, csv)
		delay := time.Duration(0)
		if round > 0 {
			delay = time.Duration(rng.IntN(2500)) * time.Millisecond
		}
		started := killApplyAfter(t, data, delay, "apply", "--data", data, "--store", uri, "--schema", next, "--yes")
		got := checkStoreOldOrNew(t, uri, data, oldRaw, newRaw)
		outcomes[got]++
		t.Logf("round %d: build started %v, killed %v after: %s", round, started, delay, got)
		if got == "old" {
			// Started over: the leftover generation goes, the new one stays.
			runBinary(t, "apply", "--data", data, "--store", uri, "--schema", next, "--yes")
			if again := checkStoreOldOrNew(t, uri, data, oldRaw, newRaw); again != "new" {
				t.Fatalf("round %d: apply after the kill left the %s schema", round, again)
			}
			if colls := collections(t, uri); len(colls) != 2 {
				t.Fatalf("round %d: collections %v after a completed apply, want the new generation and tessera_meta", round, colls)
			}
		}
	}
	if outcomes["old"] == 0 {
		t.Fatal("no kill landed before the switch: the rollback was not exercised")
	}
	t.Logf("outcomes: %v", outcomes)
}

// checkStoreOldOrNew says which schema the store and the directory hold,
// failing unless they agree and nothing mixes the two.
func checkStoreOldOrNew(t *testing.T, uri, data string, oldRaw, newRaw []byte) string {
	t.Helper()
	ctx := context.Background()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: data, Store: uri, NoSync: true})
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer db.Close()
	m := db.Store.Meta()
	which := ""
	switch m.Schema {
	case string(oldRaw):
		which = "old"
	case string(newRaw):
		which = "new"
	default:
		t.Fatalf("the store records a schema that is neither the old nor the new one:\n%s", m.Schema)
	}
	saved, _ := os.ReadFile(filepath.Join(data, "schema.yaml"))
	if string(saved) != m.Schema {
		t.Fatalf("%s: the directory's saved schema is not the store's", which)
	}
	if n := db.Applier.Collection().Len(); n != 1351 {
		t.Fatalf("%s: %d documents in the directory after kill -9, want 1351", which, n)
	}
	if mismatch, err := dbtest.EncodingMismatch(ctx, db); err != nil || mismatch != "" {
		t.Fatalf("%s: %v %s: a mix of old and new vectors", which, err, mismatch)
	}
	dim := db.Engine.Encoder().Dim()
	n := 0
	err = db.Store.Scan(ctx, 500, func(docs []mongo.Doc) error {
		for _, d := range docs {
			if len(d.Vector) != dim {
				return fmt.Errorf("document %s in generation %s has a %d-dim vector, the schema encodes %d", d.ID, m.Generation, len(d.Vector), dim)
			}
		}
		n += len(docs)
		return nil
	})
	if err != nil || n != 1351 {
		t.Fatalf("%s: store generation %s: %d documents, %v; want 1351 of the schema's dimension", which, m.Generation, n, err)
	}
	replica, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), Store: uri, Schema: []byte(m.Schema), NoSync: true})
	if err != nil {
		t.Fatalf("%s: a fresh replica: %v", which, err)
	}
	defer replica.Close()
	if n := replica.Applier.Collection().Len(); n != 1351 {
		t.Fatalf("%s: a fresh replica rebuilt %d documents, want 1351", which, n)
	}
	if colls := collections(t, uri); len(colls) > 3 || !slices.Contains(colls, m.Generation) {
		t.Fatalf("%s: collections %v: want the active generation %s, tessera_meta and at most one leftover", which, colls, m.Generation)
	}
	return which
}

func collections(t *testing.T, uri string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := mongodriver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	db := uri[strings.LastIndex(uri, "/")+1:]
	names, err := c.Database(db).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}
