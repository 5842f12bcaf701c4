package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/annbench"
)

// sourceStreamReport is what `tessera-bench stream --source URL` measures
// for a log Tessera consumes itself (Kafka, NATS JetStream): throughput
// from a backlog, freshness at a fixed produce rate, and search latency
// idle and while consuming.
type sourceStreamReport struct {
	Source        string  `json:"source"`
	Partitions    int     `json:"partitions,omitempty"`
	Fsync         bool    `json:"fsync"`
	BacklogEvents int     `json:"backlog_events"`
	BacklogS      float64 `json:"backlog_s"`
	EventsPerS    float64 `json:"events_per_s"` // backlog drained into the index
	// BacklogCPUS is the process's CPU while the backlog drained (the
	// graph builder's included); IndexedS how long after the drain the
	// graph had taken in every vector.
	BacklogCPUS float64 `json:"backlog_cpu_s"`
	IndexedS    float64 `json:"indexed_s"`
	// BacklogHoldMaxMS is the longest hold of the collection's write lock
	// while the backlog drained (a bucket's upper bound): how long a
	// search arriving then could have waited for a batch's documents.
	BacklogHoldMaxMS float64 `json:"backlog_write_hold_max_ms"`
	Rate             int     `json:"rate"`
	RateEvents       int64   `json:"rate_events"`
	FreshnessP50MS   float64 `json:"freshness_p50_ms"` // produce → searchable at Rate
	FreshnessP99MS   float64 `json:"freshness_p99_ms"`
	SearchIdleP50    float64 `json:"search_idle_p50_ms"`
	SearchIdleP99    float64 `json:"search_idle_p99_ms"`
	SearchBusyP50    float64 `json:"search_consuming_p50_ms"`
	SearchBusyP99    float64 `json:"search_consuming_p99_ms"`
	// SearchP99Ratio is the consuming p99 over the idle p99, both over
	// every round's searches; SearchP99RatioMedian the median of the
	// rounds' own ratios (Rounds).
	SearchP99Ratio       float64             `json:"search_p99_ratio"`
	SearchP99RatioMedian float64             `json:"search_p99_ratio_median"`
	Rounds               []sourceStreamRound `json:"rounds"`
	SearchErrors         int                 `json:"search_errors"`
	// Searches answered in each phase: the load sends --search-rate a
	// second, but a starved process reads fewer ticks.
	SearchesIdle int `json:"searches_idle"`
	SearchesBusy int `json:"searches_consuming"`
	Documents    int `json:"documents"`
	// Idle and Busy are the process's CPU, lock waits and GC cycles over the
	// idle and the consuming search phases (runtime/metrics): independent
	// of what else the machine runs, unlike the latencies.
	Idle phaseMetrics `json:"idle"`
	Busy phaseMetrics `json:"consuming"`
}

// sourceStreamRound is one idle phase and the consuming phase after it.
type sourceStreamRound struct {
	IdleP99 float64 `json:"search_idle_p99_ms"`
	BusyP99 float64 `json:"search_consuming_p99_ms"`
	Ratio   float64 `json:"search_p99_ratio"`
}

// sourceBenchOptions are the stream benchmark's flags that apply to a
// consumed log.
type sourceBenchOptions struct {
	source           string
	backlog          int
	partitions       int
	rate, searchRate int
	duration         time.Duration
	// rounds is how many times an idle search phase and a consuming one
	// alternate: on a shared machine whose load drifts from second to
	// second, adjacent short phases compare like with like better than
	// one long pair.
	rounds         int
	nosync, asJSON bool
	// blockProfile and mutexProfile name files for Go's block and mutex
	// profiles of the "while consuming" phase (where searches wait).
	blockProfile, mutexProfile string
	// cpuProfile names a file for a CPU profile of the same phase: the
	// whole run's (--cpuprofile) is mostly the backlog's insertions.
	cpuProfile string
	// allocProfile names the file for the allocation profile at the end
	// of that phase; allocProfile+".start" gets the one at its start.
	allocProfile string
}

