package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/spaces"
)

// loadReport is what `tessera-bench load` measures.
type loadReport struct {
	Duration      string         `json:"duration"`
	Concurrency   int            `json:"concurrency"`
	EventsOffered float64        `json:"events_per_s_offered"`
	CPUs          int            `json:"cpus"`
	DocsBefore    int            `json:"documents_before"`
	DocsAfter     int            `json:"documents_after"`
	Kinds         []loadKindStat `json:"kinds"`
	FreshP50MS    float64        `json:"freshness_p50_ms"`
	FreshP99MS    float64        `json:"freshness_p99_ms"`
	GeneratorLate int64          `json:"events_not_sent_generator_busy"`
}

// loadKindStat summarises one kind of request.
type loadKindStat struct {
	Kind     string         `json:"kind"`
	Requests int            `json:"requests"`
	Errors   int            `json:"errors"`
	ErrorPct float64        `json:"error_pct"`
	QPS      float64        `json:"held_qps"`
	P50MS    float64        `json:"p50_ms"`
	P99MS    float64        `json:"p99_ms"`
	MaxMS    float64        `json:"max_ms"`
	Statuses map[string]int `json:"statuses"`
}

// loadSamples collects one kind's latencies and outcomes.
type loadSamples struct {
	mu       sync.Mutex
	lat      []time.Duration
	errors   int
	statuses map[string]int
}

func (s *loadSamples) add(d time.Duration, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.statuses == nil {
		s.statuses = map[string]int{}
	}
	s.lat = append(s.lat, d)
	key := fmt.Sprint(status)
	if err != nil {
		key = "transport_error"
	}
	s.statuses[key]++
	if err != nil || status < 200 || status > 299 {
		s.errors++
	}
}

func (s *loadSamples) stat(kind string, wall time.Duration) loadKindStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := loadKindStat{Kind: kind, Requests: len(s.lat), Errors: s.errors, Statuses: s.statuses}
	if len(s.lat) == 0 {
		return st
	}
	lat := slices.Clone(s.lat)
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	st.ErrorPct = 100 * float64(s.errors) / float64(len(lat))
	st.QPS = float64(len(lat)-s.errors) / wall.Seconds()
	st.P50MS = ms(lat[len(lat)/2])
	st.P99MS = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	st.MaxMS = ms(lat[len(lat)-1])
	return st
}

