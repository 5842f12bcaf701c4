package web_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
)

// uploadRaw sends body as a raw upload named name and waits for its job.
func uploadRaw(t *testing.T, s *testServer, name, body string) ingest.Job {
	t.Helper()
	resp, err := http.Post(s.url+"/v1/ingest?filename="+name, "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var job ingest.Job
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload %s: %d %+v", name, resp.StatusCode, job)
	}
	deadline := time.Now().Add(30 * time.Second)
	for job.Status == ingest.JobRunning && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		s.get(t, "/v1/jobs/"+job.ID, &job)
	}
	return job
}

func getRaw(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestJobRejectsDownload: GET /v1/jobs/{id}/rejects serves the rejected
// rows of a finished job as CSV (row, id, column, value, reason) or NDJSON,
// as an attachment named after the file, with formula-looking cells made
// inert; unknown jobs are 404 and unknown formats 400.
func TestJobRejectsDownload(t *testing.T) {
	s := startServer(t, tessera.Options{})
	head := "id,title,description,category,brand,price,rating,review_count,added_at\n"
	job := uploadRaw(t, s, "shelves.csv", head+
		"RJ-1,Oak shelf,Solid oak.,Home,Acme,not-a-price,4.0,1,2026-10-01T00:00:00Z\n"+
		"RJ-2,Pine shelf,Pine.,Home,Acme,25.00,4.0,1,2026-10-01T00:00:00Z\n"+
		"RJ-3,Formula shelf,x,Home,Acme,\"=HYPERLINK(\"\"http://x\"\")\",4.0,1,2026-10-01T00:00:00Z\n"+
		"RJ-4,Short row\n")
	if job.Status != ingest.JobDone || job.Rejected != 3 {
		t.Fatalf("job %+v, want done with 3 rejected", job)
	}

	resp, body := getRaw(t, s.url+"/v1/jobs/"+job.ID+"/rejects")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("rejects: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=shelves-rejects.csv` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if n := resp.Header.Get("X-Rejects-Total"); n != "3" {
		t.Errorf("X-Rejects-Total %q, want 3", n)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != "row,id,column,value,reason" {
		t.Fatalf("rows %q", rows)
	}
	if r := rows[1]; r[0] != "1" || r[1] != "RJ-1" || r[2] != "price" || r[3] != "not-a-price" || r[4] == "" {
		t.Errorf("first reject %q", r)
	}
	if r := rows[2]; r[1] != "RJ-3" || r[3] != `'=HYPERLINK("http://x")` {
		t.Errorf("formula value %q, want it made inert with a leading apostrophe", r)
	}
	if r := rows[3]; r[0] != "4" || r[2] != "description" || !strings.Contains(r[4], "header has 9") {
		t.Errorf("ragged row reject %q", r)
	}

	resp, body = getRaw(t, s.url+"/v1/jobs/"+job.ID+"/rejects?format=ndjson")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	var p ingest.Problem
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" || len(lines) != 3 ||
		json.Unmarshal([]byte(lines[2]), &p) != nil || p.Row != 4 || p.File != "shelves.csv" {
		t.Fatalf("ndjson: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), lines)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=shelves-rejects.ndjson` {
		t.Errorf("Content-Disposition %q", cd)
	}

	if resp, body := getRaw(t, s.url+"/v1/jobs/"+job.ID+"/rejects?format=xml"); resp.StatusCode != 400 || !strings.Contains(body, `"field":"format"`) {
		t.Errorf("bad format: %d %s", resp.StatusCode, body)
	}
	if resp, body := getRaw(t, s.url+"/v1/jobs/job-nope-1/rejects"); resp.StatusCode != 404 || !strings.Contains(body, "not_found") {
		t.Errorf("unknown job: %d %s", resp.StatusCode, body)
	}
	// A job with nothing rejected has an empty download: the header only.
	clean := uploadRaw(t, s, "clean.csv", head+"RJ-9,Birch shelf,Birch.,Home,Acme,30.00,4.0,1,2026-10-01T00:00:00Z\n")
	if resp, body := getRaw(t, s.url+"/v1/jobs/"+clean.ID+"/rejects"); resp.StatusCode != 200 || body != "row,id,column,value,reason\n" {
		t.Errorf("no rejects: %d %q", resp.StatusCode, body)
	}
}

// TestUploadWithDuplicateHeaderFails: a file whose header repeats a column
// fails its job with an error naming both positions, and the error names
// the uploaded file, never the server's temporary path.
func TestUploadWithDuplicateHeaderFails(t *testing.T) {
	s := startServer(t, tessera.Options{})
	job := uploadRaw(t, s, "dupes.csv", "id,title,price,title\nD-1,a,1,b\n")
	if job.Status != ingest.JobFailed {
		t.Fatalf("job %+v, want failed", job)
	}
	want := `read dupes.csv: header: column "title" appears twice, at field 2 and field 4`
	if !strings.Contains(job.Error, want) {
		t.Fatalf("job error %q, want %q", job.Error, want)
	}
	if strings.Contains(job.Error, "/") {
		t.Fatalf("job error names a path: %q", job.Error)
	}
}