// benchEvent is one message for the log: the event's id (a Kafka key)
// and its /v1/events JSON.
type benchEvent struct {
	id   string
	data []byte
}

// benchLog is a log the benchmark produces into and a source consumes:
// Kafka (bench_stream_kafka.go) or NATS JetStream (bench_stream_nats.go).
type benchLog interface {
	// produceSync appends evs and returns once the log has them.
	produceSync(ctx context.Context, evs []benchEvent) error
	// produce appends evs without waiting; flush waits for everything
	// produced and returns the first error.
	produce(ctx context.Context, evs []benchEvent)
	flush(ctx context.Context) error
	// newSource returns a source that resumes from the index's position.
	newSource() (benchSource, error)
	close()
}

// benchSource is what the benchmark needs of kafka.Source and nats.Source.
type benchSource interface {
	Run(ctx context.Context, to *ingest.Stream) error
	Stats() ingest.SourceStats
}

// openBenchLog starts (or connects to) the log the --source URL names.
func openBenchLog(ctx context.Context, o sourceBenchOptions) (benchLog, error) {
	u, err := url.Parse(o.source)
	if err != nil {
		return nil, fmt.Errorf("--source %s: %w", o.source, err)
	}
	switch u.Scheme {
	case "kafka":
		return openKafkaBenchLog(ctx, u, o.partitions)
	case "nats":
		return openNATSBenchLog(ctx, u)
	}
	return nil, fmt.Errorf("--source %s: want kafka://host:port/topic (kafka://kfake/topic) or nats://host:4222/STREAM (nats://embedded/STREAM)", o.source)
}

