package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/internal/dbtest"
	"github.com/tessera-search/tessera/internal/sharedtest"
)

const planSchema = `
name: lamps
id: id
fields:
  id:    {type: text}
  title: {type: text}
  price: {type: number, format: money}
spaces:
  - {name: title, kind: text,   field: title}
  - {name: price, kind: number, field: price, min: 0, max: 1000, mode: minimum, weight: 0.5}
`

func writePlanFiles(t *testing.T) (dir, csv, next string) {
	t.Helper()
	dir = t.TempDir()
	var b strings.Builder
	b.WriteString("id,title,price\n")
	for i := range 40 {
		fmt.Fprintf(&b, "L%d,brass lamp %d,₹%d\n", i, i, 10+i*20)
	}
	csv = filepath.Join(dir, "lamps.csv")
	next = filepath.Join(dir, "next.yaml")
	os.WriteFile(filepath.Join(dir, "lamps.yaml"), []byte(planSchema), 0o644)
	os.WriteFile(csv, []byte(b.String()), 0o644)
	os.WriteFile(next, []byte(strings.Replace(planSchema, "max: 1000", "max: 800", 1)), 0o644)
	return dir, csv, next
}

// TestPlanAndApplyCommands: plan prints the change and the command that
// applies it; apply refuses without --plan or --yes, refuses a stale
// plan id, applies the reviewed one; a second plan finds nothing to do.
func TestPlanAndApplyCommands(t *testing.T) {
	ctx := context.Background()
	dir, csv, next := writePlanFiles(t)
	data := filepath.Join(dir, "data")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"ingest", "--data", data, "--schema", filepath.Join(dir, "lamps.yaml"), csv}, &out, &errb); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"plan", "--data", data, "--schema", next}, &out, &errb); err != nil {
		t.Fatalf("plan: %v", err)
	}
	var p struct{ ID string }
	for _, want := range []string{"~ spaces.price", "[re-encode]", "of 40 documents", "tessera apply --data " + data} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("plan output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"plan", "--data", data, "--schema", next, "--json"}, &out, &errb); err != nil || json.Unmarshal(out.Bytes(), &p) != nil || p.ID == "" {
		t.Fatalf("plan --json: %v %s", err, out.String())
	}
	err := run(ctx, []string{"apply", "--data", data, "--schema", next}, io.Discard, &errb)
	if err == nil || !strings.Contains(err.Error(), "--plan "+p.ID) {
		t.Fatalf("apply without --plan or --yes: %v, want a refusal naming the plan", err)
	}
	if err := run(ctx, []string{"apply", "--data", data, "--schema", next, "--plan", "feedfacefeedface"}, io.Discard, &errb); err == nil || !strings.Contains(err.Error(), "plan changed") {
		t.Fatalf("apply of a stale plan id: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"apply", "--data", data, "--schema", next, "--plan", p.ID}, &out, &errb); err != nil || !strings.Contains(out.String(), "Applied plan "+p.ID) {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"plan", "--data", data, "--schema", next}, &out, &errb); err != nil || !strings.Contains(out.String(), "No changes") {
		t.Fatalf("plan after apply: %v\n%s", err, out.String())
	}
	// A cleaning change cannot be applied: the command fails and says why.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(planSchema, "format: money", "format: count", 1)), 0o644)
	out.Reset()
	if err := run(ctx, []string{"apply", "--data", data, "--schema", bad, "--yes"}, &out, &errb); err == nil || !strings.Contains(out.String(), "needs the source rows") {
		t.Fatalf("apply of a cleaning change: %v\n%s", err, out.String())
	}
}

// amazonFiles returns the real catalogue, its schema and a new schema
// that re-encodes the price space and adds a text space (so the vectors'
// dimension changes too).
func amazonFiles(t *testing.T) (csv, schema, next string) {
	t.Helper()
	csv = sharedtest.Path(t, "amazon-india/products.csv")
	schema, _ = filepath.Abs("../../examples/amazon-products.schema.yaml")
	raw, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "max: 100000, mode: minimum", "max: 20000, mode: minimum", 1)
	s = strings.Replace(s, "filters:", "  - {name: category_text, kind: text, field: category, weight: 0.2}\nfilters:", 1)
	next = filepath.Join(t.TempDir(), "next.schema.yaml")
	if err := os.WriteFile(next, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return csv, schema, next
}

