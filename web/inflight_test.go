package web_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
)

// TestSearchRequestIsInFlightWhileItIsRead checks that POST /v1/search
// marks its search in flight in the collection from the moment the
// handler starts, while the body is still being read, so the graph
// builder steps aside for the whole request (issue #18), and that the
// mark ends with the request.
func TestSearchRequestIsInFlightWhileItIsRead(t *testing.T) {
	s := startServer(t, tessera.Options{NoSync: true})
	coll := s.db.Collection
	body, send := io.Pipe()
	status := make(chan int, 1)
	go func() {
		resp, err := http.Post(s.url+"/v1/search", "application/json", body)
		if err != nil {
			t.Error(err)
			status <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	if _, err := send.Write([]byte(`{"text":"yoga`)); err != nil {
		t.Fatal(err)
	}
	// The handler is reading the rest of the body: the search is in flight.
	waitUntil(t, "the search request in flight", func() bool { return coll.SearchesInFlight() == 1 })
	send.Write([]byte(` mat","limit":3}`))
	send.Close()
	if code := <-status; code != http.StatusOK {
		t.Fatalf("search: status %d, want 200", code)
	}
	waitUntil(t, "no search in flight after the response", func() bool { return coll.SearchesInFlight() == 0 })
}

// waitUntil polls cond until it holds, failing t after a minute (a
// condition that never comes, not a timing).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(time.Millisecond)
	}
}
