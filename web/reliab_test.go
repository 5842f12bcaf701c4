package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
)

// faultyServer serves the demo with a WAL whose writes fail while *full
// is set, as a full disk makes them fail, and /readyz wired as tessera
// serve wires it.
func faultyServer(t *testing.T, full *atomic.Bool) (*tessera.DB, string) {
	t.Helper()
	dir := t.TempDir()
	s := startServer(t, tessera.Options{DataDir: dir, FaultHook: func(op string) error {
		if full.Load() {
			return &os.PathError{Op: op, Path: filepath.Join(dir, "index", "wal.log"), Err: syscall.ENOSPC}
		}
		return nil
	}})
	return s.db, s.url
}

func do(t *testing.T, method, url, ctype, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestDiskFullAnswersFast: with the WAL's disk full, writes are refused
// with 507 within a second (no endless retry while the client waits),
// nothing names a server path, /readyz says why, searches keep working,
// and everything recovers by itself once space returns.
func TestDiskFullAnswersFast(t *testing.T) {
	var full atomic.Bool
	db, url := faultyServer(t, &full)
	full.Store(true)
	event := func(id string) string {
		return fmt.Sprintf(`{"op":"upsert","id":%q,"fields":{"title":"Disk full test","price":5,"rating":4,"category":"Electronics"}}`, id)
	}
	start := time.Now()
	code, hdr, body := do(t, "POST", url+"/v1/events", "application/x-ndjson", event("FULL-1"))
	if took := time.Since(start); took > time.Second {
		t.Errorf("a write on a full disk took %v to answer", took)
	}
	if code != http.StatusInsufficientStorage || !strings.Contains(body, `"storage_full"`) || hdr.Get("Retry-After") == "" {
		t.Fatalf("events on a full disk: %d %s", code, body)
	}
	if strings.Contains(body, db.DataDir) || strings.Contains(body, "wal.log") {
		t.Fatalf("the answer names a server path: %s", body)
	}
	code, _, body = do(t, "POST", url+"/v1/ingest?filename=x.csv", "text/csv", "id,title,price,rating,category\nFULL-2,Another,3,4,Electronics\n")
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, body)
	}
	var job ingest.Job
	json.Unmarshal([]byte(body), &job)
	deadline := time.Now().Add(10 * time.Second)
	for job.Status == ingest.JobRunning && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		_, _, body = do(t, "GET", url+"/v1/jobs/"+job.ID, "", "")
		json.Unmarshal([]byte(body), &job)
	}
	if job.Status != ingest.JobFailed || !strings.Contains(job.Error, "storage is full") || strings.Contains(body, db.DataDir) {
		t.Fatalf("upload on a full disk: %s", body)
	}
	code, _, body = do(t, "GET", url+"/readyz", "", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "storage full") || strings.Contains(body, db.DataDir) {
		t.Fatalf("readyz on a full disk: %d %s", code, body)
	}
	code, _, body = do(t, "POST", url+"/v1/search", "application/json", `{"text":"wireless earbuds","limit":3}`)
	if code != 200 || !strings.Contains(body, "DEMO-") {
		t.Fatalf("search on a full disk: %d %s", code, body)
	}

	// Space returns: /readyz recovers by itself (its probe), writes work.
	full.Store(false)
	deadline = time.Now().Add(5 * time.Second)
	for {
		code, _, body = do(t, "GET", url+"/readyz", "", "")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz did not recover: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _, body = do(t, "POST", url+"/v1/events", "application/x-ndjson", event("FULL-3")); code != 200 || !strings.Contains(body, `"applied":1`) {
		t.Fatalf("events after recovery: %d %s", code, body)
	}
	if _, ok := db.Collection.Get("FULL-1"); ok {
		t.Fatal("a refused write was applied")
	}
}

func TestStrictJSONBodies(t *testing.T) {
	s := startServer(t, tessera.Options{})
	for _, body := range []string{`{"text":"x"}}`, `null`, ` [] `, `"x"`, `{"text":"x"} {"text":"y"}`, `{"text":"x"} 1`} {
		code, _, out := do(t, "POST", s.url+"/v1/search", "application/json", body)
		if code != 400 || !strings.Contains(out, `"bad_request"`) {
			t.Errorf("body %s: %d %s", body, code, out)
		}
	}
	if code, _, out := do(t, "POST", s.url+"/v1/search", "application/json", " {\"text\":\"earbuds\",\"limit\":1}\n\n"); code != 200 {
		t.Errorf("white space around the object: %d %s", code, out)
	}
}

func TestWeightsOutsideTheRangeAreRefused(t *testing.T) {
	s := startServer(t, tessera.Options{})
	for _, w := range []string{"1e155", "-1e7", "1e-300"} {
		code, _, out := do(t, "POST", s.url+"/v1/search", "application/json", `{"text":"earbuds","weights":{"title":`+w+`}}`)
		if code != 400 || !strings.Contains(out, `"field":"weights.title"`) {
			t.Errorf("weight %s: %d %s", w, code, out)
		}
	}
	if code, _, out := do(t, "POST", s.url+"/v1/search", "application/json", `{"text":"earbuds","weights":{"title":1e6,"price":1e-6,"rating":0}}`); code != 200 {
		t.Errorf("weights at the range's ends: %d %s", code, out)
	}
}

func TestIDsWithSlashes(t *testing.T) {
	s := startServer(t, tessera.Options{})
	code, _, out := do(t, "POST", s.url+"/v1/events", "application/x-ndjson",
		`{"op":"upsert","id":"a/b","fields":{"title":"Slashed","price":5,"rating":4,"category":"Electronics"}}`)
	if code != 200 || !strings.Contains(out, `"applied":1`) {
		t.Fatalf("upsert: %d %s", code, out)
	}
	if code, _, out = do(t, "GET", s.url+"/v1/documents/a%2Fb", "", ""); code != 200 || !strings.Contains(out, `"id":"a/b"`) {
		t.Fatalf("percent-encoded id: %d %s", code, out)
	}
	for _, path := range []string{"/v1/documents/a/b", "/v1/documents/x%2Fy", "/v1/jobs/a/b", "/v1/jobs/job-nope"} {
		code, hdr, out := do(t, "GET", s.url+path, "", "")
		if code != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || !strings.Contains(out, `"not_found"`) {
			t.Errorf("%s: %d %s %s", path, code, hdr.Get("Content-Type"), out)
		}
	}
}
