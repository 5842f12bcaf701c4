package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestServerOwnsItsDataDirectory runs the real binary: while `tessera
// serve` holds a data directory, `tessera ingest` on it fails naming the
// server's pid and address; `ingest --server` goes through the server;
// once the server has stopped, a local ingest works.
func TestServerOwnsItsDataDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts real processes")
	}
	bin := tesseraBinary(t)
	data := t.TempDir()
	srv, url := startProcess(t, data)
	stopped := false
	defer func() {
		if !stopped {
			srv.Process.Kill()
			srv.Wait()
		}
	}()
	src := writeCSV(t, shelfRow("OWN-1", "10"), shelfRow("OWN-2", "12"))
	ingestRun := func(args ...string) (string, string, error) {
		cmd := exec.Command(bin, append([]string{"ingest"}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	_, stderr, err := ingestRun("--data", data, src)
	if err == nil {
		t.Fatal("ingest into a served data directory succeeded")
	}
	for _, want := range []string{fmt.Sprintf("pid %d", srv.Process.Pid), "tessera serve", "serving " + url, "tessera ingest --server " + url} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error does not mention %q:\n%s", want, stderr)
		}
	}

	stdout, stderr, err := ingestRun("--server", url, src)
	if err != nil {
		t.Fatalf("ingest --server: %v\n%s%s", err, stdout, stderr)
	}
	if m := summaryLine.FindStringSubmatch(stdout); m == nil || strings.Join(m[1:], " ") != "shelves.csv 2 2 0 0 2 0 0" {
		t.Fatalf("ingest --server summary:\n%s", stdout)
	}

	if err := srv.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exit: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("server did not stop in 60s")
	}
	stopped = true

	// The server is gone: the directory is free, and its rows are there.
	stdout, stderr, err = ingestRun("--data", data, src)
	if err != nil {
		t.Fatalf("ingest after the server stopped: %v\n%s%s", err, stdout, stderr)
	}
	if m := summaryLine.FindStringSubmatch(stdout); m == nil || m[8] != "2" {
		t.Fatalf("local ingest after the server: %s", stdout)
	}
}
