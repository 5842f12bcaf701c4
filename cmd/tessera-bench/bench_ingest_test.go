package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchIngestReportsEveryStage(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--rows", "700", "--nosync", "--json"}, &stdout, &stdout); err != nil {
		t.Fatalf("bench ingest: %v\n%s", err, stdout.String())
	}
	var rep ingestReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	names := []string{}
	for _, s := range rep.Stages {
		names = append(names, s.Name)
		if s.Rows != 700 || !(s.RowsPerSec > 0) {
			t.Errorf("stage %+v", s)
		}
	}
	if strings.Join(names, ",") != "parse,parse + clean,encode,index + commit" {
		t.Fatalf("stages %v", names)
	}
	// 700 rows repeat the 309-row demo catalogue with new ids: all new.
	if rep.EndToEnd.Rows != 700 || rep.Sync || !strings.Contains(rep.Summary, "read 700 = ingested 700 + merged duplicates 0 + rejected 0") {
		t.Fatalf("end to end %+v, summary %q", rep.EndToEnd, rep.Summary)
	}
}
