package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/tessera-search/tessera/config"
	"github.com/tessera-search/tessera/ingest"
)

// sourceOpener opens a stream source from its URL. Each source registers
// its scheme from its own file (source_kafka.go, source_nats.go), so the
// source packages stay out of the core and out of each other.
type sourceOpener func(u *url.URL, logger *slog.Logger) (ingest.Source, error)

var sourceOpeners = map[string]sourceOpener{}

// openSources opens every --source URL, or says which one is wrong and why.
func openSources(urls []string, logger *slog.Logger) ([]ingest.Source, error) {
	var out []ingest.Source
	seen := map[string]bool{}
	for _, raw := range urls {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		shown := config.MaskURI(raw)
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("source %s: want scheme://host:port/name?options (%s)", shown, schemeList())
		}
		open, ok := sourceOpeners[u.Scheme]
		if !ok {
			return nil, fmt.Errorf("source %s: unknown scheme %q (%s)", shown, u.Scheme, schemeList())
		}
		src, err := open(u, logger)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", shown, err)
		}
		if seen[src.Name()] {
			return nil, fmt.Errorf("source %s: given twice", shown)
		}
		seen[src.Name()] = true
		out = append(out, src)
	}
	return out, nil
}

func schemeList() string {
	var s []string
	for k := range sourceOpeners {
		s = append(s, k+"://")
	}
	sort.Strings(s)
	if len(s) == 0 {
		return "this build has no stream sources"
	}
	return "sources: " + strings.Join(s, ", ")
}

// runSources runs each source until ctx ends; done is closed when all have
// returned. A source that fails for good is logged and reported in its
// stats; the server keeps serving.
func runSources(ctx context.Context, srcs []ingest.Source, stream *ingest.Stream, logger *slog.Logger) (done <-chan struct{}) {
	var wg sync.WaitGroup
	for _, src := range srcs {
		wg.Go(func() {
			logger.Info("stream source starting", "source", src.Name())
			if err := src.Run(ctx, stream); err != nil && ctx.Err() == nil {
				logger.Error("stream source stopped", "source", src.Name(), "err", err)
			}
		})
	}
	ch := make(chan struct{})
	go func() {
		wg.Wait()
		close(ch)
	}()
	return ch
}
