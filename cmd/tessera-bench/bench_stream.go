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
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// streamReport is what `tessera-bench stream` measures.
type streamReport struct {
	TargetEventsPerS int     `json:"target_events_per_s"`
	EventsPerS       float64 `json:"events_per_s"`
	SearchesPerS     float64 `json:"searches_per_s"`
	FreshnessP50MS   float64 `json:"freshness_p50_ms"`
	FreshnessP99MS   float64 `json:"freshness_p99_ms"`
	AckP99MS         float64 `json:"ack_p99_ms"`
	SearchP50MS      float64 `json:"search_p50_ms"`
	SearchP99MS      float64 `json:"search_p99_ms"`
	Errors           int     `json:"errors"`
	Rejected429      int     `json:"rejected_429"`
	Fsync            bool    `json:"fsync"`
	DurationS        float64 `json:"duration_s"`
	Documents        int     `json:"documents"`
}

func benchStreamCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("stream", stdout)
	rate := fs.Int("rate", 1000, "events per second to send")
	searchRate := fs.Int("search-rate", 200, "searches per second to send while streaming")
	dur := fs.Duration("duration", 10*time.Second, "how long to stream")
	batch := fs.Int("batch", 10, "events per request")
	nosync := fs.Bool("nosync", false, "skip WAL fsyncs (not durable)")
	asJSON := fs.Bool("json", false, "print JSON")
	source := fs.String("source", "", "consume from this Kafka or NATS URL instead of posting to /v1/events (kafka://kfake/TOPIC starts an in-process Kafka cluster, nats://embedded/STREAM an in-process nats-server)")
	backlog := fs.Int("backlog", 100000, "--source: events produced before the source starts, to measure throughput")
	rounds := fs.Int("rounds", 3, "--source: idle and consuming search phases alternate this many times (each --duration); the report gives each round's p99 ratio, their median, and the p99s over all rounds")
	partitions := fs.Int("partitions", 3, "--source kafka://kfake/…: partitions of the topic")
	cpuProfile := fs.String("cpuprofile", "", "--source: write a CPU profile of the whole run to this file")
	busyCPUProfile := fs.String("consuming-cpuprofile", "", "--source: write a CPU profile of the first round's searches-while-consuming phase only to this file (not with --cpuprofile)")
	blockProfile := fs.String("blockprofile", "", "--source: write a block profile (where goroutines wait) of the first round's searches-while-consuming phase to this file")
	mutexProfile := fs.String("mutexprofile", "", "--source: write a mutex contention profile of the first round's searches-while-consuming phase to this file")
	allocProfile := fs.String("allocprofile", "", "--source: write the allocation profile at the start of the first round's searches-while-consuming phase to FILE.start and at its end to FILE (compare with go tool pprof -base FILE.start)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *source != "" {
		if *cpuProfile != "" && *busyCPUProfile != "" {
			return errors.New("--cpuprofile and --consuming-cpuprofile: Go writes one CPU profile at a time; give one of them")
		}
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
		return benchStreamSource(ctx, sourceBenchOptions{source: *source, backlog: *backlog, partitions: *partitions,
			rate: *rate, searchRate: *searchRate, duration: *dur, rounds: *rounds, nosync: *nosync, asJSON: *asJSON,
			blockProfile: *blockProfile, mutexProfile: *mutexProfile, cpuProfile: *busyCPUProfile, allocProfile: *allocProfile}, stdout)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	dir, err := os.MkdirTemp("", "tessera-bench-stream")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, lb, closeServer, err := demoServer(ctx, dir, *nosync)
	if err != nil {
		return err
	}
	defer closeServer()
	stream, url := lb.Stream, lb.URL
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}

	var mu sync.Mutex
	var acks, searches []float64
	rep := streamReport{TargetEventsPerS: *rate, Fsync: !*nosync}
	sent := 0
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	start := time.Now()
	// Events: *batch per request, paced to *rate.
	interval := time.Duration(float64(time.Second) * float64(*batch) / float64(*rate))
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		tick := time.NewTicker(interval)
		defer tick.Stop()
		var inflight sync.WaitGroup
		for n := 0; time.Now().Before(deadline); n++ {
			<-tick.C
			var b strings.Builder
			for i := 0; i < *batch; i++ {
				id := fmt.Sprintf("S-%d", rng.IntN(20000))
				fmt.Fprintf(&b, `{"op":"upsert","id":%q,"version":%d,"ts":%q,"fields":{"title":"stream item %d","price":%d,"rating":4.2,"category":"Electronics"}}`+"\n",
					id, n*(*batch)+i+1, time.Now().UTC().Format(time.RFC3339Nano), n, 5+rng.IntN(500))
			}
			body := b.String()
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				t0 := time.Now()
				resp, err := client.Post(url+"/v1/events", "application/x-ndjson", strings.NewReader(body))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					rep.Errors++
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					acks = append(acks, float64(time.Since(t0).Microseconds())/1000)
					sent += *batch
				case 429:
					rep.Rejected429++
				default:
					rep.Errors++
				}
			}()
		}
		inflight.Wait()
	}()
	// Searches, paced to *searchRate.
	wg.Add(1)
	go func() {
		defer wg.Done()
		texts := []string{"wireless earbuds", "yoga mat", "coffee grinder", "usb c cable", "running shoes", "desk lamp"}
		tick := time.NewTicker(time.Second / time.Duration(max(*searchRate, 1)))
		defer tick.Stop()
		var inflight sync.WaitGroup
		for n := 0; time.Now().Before(deadline); n++ {
			<-tick.C
			body := fmt.Sprintf(`{"text":%q,"weights":{"price":%.1f},"limit":10}`, texts[n%len(texts)], float64(n%4)*0.5)
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				t0 := time.Now()
				resp, err := client.Post(url+"/v1/search", "application/json", strings.NewReader(body))
				mu.Lock()
				defer mu.Unlock()
				if err != nil || resp.StatusCode != 200 {
					rep.Errors++
					if resp != nil {
						resp.Body.Close()
					}
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				searches = append(searches, float64(time.Since(t0).Microseconds())/1000)
			}()
		}
		inflight.Wait()
	}()
	wg.Wait()
	rep.DurationS = time.Since(start).Seconds()
	rep.EventsPerS = float64(sent) / rep.DurationS
	rep.SearchesPerS = float64(len(searches)) / rep.DurationS
	st := stream.Stats()
	rep.FreshnessP50MS, rep.FreshnessP99MS = st.FreshP50MS, st.FreshP99MS
	rep.AckP99MS = percentile(acks, 0.99)
	rep.SearchP50MS, rep.SearchP99MS = percentile(searches, 0.5), percentile(searches, 0.99)
	rep.Documents = db.Collection.Len()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "stream: %.0f events/s sustained (target %d, fsync %v) with %.0f searches/s for %.1fs\n",
		rep.EventsPerS, rep.TargetEventsPerS, rep.Fsync, rep.SearchesPerS, rep.DurationS)
	fmt.Fprintf(stdout, "freshness (receipt → searchable): p50 %.2f ms, p99 %.2f ms; ack p99 %.2f ms\n", rep.FreshnessP50MS, rep.FreshnessP99MS, rep.AckP99MS)
	fmt.Fprintf(stdout, "search while ingesting: p50 %.2f ms, p99 %.2f ms; errors %d, 429s %d; %d documents\n", rep.SearchP50MS, rep.SearchP99MS, rep.Errors, rep.Rejected429, rep.Documents)
	return nil
}

// percentile returns the q-quantile of ms values (0 for none).
func percentile(vals []float64, q float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
