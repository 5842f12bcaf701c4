package tessera_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
)

const recencySchema = `
name: news
id: id
fields:
  id:        {type: text}
  title:     {type: text}
  published: {type: time}
spaces:
  - {name: title,   kind: text,    field: title}
  - {name: recency, kind: recency, field: published, periods: [{days: 14}]}
filters: []
`

// recencyT0 is the tests' starting time; testClock is a clock they move.
var recencyT0 = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.Set(recencyT0)
	return c
}

func (c *testClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// openRecency opens dir with the recency schema and clock.
func openRecency(t *testing.T, dir string, clock *testClock) *tessera.DB {
	t.Helper()
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir, Schema: []byte(recencySchema), Clock: clock.Now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestRecencyRefreshWithInjectedClock: item recency parts go stale as time
// passes; RefreshRecency re-encodes them through the apply path so ranking
// follows the clock.
func TestRecencyRefreshWithInjectedClock(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	t0 := recencyT0
	db := openRecency(t, t.TempDir(), clock)
	defer db.Close()
	res, err := db.Applier.Apply(ctx, []ingest.Event{
		{Op: "upsert", ID: "old", Fields: map[string]any{"title": "story", "published": "2026-11-01T12:00:00Z"}},
		{Op: "upsert", ID: "new", Fields: map[string]any{"title": "story", "published": "2026-11-09T12:00:00Z"}},
	})
	if err != nil || res[0].Status != "applied" || res[1].Status != "applied" {
		t.Fatalf("apply: %v %+v", err, res)
	}
	scores := func() map[string]float64 {
		resp, err := db.Engine.Search(ctx, query.Request{Weights: query.Weights{"recency": 1}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]float64{}
		for _, r := range resp.Results {
			m[r.ID] = r.Score
		}
		return m
	}
	s := scores()
	if !(s["new"] > s["old"] && s["old"] > 0) {
		t.Fatalf("at t0: new %v should beat old %v > 0", s["new"], s["old"])
	}
	// Ten days later "old" is 19 days old: outside the 14-day period. The
	// stored item part still says otherwise until it is refreshed.
	clock.Set(t0.Add(10 * 24 * time.Hour))
	if stale := scores(); stale["old"] == 0 {
		t.Fatalf("expected a stale, non-zero score before the refresh")
	}
	n, err := db.Applier.RefreshRecency(ctx)
	if err != nil || n != 2 {
		t.Fatalf("refresh: %d %v", n, err)
	}
	s = scores()
	if s["old"] != 0 {
		t.Errorf("after refresh, a 19-day-old item scores %v in a 14-day recency space, want 0", s["old"])
	}
	// "new" is 11 days old: φ relative to the query's φ gives cos(Δφ).
	end := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	start := end.Add(-14 * 24 * time.Hour)
	phi := func(t time.Time) float64 { return math.Pi / 2 * float64(t.Sub(start)) / float64(14*24*time.Hour) }
	want := math.Cos(phi(clock.Now()) - phi(time.Date(2026, 11, 9, 12, 0, 0, 0, time.UTC)))
	if math.Abs(s["new"]-want) > 1e-5 {
		t.Errorf("new: score %v, want cos(Δφ) = %v", s["new"], want)
	}
	// Refreshing changes no version: a late event with a version still wins.
	if v, _ := db.Collection.Version("new"); v != 0 {
		t.Errorf("refresh changed the version to %d", v)
	}
}

// TestRestartRefreshesRecencyWithoutLogging: opening recomputes every
// recency part from the stored times (they are never logged), so a
// restart a day later writes nothing to the WAL, after a clean stop and
// after a crash alike, and the parts equal a fresh encoding's.
func TestRestartRefreshesRecencyWithoutLogging(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := newTestClock()
	t0 := recencyT0
	open := func() *tessera.DB { return openRecency(t, dir, clock) }
	db := open()
	const n = 2000
	events := make([]ingest.Event, n)
	for i := range events {
		events[i] = ingest.Event{Op: "upsert", ID: fmt.Sprintf("story-%d", i), Fields: map[string]any{
			"title": fmt.Sprintf("story number %d", i), "published": t0.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339)}}
	}
	if _, err := db.Applier.Apply(ctx, events[:n/2]); err != nil {
		t.Fatal(err)
	}
	if err := db.Collection.Snapshot(); err != nil {
		t.Fatal(err)
	}
	// The second half stays in the WAL: the next open replays it, as
	// after kill -9.
	if _, err := db.Applier.Apply(ctx, events[n/2:]); err != nil {
		t.Fatal(err)
	}
	db.Close()
	walPath := filepath.Join(dir, "index", "wal.log")
	walSize := func() int64 {
		st, err := os.Stat(walPath)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	for _, days := range []int{1, 2} {
		clock.Set(t0.Add(time.Duration(days) * 24 * time.Hour))
		before := walSize()
		db = open()
		if got := walSize(); got != before {
			t.Fatalf("opening %d days later wrote %d bytes to the WAL; start-up must write nothing", days, got-before)
		}
		seg, ok := db.Encoder.SpaceIndex("recency")
		if !ok {
			t.Fatal("no recency space")
		}
		s := db.Encoder.Segments()[seg]
		for _, i := range []int{0, n/2 - 1, n / 2, n - 1} {
			ev := events[i]
			want, _, err := db.Applier.EncodeOnly(ctx, []map[string]any{ev.Fields})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := db.Collection.Get(ev.ID)
			if !slices.Equal(got.Vector[s.Offset:s.Offset+s.Dim], want[0][s.Offset:s.Offset+s.Dim]) {
				t.Fatalf("day %d, %s: recency part %v, a fresh encoding gives %v", days, ev.ID, got.Vector[s.Offset:s.Offset+s.Dim], want[0][s.Offset:s.Offset+s.Dim])
			}
		}
		// Re-applying the same rows changes nothing: their vectors are
		// already what the clock makes.
		res, err := db.Applier.Apply(ctx, events[:10])
		if err != nil {
			t.Fatal(err)
		}
		if got := walSize(); got != before {
			t.Fatalf("re-applying unchanged rows wrote %d bytes to the WAL (%v)", got-before, res[0])
		}
		if days == 1 {
			// A graceful stop: serve snapshots on shutdown.
			if err := db.Collection.Snapshot(); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
}

// TestRestartKeepsExactTitleRecall is issue #17's restart check end to
// end: 3,000 near-duplicate titles, each searched for exactly. A graceful
// restart a day later (recency recomputed, lexical index read back from
// the snapshot) and re-upserting every row must find exactly the rows
// found before.
func TestRestartKeepsExactTitleRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests and searches 3,000 rows three times; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	clock := newTestClock()
	t0 := recencyT0
	open := func() *tessera.DB { return openRecency(t, dir, clock) }
	colours := []string{"red", "blue", "green", "black", "white"}
	events := make([]ingest.Event, 3000)
	for i := range events {
		title := fmt.Sprintf("stainless steel water bottle %s 750 ml model %04d", colours[i%len(colours)], i)
		events[i] = ingest.Event{Op: "upsert", ID: fmt.Sprintf("b%d", i), Fields: map[string]any{
			"title": title, "published": t0.Add(-time.Duration(i%200) * time.Hour).Format(time.RFC3339)}}
	}
	found := func(db *tessera.DB) map[string]bool {
		out := map[string]bool{}
		for _, ev := range events {
			for _, r := range search(t, db, query.Request{Text: ev.Fields["title"].(string)}).Results {
				if r.ID == ev.ID {
					out[ev.ID] = true
				}
			}
		}
		return out
	}
	db := open()
	for lo := 0; lo < len(events); lo += 500 {
		if _, err := db.Applier.Apply(ctx, events[lo:lo+500]); err != nil {
			t.Fatal(err)
		}
	}
	db.Collection.WaitIndexed(time.Minute)
	before := found(db)
	if err := db.Collection.Snapshot(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	clock.Set(t0.Add(24 * time.Hour))
	db = open()
	defer db.Close()
	afterRestart := found(db)
	if _, err := db.Applier.Apply(ctx, events); err != nil {
		t.Fatal(err)
	}
	db.Collection.WaitIndexed(time.Minute)
	afterUpsert := found(db)
	t.Logf("exact-title searches finding their row: %d of %d before, %d after a restart a day later, %d after re-upserting every row",
		len(before), len(events), len(afterRestart), len(afterUpsert))
	if len(before) < len(events)*9/10 {
		t.Fatalf("only %d of %d exact-title searches find their row before the restart", len(before), len(events))
	}
	for id := range before {
		if !afterRestart[id] || !afterUpsert[id] {
			t.Fatalf("%s was found before the restart, after it %v, after re-upserting %v", id, afterRestart[id], afterUpsert[id])
		}
	}
}
