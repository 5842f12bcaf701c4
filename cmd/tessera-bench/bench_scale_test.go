package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchScaleReportsTargets: the scale benchmark builds its directory
// once, reuses it on the next run, and reports recall against exact,
// HTTP latency for the plain mix and the three filter shares, and memory
// per row, with a verdict per set. At 3,000 rows every search is an exact
// scan, so recall is 1.
func TestBenchScaleReportsTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 3,000-row collection and serves it over HTTP")
	}
	dir := filepath.Join(t.TempDir(), "scale")
	args := []string{"scale", "--dir", dir, "--rows", "3000", "--queries", "12", "--duration", "400ms", "--json"}
	var stdout bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stdout); err != nil {
		t.Fatalf("bench scale: %v\n%s", err, stdout.String())
	}
	var rep scaleReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Rows != 3000 || rep.BuildS <= 0 || rep.HeapPerRow <= 0 || rep.IndexPerRow <= 0 || rep.DiskPerRow <= 0 {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Sets) != 4 {
		t.Fatalf("%d sets, want the plain mix and three filter shares", len(rep.Sets))
	}
	for _, s := range rep.Sets {
		if s.Queries != 12 || s.Recall != 1 || s.HTTP.Ops == 0 || s.HTTP.Errors != 0 {
			t.Errorf("set %+v", s)
		}
		if s.Target > 0 && (s.Passing < s.Target/2 || s.Passing > s.Target*2) {
			t.Errorf("%s: filters passed %.2f of the rows", s.Name, s.Passing)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "rows.csv")); !os.IsNotExist(err) {
		t.Errorf("the replicated CSV was left behind: %v", err)
	}
	var text bytes.Buffer
	if err := run(context.Background(), args[:len(args)-1], &text, &text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "(reused;") || !strings.Contains(text.String(), "filter ~25%") || !strings.Contains(text.String(), "B/row") || !strings.Contains(text.String(), "links to a near-duplicate") {
		t.Errorf("text report (want the directory reused):\n%s", text.String())
	}
}
