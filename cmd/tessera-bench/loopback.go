package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/web"
)

// loopbackServer is a real Tessera HTTP server on a free loopback port,
// for the benchmarks that measure through HTTP. Load generators only ever
// aim at it.
type loopbackServer struct {
	URL    string // http://127.0.0.1:PORT
	Stream *ingest.Stream
	stop   func()
}

// startLoopback serves db on 127.0.0.1 until Close.
func startLoopback(ctx context.Context, db *tessera.DB) (*loopbackServer, error) {
	work, cancel := context.WithCancel(ctx)
	stream := ingest.NewStream(work, db.Applier, ingest.StreamOptions{})
	jobs := ingest.NewJobs(db.Applier)
	srv := web.New(web.Config{Applier: db.Applier, Engine: db.Engine, Stream: stream, Jobs: jobs, Context: work,
		UploadDir: filepath.Join(db.DataDir, "uploads"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	go hs.Serve(ln)
	return &loopbackServer{URL: "http://" + ln.Addr().String(), Stream: stream, stop: func() {
		hs.Close()
		cancel()
		<-stream.Done()
		jobs.Wait()
	}}, nil
}

// Close stops the server, drains the apply queue and waits for jobs.
func (s *loopbackServer) Close() { s.stop() }

// demoServer opens the built-in demo catalogue in dir (fsync off when
// nosync) and serves it on loopback; close stops the server and closes the
// collection. The stream benchmarks share it.
func demoServer(ctx context.Context, dir string, nosync bool) (db *tessera.DB, lb *loopbackServer, close func(), err error) {
	emb, err := newEmbedder("")
	if err != nil {
		return nil, nil, nil, err
	}
	db, err = tessera.Open(ctx, tessera.Options{DataDir: dir, Embedder: emb, NoSync: nosync})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := db.LoadDemo(ctx); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	lb, err = startLoopback(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, lb, func() { lb.Close(); db.Close() }, nil
}