func runBinary(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(tesseraBinary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tessera %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestApplyKill9IsAllOldOrAllNew kills `tessera apply` on the real
// catalogue at random moments after its build starts (and once at the very
// start of the build), then opens the directory: the saved schema is the
// old or the new one, every stored vector is that schema's encoding of
// the stored fields, and nothing of the other build is left.
func TestApplyKill9IsAllOldOrAllNew(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes on the real catalogue")
	}
	csv, schema, next := amazonFiles(t)
	base := filepath.Join(t.TempDir(), "base")
	runBinary(t, "ingest", "--data", base, "--schema", schema, csv)
	oldRaw, _ := os.ReadFile(schema)
	newRaw, _ := os.ReadFile(next)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	outcomes := map[string]int{}
	for round := range 6 {
		data := filepath.Join(t.TempDir(), fmt.Sprint("round", round))
		copyDir(t, base, data)
		delay := time.Duration(0)
		if round > 0 {
			delay = time.Duration(rng.IntN(900)) * time.Millisecond
		}
		started := killApplyAfter(t, data, delay, "apply", "--data", data, "--schema", next, "--yes")
		got := checkOldOrNew(t, data, oldRaw, newRaw)
		outcomes[got]++
		t.Logf("round %d: build started %v, killed %v after: %s", round, started, delay, got)
	}
	if outcomes["old"] == 0 {
		t.Fatal("no kill landed before the switch: the rollback was not exercised")
	}
	t.Logf("outcomes: %v", outcomes)
}

// killApplyAfter starts tessera with args, waits until its build begins
// in data (or it exits), lets it run for delay and kills it with SIGKILL
// (a no-op when it already exited). It reports whether the build began.
func killApplyAfter(t *testing.T, data string, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(tesseraBinary(t), args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	started := waitForBuild(data, exited)
	time.Sleep(delay)
	cmd.Process.Kill()
	<-exited
	return started
}

// waitForBuild waits until an index-<n> build directory appears or the
// process exits.
func waitForBuild(data string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(filepath.Join(data, "index-*")); len(m) > 0 {
			return true
		}
		select {
		case <-exited:
			return false
		case <-time.After(time.Millisecond):
		}
	}
	return false
}

// checkOldOrNew opens the directory and says which schema it holds,
// failing unless every vector is that schema's encoding.
func checkOldOrNew(t *testing.T, data string, oldRaw, newRaw []byte) string {
	t.Helper()
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: data, NoSync: true})
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer db.Close()
	saved, _ := os.ReadFile(filepath.Join(data, "schema.yaml"))
	which := ""
	switch {
	case bytes.Equal(saved, oldRaw):
		which = "old"
	case bytes.Equal(saved, newRaw):
		which = "new"
	default:
		t.Fatalf("saved schema is neither the old nor the new one:\n%s", saved)
	}
	if n := db.Applier.Collection().Len(); n != 1351 {
		t.Fatalf("%s: %d documents after kill -9, want 1351", which, n)
	}
	dirs, _ := filepath.Glob(filepath.Join(data, "index*"))
	if len(dirs) != 1 {
		t.Fatalf("%s: index directories %v, want exactly the current one", which, dirs)
	}
	mismatch, err := dbtest.EncodingMismatch(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if mismatch != "" {
		t.Fatalf("%s: %s: a mix of old and new vectors", which, mismatch)
	}
	return which
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestApplyOnlineThroughServe: the real server applies the change that
// `tessera apply --server` sends while searches go on; every search
// answers 200, and after the switch and a restart the server serves the
// new schema.
func TestApplyOnlineThroughServe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary on the real catalogue")
	}
	csv, schema, next := amazonFiles(t)
	data := filepath.Join(t.TempDir(), "data")
	runBinary(t, "ingest", "--data", data, "--schema", schema, csv)
	cmd, url := startProcess(t, data)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches, failures int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := http.Post(url+"/v1/search", "application/json", strings.NewReader(`{"text":"usb cable","limit":5}`))
			searches++
			if err != nil || resp.StatusCode != 200 {
				failures++
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	}()
	out := runBinary(t, "apply", "--server", url, "--schema", next, "--yes")
	close(stop)
	wg.Wait()
	if !strings.Contains(out, "Applied plan") || failures > 0 || searches == 0 {
		t.Fatalf("apply --server: %d of %d searches failed; output:\n%s", failures, searches, out)
	}
	spacesOf := func(url string) []string {
		resp, err := http.Get(url + "/v1/schema")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct{ Spaces []struct{ Name string } }
		json.NewDecoder(resp.Body).Decode(&s)
		var names []string
		for _, sp := range s.Spaces {
			names = append(names, sp.Name)
		}
		return names
	}
	if got := strings.Join(spacesOf(url), ","); !strings.HasSuffix(got, ",category_text") {
		t.Fatalf("spaces after apply: %s, want category_text added", got)
	}
	cmd.Process.Kill()
	cmd.Wait()
	cmd, url = startProcess(t, data)
	if got := strings.Join(spacesOf(url), ","); !strings.HasSuffix(got, ",category_text") {
		t.Fatalf("spaces after a restart: %s", got)
	}
	t.Logf("%d searches answered during the online apply", searches)
}
