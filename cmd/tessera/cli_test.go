package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/web"
)

// testServer serves db's HTTP API on loopback until the test ends.
func testServer(t *testing.T, db *tessera.DB) *httptest.Server {
	t.Helper()
	work, cancel := context.WithCancel(context.Background())
	stream := ingest.NewStream(work, db.Applier, ingest.StreamOptions{})
	jobs := ingest.NewJobs(db.Applier)
	api := web.New(web.Config{Applier: db.Applier, Engine: db.Engine, Stream: stream, Jobs: jobs, Context: work,
		UploadDir: filepath.Join(db.DataDir, "uploads"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-stream.Done()
		jobs.Wait()
	})
	return srv
}

const shelvesHeader = "id,title,description,category,brand,price,rating,review_count,added_at\n"

func shelfRow(id, price string) string {
	return id + ",Oak bookshelf " + id + ",Five shelves.,Home & Kitchen,Oakly," + price + ",4.5,10,2026-01-02T03:04:05Z\n"
}

func writeCSV(t *testing.T, rows ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shelves.csv")
	if err := os.WriteFile(p, []byte(shelvesHeader+strings.Join(rows, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A new data directory says what its rows are: ingest without --schema is
// an error naming the flag, and nothing is written.
func TestIngestNewDirectoryNeedsSchema(t *testing.T) {
	data := filepath.Join(t.TempDir(), "new")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"ingest", "--data", data, writeCSV(t, shelfRow("S-1", "10"))}, &stdout, &stderr)
	if !errors.Is(err, tessera.ErrNoSchema) || !strings.Contains(err.Error(), "pass --schema") {
		t.Fatalf("got %v, want an error saying to pass --schema", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("%s was created", data)
	}
}

func TestIngestMaxRejects(t *testing.T) {
	src := writeCSV(t, shelfRow("S-1", "10"), shelfRow("S-2", "ten"), shelfRow("S-3", "12"), shelfRow("S-4", "13"))
	for _, tc := range []struct {
		limit string
		ok    bool
	}{{"", false}, {"0", false}, {"1", true}, {"25%", true}, {"20%", false}, {"100%", true}} {
		args := []string{"ingest", "--schema", demoSchema, "--data", t.TempDir(), src}
		if tc.limit != "" {
			args = append(args, "--max-rejects", tc.limit)
		}
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if (err == nil) != tc.ok {
			t.Errorf("--max-rejects %q: err %v, want ok=%v", tc.limit, err, tc.ok)
		}
		// The rows that could be stored are, either way, and the summary
		// line says the same as the exit status.
		if m := summaryLine.FindStringSubmatch(stdout.String()); m == nil || m[2] != "4" || m[5] != "1" {
			t.Errorf("--max-rejects %q: summary %q", tc.limit, stdout.String())
		}
		if err != nil && !strings.Contains(err.Error(), "1 of 4 rows rejected") {
			t.Errorf("--max-rejects %q: error %q does not say how many", tc.limit, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--max-rejects", "lots", src}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "tessera ingest -h") {
		t.Fatalf("bad --max-rejects: %v", err)
	}
}

// `tessera ingest --server` uploads to a running server and follows its
// job; the accounting is the server's.
func TestIngestThroughServer(t *testing.T) {
	ctx := context.Background()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), SchemaPath: demoSchema, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // after the server's cleanup: cleanups run last-in first-out
	srv := testServer(t, db)
	src := writeCSV(t, shelfRow("S-1", "10"), shelfRow("S-2", "ten"), shelfRow("S-3", "12"))
	rejects := filepath.Join(t.TempDir(), "rejects.ndjson")
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"ingest", "--server", srv.URL, "--rejects", rejects, src}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 rows rejected") {
		t.Fatalf("a reject without --max-rejects: err %v\n%s", err, stdout.String())
	}
	m := summaryLine.FindStringSubmatch(stdout.String())
	if m == nil || strings.Join(m[1:], " ") != "shelves.csv 3 2 0 1 2 0 0" {
		t.Fatalf("summary:\n%s", stdout.String())
	}
	if !strings.Contains(stdout.String(), `row 2, column price, value "ten": not a number`) {
		t.Fatalf("no problem listed:\n%s", stdout.String())
	}
	if raw, err := os.ReadFile(rejects); err != nil || !strings.Contains(string(raw), `"row":2`) {
		t.Fatalf("rejects file %q (%v)", raw, err)
	}
	for _, id := range []string{"S-1", "S-3"} {
		if _, ok := db.Collection.Get(id); !ok {
			t.Errorf("%s did not reach the server's collection", id)
		}
	}
	// Again, allowed: every stored row is unchanged.
	stdout.Reset()
	if err := run(ctx, []string{"ingest", "--server", srv.URL, "--max-rejects", "1", src}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if m := summaryLine.FindStringSubmatch(stdout.String()); m == nil || m[8] != "2" {
		t.Fatalf("second upload: %s", stdout.String())
	}
	if err := run(ctx, []string{"ingest", "--server", srv.URL, "--schema", demoSchema, src}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--schema does not go with --server") {
		t.Fatalf("--schema with --server: %v", err)
	}
}

// Every command has its own help: a usage line, what it does, its flags
// with the defaults in force, and examples; never Go's flag dump.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Setenv("TESSERA_DATA", "")
	t.Setenv("TESSERA_STORE", "")
	t.Setenv("TESSERA_API_KEY", "")
	for name := range helps {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(strings.Fields(name), "-h"), &stdout, &stderr)
		if name == "help" {
			err = run(context.Background(), []string{"help", "help"}, &stdout, &stderr)
		}
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s -h: %v", name, err)
			continue
		}
		out := stdout.String()
		if !strings.HasPrefix(out, "Usage:\n  tessera "+name) || !strings.Contains(out, "Examples:\n  tessera ") {
			t.Errorf("%s -h:\n%s", name, out)
		}
		if goFlagDump.MatchString(out) {
			t.Errorf("%s -h looks like Go's flag dump:\n%s", name, out)
		}
		var help bytes.Buffer
		if name != "help" {
			if err := run(context.Background(), append([]string{"help"}, strings.Fields(name)...), &help, &stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
				t.Errorf("help %s: %v", name, err)
			}
			if help.String() != out {
				t.Errorf("tessera help %s differs from tessera %s -h", name, name)
			}
		}
	}
	var stdout bytes.Buffer
	run(context.Background(), []string{"ingest", "-h"}, &stdout, &stdout)
	for _, want := range []string{"--data DIR", "(default tessera-data)", "--max-rejects N|P%", "--server URL", "--schema FILE"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("ingest -h lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"help"}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, name := range commands {
		if !strings.Contains(stdout.String(), "\n  "+name+" ") {
			t.Errorf("tessera help does not list %s:\n%s", name, stdout.String())
		}
	}
}

// goFlagDump matches a line of flag.PrintDefaults: "  -data string".
var goFlagDump = regexp.MustCompile(`(?m)^  -[a-z-]+( (string|int|value|duration|float))?$`)

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "tessera ") || !strings.Contains(stdout.String(), "\nrevision ") || !strings.Contains(stdout.String(), "go1.") {
		t.Fatalf("version:\n%s", stdout.String())
	}
}