// benchLoadCmd runs `tessera-bench load`: an in-process server on a
// loopback port over the built-in demo data (in a temporary directory),
// and a load generator with keep-alive clients: --concurrency closed-loop
// search workers with varied texts, weights and filters, plus stream
// events offered at a fixed --events-per-s. It reports the throughput
// held, the error rate and latency percentiles per kind.
func benchLoadCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("load", stdout)
	duration := fs.Duration("duration", 10*time.Second, "how long to generate load")
	concurrency := fs.Int("concurrency", 8, "search workers (each waits for its answer before the next request)")
	eventsPerS := fs.Float64("events-per-s", 200, "stream events offered per second, one per request (0 disables)")
	maxRequests := fs.Int64("max-requests", 2_000_000, "stop after this many requests in all")
	seed := fs.Uint64("seed", 1, "random seed of the request mix")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration <= 0 || *duration > time.Hour || *concurrency < 1 || *concurrency > 1024 || *eventsPerS < 0 || *eventsPerS > 100_000 {
		return fmt.Errorf("bench load: want 0 < --duration ≤ 1h, 1 ≤ --concurrency ≤ 1024, 0 ≤ --events-per-s ≤ 100000")
	}

	// The server, quiet: the load generator is what reports.
	dir, err := os.MkdirTemp("", "tessera-bench-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	prev := slog.Default()
	slog.SetDefault(quiet)
	defer slog.SetDefault(prev)
	db, err := tessera.Open(ctx, tessera.Options{DataDir: dir, EmbedderKind: "builtin", Logger: quiet})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.LoadDemo(ctx); err != nil {
		return err
	}
	lb, err := startLoopback(context.Background(), db) // loopback only: this generator never aims elsewhere
	if err != nil {
		return err
	}
	defer lb.Close()
	stream, base := lb.Stream, lb.URL

	mix := newLoadMix(db)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: *concurrency + 64, MaxIdleConnsPerHost: *concurrency + 64, IdleConnTimeout: time.Minute, DisableCompression: true}}
	defer client.CloseIdleConnections()
	post := func(ctx context.Context, path string, body []byte) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		// Drain so the connection is reused.
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, err
	}

	docsBefore := db.Collection.Len()
	lctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var sent atomic.Int64
	budget := func() bool { return sent.Add(1) <= *maxRequests }
	var searches, events loadSamples
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(*seed, uint64(w)+1))
			for lctx.Err() == nil && budget() {
				body := mix.search(rng)
				t0 := time.Now()
				code, err := post(lctx, "/v1/search", body)
				if lctx.Err() != nil && err != nil {
					return // cut off by the deadline: not a server error
				}
				searches.add(time.Since(t0), code, err)
			}
		}(w)
	}
	var late atomic.Int64
	if *eventsPerS > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Open loop: events are offered on schedule whatever the
			// latency, by at most 64 senders at once.
			senders := make(chan struct{}, 64)
			rng := rand.New(rand.NewPCG(*seed, 0))
			interval := time.Duration(float64(time.Second) / *eventsPerS)
			next := time.Now()
			var ewg sync.WaitGroup
			defer ewg.Wait()
			for n := 0; lctx.Err() == nil && budget(); n++ {
				next = next.Add(interval)
				if d := time.Until(next); d > 0 {
					select {
					case <-lctx.Done():
						return
					case <-time.After(d):
					}
				}
				body := mix.event(rng, n)
				select {
				case senders <- struct{}{}:
				default:
					late.Add(1)
					continue
				}
				ewg.Add(1)
				go func() {
					defer ewg.Done()
					defer func() { <-senders }()
					t0 := time.Now()
					code, err := post(lctx, "/v1/events", body)
					if lctx.Err() != nil && err != nil {
						return
					}
					events.add(time.Since(t0), code, err)
				}()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)

	st := stream.Stats()
	rep := loadReport{Duration: wall.Round(time.Millisecond).String(), Concurrency: *concurrency, EventsOffered: *eventsPerS,
		CPUs: runtime.GOMAXPROCS(0), DocsBefore: docsBefore, DocsAfter: db.Collection.Len(),
		Kinds:      []loadKindStat{searches.stat("search", wall), events.stat("events", wall)},
		FreshP50MS: st.FreshP50MS, FreshP99MS: st.FreshP99MS, GeneratorLate: late.Load()}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "tessera-bench load: %s, %d search workers, %.0f events/s offered, GOMAXPROCS %d, loopback keep-alive HTTP\n",
		rep.Duration, rep.Concurrency, rep.EventsOffered, rep.CPUs)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\trequests\terrors\terror %\theld/s\tp50 ms\tp99 ms\tmax ms\tstatuses\t")
	for _, k := range rep.Kinds {
		codes := make([]string, 0, len(k.Statuses))
		for c, n := range k.Statuses {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.1f\t%.2f\t%.2f\t%.2f\t%v\t\n", k.Kind, k.Requests, k.Errors, k.ErrorPct, k.QPS, k.P50MS, k.P99MS, k.MaxMS, codes)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "event freshness (received → searchable): p50 %.2f ms, p99 %.2f ms; documents %d → %d; events not sent (generator busy): %d\n",
		rep.FreshP50MS, rep.FreshP99MS, rep.DocsBefore, rep.DocsAfter, rep.GeneratorLate)
	return nil
}

// loadMix builds varied requests from the schema and the stored data.
type loadMix struct {
	spaces     []string              // every space name, for weights
	categories map[string][]string   // category field → values
	numbers    map[string][2]float64 // filterable number field → [min, max]
	numFields  []string
	ids        []string // stored ids, for partial updates
	words      []string // title words, for texts
	textFields []string
	filters    map[string]bool
	catField   string
}