// benchStreamSource runs the benchmark for a consumed log. A Kafka source
// whose host is "kfake" (kafka://kfake/bench) starts an in-process
// Kafka-protocol cluster and a NATS source whose host is "embedded"
// (nats://embedded/bench) an in-process nats-server; any other host is a
// real broker, into which the benchmark produces.
//
// Idle and consuming searches are comparable: the same client code and
// query mix (searchLoad), against the same collection (the backlog's
// 20,000 ids are all present before either phase; the paced events update
// them), for the same duration.
func benchStreamSource(ctx context.Context, o sourceBenchOptions, stdout io.Writer) error {
	lg, err := openBenchLog(ctx, o)
	if err != nil {
		return err
	}
	defer lg.close()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	dir, err := os.MkdirTemp("", "tessera-bench-source")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, lb, closeServer, err := demoServer(ctx, dir, o.nosync)
	if err != nil {
		return err
	}
	defer closeServer()
	rep := sourceStreamReport{Source: o.source, Fsync: !o.nosync, BacklogEvents: o.backlog, Rate: o.rate}
	if strings.HasPrefix(o.source, "kafka:") {
		rep.Partitions = o.partitions
	}
	gen := newEventGen()

	// 1. Throughput: a backlog produced first, then drained by the source.
	for sent := 0; sent < o.backlog; {
		n := min(5000, o.backlog-sent)
		if err := lg.produceSync(ctx, gen.events(n)); err != nil {
			return fmt.Errorf("producing the backlog: %w", err)
		}
		sent += n
	}
	src, err := lg.newSource()
	if err != nil {
		return err
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- src.Run(run, lb.Stream) }()
	t0, cpu0, w0 := time.Now(), processCPU(), db.Collection.SearchWaits()
	// Every backlog event is a newer version: each one counts as applied.
	if err := waitFor(ctx, func() bool { return src.Stats().Applied >= int64(o.backlog) }, 10*time.Minute); err != nil {
		stop()
		return fmt.Errorf("draining the backlog: %w (%+v)", err, src.Stats())
	}
	rep.BacklogS = time.Since(t0).Seconds()
	rep.BacklogCPUS = (processCPU() - cpu0).Seconds()
	rep.BacklogHoldMaxMS = db.Collection.SearchWaits().WriteHold.Since(w0.WriteHold).Quantile(1).Seconds() * 1000
	rep.EventsPerS = float64(o.backlog) / rep.BacklogS
	stop()
	if err := <-done; err != nil {
		return err
	}

	// 2. Search latency, idle and while consuming, in rounds. The graph
	// first takes in the backlog (until then searches also scan the
	// pending vectors). A new source (fresh meter) resumes where the first
	// stopped and stays connected throughout: idle, nothing arrives.
	if err := waitFor(ctx, func() bool { return db.Collection.Pending() == 0 }, 10*time.Minute); err != nil {
		return fmt.Errorf("indexing the backlog: %w", err)
	}
	rep.IndexedS = time.Since(t0).Seconds() - rep.BacklogS
	// The backlog started automatic snapshots that write in the
	// background; an explicit one waits for them, so none runs into the
	// first idle phase (the next comes 50,000 events later, as it would).
	if err := db.Collection.Snapshot(); err != nil {
		return fmt.Errorf("snapshot after the backlog: %w", err)
	}
	src, err = lg.newSource()
	if err != nil {
		return err
	}
	run, stop = context.WithCancel(ctx)
	defer stop()
	go func() { done <- src.Run(run, lb.Stream) }()
	if err := waitFor(ctx, func() bool { return src.Stats().Connected }, time.Minute); err != nil {
		return err
	}
	var idle, busy []float64
	var idleSum, busySum phaseCounters
	for r := range max(o.rounds, 1) {
		if err := waitFor(ctx, func() bool { return db.Collection.Pending() == 0 }, 10*time.Minute); err != nil {
			return fmt.Errorf("round %d: indexing: %w", r+1, err)
		}
		c0 := readPhaseCounters(db.Collection)
		idleR, errs := searchLoad(ctx, lb.URL, o.searchRate, o.duration)
		idleSum = idleSum.plus(readPhaseCounters(db.Collection).since(c0))
		rep.SearchErrors += errs
		busyR, counters, err := consumingPhase(ctx, o, lg, gen, db.Collection, lb.URL, &rep, r == 0)
		if err != nil {
			return err
		}
		busySum = busySum.plus(counters)
		if err := waitFor(ctx, func() bool { return src.Stats().Applied >= rep.RateEvents }, time.Minute); err != nil {
			return fmt.Errorf("consuming at %d/s: %w (%+v)", o.rate, err, src.Stats())
		}
		round := sourceStreamRound{IdleP99: percentile(idleR, 0.99), BusyP99: percentile(busyR, 0.99)}
		if round.IdleP99 > 0 {
			round.Ratio = round.BusyP99 / round.IdleP99
		}
		rep.Rounds = append(rep.Rounds, round)
		idle, busy = append(idle, idleR...), append(busy, busyR...)
	}
	rep.Idle, rep.Busy = idleSum.summary(), busySum.summary()

	ratios := make([]float64, len(rep.Rounds))
	for i, r := range rep.Rounds {
		ratios[i] = r.Ratio
	}
	rep.SearchP99RatioMedian = annbench.Median(ratios)
	st := src.Stats()
	rep.FreshnessP50MS, rep.FreshnessP99MS = st.FreshP50MS, st.FreshP99MS
	rep.SearchIdleP50, rep.SearchIdleP99 = percentile(idle, 0.5), percentile(idle, 0.99)
	rep.SearchBusyP50, rep.SearchBusyP99 = percentile(busy, 0.5), percentile(busy, 0.99)
	rep.SearchesIdle, rep.SearchesBusy = len(idle), len(busy)
	if rep.SearchIdleP99 > 0 {
		rep.SearchP99Ratio = rep.SearchBusyP99 / rep.SearchIdleP99
	}
	rep.Documents = db.Collection.Len()
	stop()
	<-done
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	name := "nats stream ("
	if rep.Partitions > 0 {
		name = fmt.Sprintf("kafka stream (%d partitions, ", rep.Partitions)
	}
	fmt.Fprintf(stdout, "%sfsync %v): backlog of %d events into the index in %.2fs = %.0f events/s (process CPU %.1f s; graph caught up %.2fs later; longest write-lock hold ≤ %.3f ms)\n",
		name, rep.Fsync, rep.BacklogEvents, rep.BacklogS, rep.EventsPerS, rep.BacklogCPUS, rep.IndexedS, rep.BacklogHoldMaxMS)
	fmt.Fprintf(stdout, "freshness (produce → searchable) at %d events/s: p50 %.2f ms, p99 %.2f ms over %d events\n",
		rep.Rate, rep.FreshnessP50MS, rep.FreshnessP99MS, rep.RateEvents)
	fmt.Fprintf(stdout, "search p50/p99: idle %.2f/%.2f ms, while consuming %.2f/%.2f ms (p99 ratio %.2f×); %d / %d searches, %d errors; %d documents\n",
		rep.SearchIdleP50, rep.SearchIdleP99, rep.SearchBusyP50, rep.SearchBusyP99, rep.SearchP99Ratio, rep.SearchesIdle, rep.SearchesBusy, rep.SearchErrors, rep.Documents)
	if len(rep.Rounds) > 1 {
		parts := make([]string, len(rep.Rounds))
		for i, r := range rep.Rounds {
			parts[i] = fmt.Sprintf("%.2f → %.2f ms (%.2f×)", r.IdleP99, r.BusyP99, r.Ratio)
		}
		fmt.Fprintf(stdout, "search p99 per round, idle → consuming: %s; median ratio %.2f×\n", strings.Join(parts, ", "), rep.SearchP99RatioMedian)
	}
	fmt.Fprintf(stdout, "idle / consuming: process CPU %.1f / %.1f s, goroutines blocked on locks %.0f / %.0f ms in all, %d / %d GC cycles, goroutines waiting for a core p99 %.3f / %.3f ms\n",
		rep.Idle.CPUS, rep.Busy.CPUS, rep.Idle.LockWaitMS, rep.Busy.LockWaitMS, rep.Idle.GCCycles, rep.Busy.GCCycles, rep.Idle.SchedP99MS, rep.Busy.SchedP99MS)
	fmt.Fprintf(stdout, "idle / consuming: allocated %.0f / %.0f MB\n", rep.Idle.AllocMB, rep.Busy.AllocMB)
	fmt.Fprintf(stdout, "idle / consuming: a search's wait for the read lock p99 ≤ %.3f / %.3f ms, pending rows scanned %.0f / %.0f a search; write-lock holds %d / %d, p99 ≤ %.3f / %.3f ms, longest ≤ %.3f / %.3f ms\n",
		rep.Idle.ReadLockP99MS, rep.Busy.ReadLockP99MS, rep.Idle.PendingPerS, rep.Busy.PendingPerS, rep.Idle.WriteHolds, rep.Busy.WriteHolds,
		rep.Idle.WriteHoldP99MS, rep.Busy.WriteHoldP99MS, rep.Idle.WriteHoldMaxMS, rep.Busy.WriteHoldMaxMS)
	return nil
}

