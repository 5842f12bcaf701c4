package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildBinary compiles the tessera command once per test binary.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func tesseraBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tessera-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "tessera")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

var servingAddr = regexp.MustCompile(`"msg":"tessera serving","addr":"http://([^"]+)"`)

// startProcess runs `tessera serve` on a free loopback port and waits until
// it answers /healthz.
func startProcess(t *testing.T, data string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(tesseraBinary(t), args...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addrc <- m[1]
				sent = true
			}
		}
		if !sent {
			close(addrc)
		}
	}()
	select {
	case addr, ok := <-addrc:
		if !ok {
			cmd.Wait()
			t.Fatalf("tessera serve exited before serving")
		}
		return cmd, "http://" + addr
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("tessera serve did not start in 60s")
	}
	return nil, ""
}

var crashWords = strings.Fields(`anchor banjo cactus dolphin ember falcon glacier harbor iguana jasmine kettle lantern meadow
nectar orchid pepper quartz raven saffron tundra umbrella violin walnut yacht zebra acorn blossom canyon
dagger eclipse fjord granite hammock indigo jigsaw kayak lobster marble nutmeg oyster pelican quiver`)

type ack struct {
	version int64
	title   string
}

// TestKill9LosesNothingAcknowledged streams events and bulk-ingests
// concurrently into the real binary, kills it with SIGKILL at random
// moments, restarts it, and checks that every acknowledged event is there
// with its latest acknowledged version and that search agrees.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real processes")
	}
	data := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[string]ack{}
	var mu sync.Mutex
	for round := 0; round < 4; round++ {
		cmd, url := startProcess(t, data)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					// New rows and newer versions of earlier rows.
					var lines []string
					type sent struct {
						id string
						a  ack
					}
					var batch []sent
					for i := 0; i < 5; i++ {
						id := fmt.Sprintf("K%d-%d-%d", round, w, n*5+i)
						if i == 4 && n > 0 {
							id = fmt.Sprintf("K%d-%d-%d", round, w, (n-1)*5)
						}
						ver := int64(round*1_000_000 + n*10 + i + 1)
						title := fmt.Sprintf("%s %s %s %s", crashWords[rng.IntN(len(crashWords))], crashWords[rng.IntN(len(crashWords))], crashWords[rng.IntN(len(crashWords))], id)
						lines = append(lines, fmt.Sprintf(`{"op":"upsert","id":%q,"version":%d,"fields":{"title":%q,"description":"durability test row","category":"Books","price":%d,"rating":4,"review_count":1,"added_at":"2026-11-01T00:00:00Z"}}`, id, ver, title, 5+rng.IntN(100)))
						batch = append(batch, sent{id, ack{ver, title}})
					}
					resp, err := client.Post(url+"/v1/events", "application/x-ndjson", strings.NewReader(strings.Join(lines, "\n")))
					if err != nil {
						return // killed
					}
					var body struct {
						Results []struct{ ID, Status string }
					}
					err = json.NewDecoder(resp.Body).Decode(&body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						continue
					}
					mu.Lock()
					for i, r := range body.Results {
						if r.Status == "applied" && acked[batch[i].id].version < batch[i].a.version {
							acked[batch[i].id] = batch[i].a
						}
					}
					mu.Unlock()
				}
			}(w)
		}
		// A bulk upload alongside the stream.
		wg.Add(1)
		go func() {
			defer wg.Done()
			var csv bytes.Buffer
			csv.WriteString("id,title,description,category,brand,price,rating,review_count,added_at\n")
			for i := 0; i < 2000; i++ {
				fmt.Fprintf(&csv, "B%d-%d,bulk row %d,bulk,Books,Acme,%d.99,4.0,1,2026-11-01T00:00:00Z\n", round, i, i, 1+i%500)
			}
			http.Post(url+"/v1/ingest?filename=bulk.csv", "text/csv", &csv)
		}()
		time.Sleep(time.Duration(300+rng.IntN(900)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		close(stop)
		wg.Wait()
		t.Logf("round %d: killed; %d acknowledged ids so far", round, len(acked))
	}
	if len(acked) == 0 {
		t.Fatal("no event was acknowledged: the test proved nothing")
	}
	cmd, url := startProcess(t, data)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	missing := 0
	for id, a := range acked {
		resp, err := http.Get(url + "/v1/documents/" + id)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Version int64
			Fields  map[string]any
		}
		json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			missing++
			t.Errorf("acknowledged %s (v%d) is missing after kill -9", id, a.version)
			continue
		}
		if doc.Version < a.version {
			t.Errorf("%s: version %d, acknowledged %d", id, doc.Version, a.version)
		}
		// A newer, unacknowledged version may have landed: search by
		// what is stored.
		acked[id] = ack{version: a.version, title: fmt.Sprint(doc.Fields["title"])}
	}
	// The index agrees with the documents: sampled titles find their rows.
	n := 0
	for id, a := range acked {
		if n == 15 {
			break
		}
		n++
		body := fmt.Sprintf(`{"text":%q,"weights":{"title":1,"description":0,"price":0,"rating":0,"recency":0},"limit":10}`, a.title)
		resp, err := http.Post(url+"/v1/search", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(raw), `"id":"`+id+`"`) {
			t.Errorf("search for %q does not find %s: %s", a.title, id, raw[:min(len(raw), 300)])
		}
	}
	t.Logf("%d acknowledged ids checked after 4 kill -9 rounds, %d missing", len(acked), missing)
}