func newLoadMix(db *tessera.DB) *loadMix {
	m := &loadMix{categories: map[string][]string{}, numbers: map[string][2]float64{}, filters: map[string]bool{}}
	for _, f := range db.Schema.Filters {
		m.filters[f] = true
	}
	for _, sp := range db.Schema.Spaces {
		m.spaces = append(m.spaces, sp.Name)
		switch sp.Kind {
		case spaces.KindCategory:
			if m.filters[sp.Field] {
				m.categories[sp.Field] = db.Encoder.Categories(sp.Name)
				m.catField = sp.Field
			}
		case spaces.KindText:
			m.textFields = append(m.textFields, sp.Field)
		}
	}
	seen := map[string]bool{}
	db.Collection.Each(func(r index.Record) bool {
		m.ids = append(m.ids, r.ID)
		for f, v := range r.Fields {
			if x, ok := v.(float64); ok && m.filters[f] {
				r, ok := m.numbers[f]
				if !ok {
					r = [2]float64{x, x}
				}
				m.numbers[f] = [2]float64{min(r[0], x), max(r[1], x)}
			}
		}
		if len(m.textFields) > 0 {
			if t, ok := r.Fields[m.textFields[0]].(string); ok {
				for _, s := range strings.Fields(t) {
					if len(s) > 3 && !seen[s] {
						seen[s] = true
						m.words = append(m.words, s)
					}
				}
			}
		}
		return true
	})
	for f := range m.numbers {
		m.numFields = append(m.numFields, f)
	}
	sort.Strings(m.numFields)
	sort.Strings(m.ids)
	sort.Strings(m.words)
	return m
}

func (m *loadMix) text(rng *rand.Rand) string {
	if len(m.words) == 0 {
		return "product"
	}
	parts := make([]string, 1+rng.IntN(3))
	for i := range parts {
		parts[i] = m.words[rng.IntN(len(m.words))]
	}
	return strings.Join(parts, " ")
}

// number picks a filterable number field and a value in its range.
func (m *loadMix) number(rng *rand.Rand) (string, float64, bool) {
	if len(m.numFields) == 0 {
		return "", 0, false
	}
	f := m.numFields[rng.IntN(len(m.numFields))]
	r := m.numbers[f]
	return f, r[0] + rng.Float64()*(r[1]-r[0]), true
}

// search is a request body: a text (or a natural-language q), random
// weights on some spaces, and a filter on a category or a number half
// of the time.
func (m *loadMix) search(rng *rand.Rand) []byte {
	req := map[string]any{"limit": 10}
	if rng.IntN(10) == 0 {
		req["q"] = m.text(rng) + " under 50"
	} else {
		req["text"] = m.text(rng)
	}
	if rng.IntN(2) == 0 {
		w := map[string]float64{}
		for _, sp := range m.spaces {
			if rng.IntN(2) == 0 {
				w[sp] = float64(rng.IntN(9)) / 4 // 0 … 2
			}
		}
		req["weights"] = w
	}
	switch rng.IntN(4) {
	case 0:
		if vals := m.categories[m.catField]; len(vals) > 0 {
			req["filter"] = map[string]any{m.catField: map[string]any{"in": []string{vals[rng.IntN(len(vals))]}}}
		}
	case 1:
		if f, v, ok := m.number(rng); ok {
			req["filter"] = map[string]any{f: map[string]any{"lte": v}}
		}
	}
	b, _ := json.Marshal(req)
	return b
}

// event is one stream event: mostly a partial update of a stored
// document's numbers, sometimes a new document.
func (m *loadMix) event(rng *rand.Rand, n int) []byte {
	var ev map[string]any
	if len(m.ids) > 0 && rng.IntN(10) < 7 {
		fields := map[string]any{}
		if f, v, ok := m.number(rng); ok {
			fields[f] = v
		}
		ev = map[string]any{"op": "upsert", "id": m.ids[rng.IntN(len(m.ids))], "fields": fields}
	} else {
		fields := map[string]any{}
		for _, f := range m.textFields {
			fields[f] = m.text(rng)
		}
		if vals := m.categories[m.catField]; len(vals) > 0 {
			fields[m.catField] = vals[rng.IntN(len(vals))]
		}
		for _, f := range m.numFields {
			r := m.numbers[f]
			fields[f] = r[0] + rng.Float64()*(r[1]-r[0])
		}
		ev = map[string]any{"op": "upsert", "id": fmt.Sprintf("LOAD-%d", n), "fields": fields}
	}
	b, _ := json.Marshal(ev)
	return b
}
