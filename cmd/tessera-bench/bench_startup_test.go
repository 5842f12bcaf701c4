package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchStartupReportsRestarts: the startup benchmark builds a
// collection, reopens it after a clean stop (nothing left to index) and
// after a crash (the WAL's rows pending, searched exactly), and reports
// that neither start wrote to the WAL.
func TestBenchStartupReportsRestarts(t *testing.T) {
	var stdout bytes.Buffer
	args := []string{"startup", "--rows", "3000", "--dim", "16", "--wal-rows", "600", "--rounds", "1", "--json"}
	if err := run(context.Background(), args, &stdout, &stdout); err != nil {
		t.Fatalf("bench startup: %v\n%s", err, stdout.String())
	}
	var rep startupReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Rows != 3000 || rep.DataBytes <= 0 {
		t.Fatalf("report %+v", rep)
	}
	if c := rep.Clean; !(c.Ready > 0) || c.Pending != 0 || c.WALBytes != 0 || !(c.Refresh > 0) {
		t.Errorf("clean stop %+v: want ready, nothing pending, no WAL bytes", c)
	}
	if c := rep.Crash; !(c.Ready > 0) || c.Pending == 0 || c.Pending > 600 || c.WALBytes != 0 || c.Indexed < c.Ready {
		t.Errorf("crash %+v: want the WAL's rows pending at ready and no WAL bytes written", c)
	}
	var text bytes.Buffer
	if err := run(context.Background(), args[:len(args)-1], &text, &text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "kill -9, 600 rows in WAL") || !strings.Contains(text.String(), "WAL written by start-up 0 B") {
		t.Errorf("text report:\n%s", text.String())
	}
}
