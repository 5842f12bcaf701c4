package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchStreamSourceKafkaAndNATS runs the source benchmark end to end
// against both in-process brokers (kfake, an embedded nats-server): every
// produced event is applied, both search phases ran, the per-phase CPU is
// measured, and the block, mutex and consuming-phase CPU profiles are
// written.
func TestBenchStreamSourceKafkaAndNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two brokers and two indexes (6 s on an idle 2-core machine): skipped with -short")
	}
	for _, src := range []string{"kafka://kfake/bench", "nats://embedded/bench"} {
		t.Run(strings.SplitN(src, ":", 2)[0], func(t *testing.T) {
			dir := t.TempDir()
			block, mutex, cpu := filepath.Join(dir, "block.pb"), filepath.Join(dir, "mutex.pb"), filepath.Join(dir, "cpu.pb")
			var stdout bytes.Buffer
			args := []string{"stream", "--source", src, "--backlog", "2000", "--rate", "500", "--search-rate", "50",
				"--duration", "1s", "--blockprofile", block, "--mutexprofile", mutex, "--consuming-cpuprofile", cpu, "--json"}
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
			if !(rep.Busy.CPUS > 0) || !(rep.Idle.CPUS > 0) || !(rep.BacklogCPUS > 0) {
				t.Errorf("phase CPU not measured: backlog %v s, idle %+v, consuming %+v", rep.BacklogCPUS, rep.Idle, rep.Busy)
			}
			if !(rep.Busy.SchedP99MS > 0) {
				t.Errorf("scheduling latency not measured while consuming: %+v", rep.Busy)
			}
			if rep.SearchesIdle == 0 || rep.SearchesBusy == 0 {
				t.Errorf("searches answered: idle %d, consuming %d", rep.SearchesIdle, rep.SearchesBusy)
			}
			for _, p := range []string{block, mutex, cpu} {
				if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
					t.Errorf("profile %s: %v", p, err)
				}
			}
		})
	}
}

// TestBenchStreamOneCPUProfile: Go writes one CPU profile at a time, so
// asking for the whole run's and the consuming phase's fails at once,
// naming both flags.
func TestBenchStreamOneCPUProfile(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"stream", "--source", "kafka://kfake/bench",
		"--cpuprofile", filepath.Join(dir, "a.pb"), "--consuming-cpuprofile", filepath.Join(dir, "b.pb")}, &stdout, &stdout)
	if err == nil || !strings.Contains(err.Error(), "--cpuprofile") || !strings.Contains(err.Error(), "--consuming-cpuprofile") {
		t.Fatalf("err = %v, want one naming both flags", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %d files before refusing", len(entries))
	}
}

// TestHistogramQuantile: the quantile of a runtime/metrics histogram is
// the upper bound of the bucket that holds it (the lower one for the open
// last bucket), and 0 for an empty one.
func TestHistogramQuantile(t *testing.T) {
	buckets := []float64{0, 1, 2, 4, math.Inf(1)}
	for _, c := range []struct {
		counts []uint64
		q      float64
		want   float64
	}{
		{[]uint64{0, 0, 0, 0}, 0.99, 0},
		{[]uint64{98, 1, 1, 0}, 0.99, 2},
		{[]uint64{98, 1, 1, 0}, 0.5, 1},
		{[]uint64{90, 0, 0, 10}, 0.99, 4},
	} {
		if got := histogramQuantile(c.counts, buckets, c.q); got != c.want {
			t.Errorf("histogramQuantile(%v, %v) = %v, want %v", c.counts, c.q, got, c.want)
		}
	}
}
