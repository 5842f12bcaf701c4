package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// TestKillDuringStartup kills the real binary with SIGKILL at random
// moments of its start-up — while it reads the schema, replays the WAL,
// loads or writes snapshots and re-encodes recency parts — and checks that
// it always starts again with every row. Before the schema copy was
// written atomically (and only when changed), a kill in the first 250 ms
// could leave it empty and the directory refused to start ("schema: EOF").
func TestKillDuringStartup(t *testing.T) {
	rounds, checkEvery := 30, 10
	if testing.Short() {
		rounds, checkEvery = 3, 3
	}
	data := t.TempDir()
	began := time.Now()
	cmd, url := startProcess(t, data) // loads the demo catalogue
	startup := time.Since(began)
	want := statsRows(t, url)
	if want == 0 {
		t.Fatal("no rows after the first start")
	}
	cmd.Process.Kill()
	cmd.Wait()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := 1; round <= rounds; round++ {
		c := exec.Command(tesseraBinary(t), "serve", "--addr", "127.0.0.1:0", "--data", data)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		// Uniform over the start-up, weighted to its first 250 ms where
		// the schema copy used to be rewritten.
		d := time.Duration(rng.Int64N(int64(startup)))
		if round%2 == 0 {
			d = time.Duration(rng.IntN(250)) * time.Millisecond
		}
		time.Sleep(d)
		c.Process.Kill()
		c.Wait()
		if round%checkEvery == 0 || round == rounds {
			cmd, url := startProcess(t, data)
			got := statsRows(t, url)
			cmd.Process.Kill()
			cmd.Wait()
			if got != want {
				t.Fatalf("round %d: %d rows after kills during start-up, want %d", round, got, want)
			}
		}
	}
	t.Logf("%d kills during start-up (start-up %v): always started again with %d rows", rounds, startup.Round(time.Millisecond), want)
}

func statsRows(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Rows int `json:"rows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Rows
}
