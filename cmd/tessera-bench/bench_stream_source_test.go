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

// TestBenchStreamSourceKafkaAndNATS runs the source benchmark end to end
// against both in-process brokers (kfake, an embedded nats-server): every
// produced event is applied, both search phases ran, the per-phase CPU is
// measured, and the block and mutex profiles are written.
func TestBenchStreamSourceKafkaAndNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two brokers and two indexes (6 s on an idle 2-core machine): skipped with -short")
	}
	for _, src := range []string{"kafka://kfake/bench", "nats://embedded/bench"} {
		t.Run(strings.SplitN(src, ":", 2)[0], func(t *testing.T) {
			dir := t.TempDir()
			block, mutex := filepath.Join(dir, "block.pb"), filepath.Join(dir, "mutex.pb")
			var stdout bytes.Buffer
			args := []string{"stream", "--source", src, "--backlog", "2000", "--rate", "500", "--search-rate", "50",
				"--duration", "1s", "--blockprofile", block, "--mutexprofile", mutex, "--json"}
			if err := run(context.Background(), args, &stdout, &stdout); err != nil {
				t.Fatalf("bench stream: %v\n%s", err, stdout.String())
			}
			var rep sourceStreamReport
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout.String())
			}
			if rep.BacklogEvents != 2000 || !(rep.EventsPerS > 0) || rep.RateEvents == 0 || rep.SearchErrors != 0 {
				t.Fatalf("report %+v", rep)
			}
			if !(rep.SearchIdleP99 > 0) || !(rep.SearchBusyP99 > 0) || !(rep.SearchP99Ratio > 0) || !(rep.FreshnessP99MS > 0) {
				t.Errorf("a phase measured nothing: %+v", rep)
			}
			// ~1,800 of the 20,000 ids after 2,000 events, plus the demo rows.
			if rep.Documents < 1000 {
				t.Errorf("documents = %d", rep.Documents)
			}
			if !(rep.Busy.CPUS > 0) || !(rep.Idle.CPUS > 0) {
				t.Errorf("phase CPU not measured: idle %+v, consuming %+v", rep.Idle, rep.Busy)
			}
			for _, p := range []string{block, mutex} {
				if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
					t.Errorf("profile %s: %v", p, err)
				}
			}
		})
	}
}
