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
// produced event is applied, both search phases ran in each of two rounds,
// the per-phase CPU is measured over both rounds, and the block, mutex and
// consuming-phase CPU profiles are written.
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
				"--duration", "1s", "--rounds", "2", "--blockprofile", block, "--mutexprofile", mutex, "--consuming-cpuprofile", cpu, "--json"}
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
			if len(rep.Rounds) != 2 || !(rep.SearchP99RatioMedian > 0) {
				t.Errorf("rounds %+v, median ratio %v: want two rounds", rep.Rounds, rep.SearchP99RatioMedian)
			}
			for i, r := range rep.Rounds {
				if !(r.IdleP99 > 0) || !(r.BusyP99 > 0) || r.Ratio != r.BusyP99/r.IdleP99 {
					t.Errorf("round %d: %+v", i+1, r)
				}
			}
			// Two rounds of 50 searches a second for 1 s each: the phases'
			// searches pooled (a starved process reads fewer ticks).
			if rep.SearchesIdle < 60 || rep.SearchesBusy < 60 {
				t.Errorf("searches answered over both rounds: idle %d, consuming %d", rep.SearchesIdle, rep.SearchesBusy)
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

// TestPhaseCountersAddUp: a phase's movement is the difference of two
// readings, and the movements of several phases add up counter by counter,
// the scheduling histogram and the collection's wait histograms included.
func TestPhaseCountersAddUp(t *testing.T) {
	reading := func(cpu float64, gc uint64, sched []uint64, searches int64, holds int64) phaseCounters {
		c := phaseCounters{cpuS: cpu, gcCycles: gc, schedCounts: sched, schedBuckets: []float64{0, 0.001, 0.002, math.Inf(1)}}
		c.waits.Searches, c.waits.PendingScanned = searches, 2*searches
		c.waits.WriteHold.Counts[3] = holds
		return c
	}
	a := reading(2, 1, []uint64{5, 1, 0}, 10, 4).since(reading(1, 1, []uint64{3, 0, 0}, 4, 1))
	b := reading(7, 4, []uint64{9, 1, 2}, 30, 9).since(reading(4, 2, []uint64{9, 1, 0}, 20, 9))
	var sum phaseCounters
	sum = sum.plus(a).plus(b)
	if sum.cpuS != 4 || sum.gcCycles != 2 || sum.waits.Searches != 16 || sum.waits.WriteHold.N() != 3 {
		t.Fatalf("sum = %+v", sum)
	}
	if got := sum.schedCounts; len(got) != 3 || got[0] != 2 || got[1] != 1 || got[2] != 2 {
		t.Errorf("scheduling counts = %v, want [2 1 2]", got)
	}
	m := sum.summary()
	if m.CPUS != 4 || m.GCCycles != 2 || m.PendingPerS != 2 || m.WriteHolds != 3 || m.SchedP99MS != 2 {
		t.Errorf("summary = %+v", m)
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
