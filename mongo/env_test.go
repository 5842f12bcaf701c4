package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// mongoURI returns the test server's URI. Integration tests run against a
// real MongoDB-protocol server: `eval "$(.ci/ferretdb.sh start)"` provides
// one (FerretDB) and exports MONGODB_URI.
func mongoURI(tb testing.TB) string {
	tb.Helper()
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		const msg = `MONGODB_URI is not set; start a server with: eval "$(.ci/ferretdb.sh start)"`
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return uri
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// uniqueDB returns a database name no other test or run uses, and drops
// that database when the test ends.
func uniqueDB(tb testing.TB, uri string) string {
	tb.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := unsafeName.ReplaceAllString(tb.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	db := "t_" + name + "_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			tb.Logf("drop %s: %v", db, err)
			return
		}
		defer c.Disconnect(ctx)
		if err := c.Database(db).Drop(ctx); err != nil {
			tb.Logf("drop %s: %v", db, err)
		}
	})
	return db
}

// openTestStore opens a store on a fresh database and closes it at the end.
func openTestStore(tb testing.TB) (*Store, string, string) {
	tb.Helper()
	uri := mongoURI(tb)
	db := uniqueDB(tb, uri)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, uri, db, "docs", "fp-1")
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, uri, db
}

// testCtx is a context bounded well below the test binary's timeout, so a
// hanging server shows up as a failed test instead of a killed binary.
func testCtx(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}