// consumingPhase sends searches for --duration while producing events
// at --rate, and returns the searches' latencies and what the process's
// counters moved by. Profiles asked for cover the first round's phase.
func consumingPhase(ctx context.Context, o sourceBenchOptions, lg benchLog, gen *eventGen, col *index.Collection, url string, rep *sourceStreamReport, first bool) ([]float64, phaseCounters, error) {
	var pr sourceBenchOptions
	if first {
		pr = o
	}
	if pr.allocProfile != "" {
		if err := writeProfile("allocs", pr.allocProfile+".start"); err != nil {
			return nil, phaseCounters{}, err
		}
	}
	stopProfiles := startWaitProfiles(pr.blockProfile, pr.mutexProfile)
	stopCPU, err := startCPUProfile(pr.cpuProfile)
	if err != nil {
		return nil, phaseCounters{}, err
	}
	c0 := readPhaseCounters(col)
	var wg sync.WaitGroup
	var busy []float64
	var errs int
	wg.Go(func() { busy, errs = searchLoad(ctx, url, o.searchRate, o.duration) })
	const perTick = 10
	tick := time.NewTicker(time.Duration(float64(time.Second) * perTick / float64(o.rate)))
	deadline := time.Now().Add(o.duration)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		<-tick.C
		evs := gen.events(perTick)
		rep.RateEvents += int64(len(evs))
		lg.produce(ctx, evs)
	}
	tick.Stop()
	if err := lg.flush(ctx); err != nil {
		return nil, phaseCounters{}, fmt.Errorf("producing at %d/s: %w", o.rate, err)
	}
	wg.Wait()
	rep.SearchErrors += errs
	counters := readPhaseCounters(col).since(c0)
	stopCPU()
	if err := stopProfiles(); err != nil {
		return nil, phaseCounters{}, err
	}
	if pr.allocProfile != "" {
		if err := writeProfile("allocs", pr.allocProfile); err != nil {
			return nil, phaseCounters{}, err
		}
	}
	return busy, counters, nil
}

// blockProfileRate samples blocking events of at least this many
// nanoseconds every time (shorter ones proportionally): searches that
// wait 10 µs or more are all recorded, at little cost to the rest.
const blockProfileRate = 10_000

// startWaitProfiles turns on Go's block and mutex profiles for the files
// named (either may be empty); the returned func writes them and turns
// profiling off again.
func startWaitProfiles(blockPath, mutexPath string) func() error {
	if blockPath != "" {
		runtime.SetBlockProfileRate(blockProfileRate)
	}
	if mutexPath != "" {
		runtime.SetMutexProfileFraction(1)
	}
	return func() error {
		var errs []error
		if blockPath != "" {
			errs = append(errs, writeProfile("block", blockPath))
			runtime.SetBlockProfileRate(0)
		}
		if mutexPath != "" {
			errs = append(errs, writeProfile("mutex", mutexPath))
			runtime.SetMutexProfileFraction(0)
		}
		return errors.Join(errs...)
	}
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s profile: %w", name, err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("%s profile %s: %w", name, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s profile %s: %w", name, path, err)
	}
	return nil
}

func waitFor(ctx context.Context, cond func() bool, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// eventGen makes /v1/events messages: upserts of 20,000 ids with growing
// versions.
type eventGen struct {
	mu      sync.Mutex
	rng     *rand.Rand
	version int64
}

func newEventGen() *eventGen { return &eventGen{rng: rand.New(rand.NewPCG(1, 2))} }

func (g *eventGen) events(n int) []benchEvent {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]benchEvent, n)
	for i := range out {
		g.version++
		id := fmt.Sprintf("S-%d", g.rng.IntN(20000))
		out[i] = benchEvent{id: id, data: fmt.Appendf(nil,
			`{"op":"upsert","id":%q,"version":%d,"fields":{"title":"stream item %d","price":%d,"rating":4.2,"category":"Electronics"}}`,
			id, g.version, g.version, 5+g.rng.IntN(500))}
	}
	return out
}

// searchLoad sends searches at rate for dur and returns their latencies
// (ms) and the number that failed.
func searchLoad(ctx context.Context, base string, rate int, dur time.Duration) ([]float64, int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	texts := []string{"wireless earbuds", "yoga mat", "coffee grinder", "usb c cable", "running shoes", "desk lamp"}
	tick := time.NewTicker(time.Second / time.Duration(max(rate, 1)))
	defer tick.Stop()
	var mu sync.Mutex
	var lat []float64
	errs := 0
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
		<-tick.C
		body := fmt.Sprintf(`{"text":%q,"weights":{"price":%.1f},"limit":10}`, texts[n%len(texts)], float64(n%4)*0.5)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			resp, err := client.Post(base+"/v1/search", "application/json", strings.NewReader(body))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs++
				return
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
		}()
	}
	wg.Wait()
	return lat, errs
}
