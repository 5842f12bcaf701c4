package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

func benchCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("bench: want index, ingest, query, stream, load or relevance (see tessera bench -h)")
	}
	switch args[0] {
	case "-h", "--help", "help":
		writeHelp(stdout, "bench", nil)
		return flag.ErrHelp
	case "index":
		return benchIndexCmd(ctx, args[1:], stdout)
	case "stream":
		return benchStreamCmd(ctx, args[1:], stdout)
	case "ingest":
		return benchIngestCmd(ctx, args[1:], stdout)
	case "query":
		return benchQueryCmd(ctx, args[1:], stdout)
	case "load":
		return benchLoadCmd(ctx, args[1:], stdout)
	case "relevance":
		return benchRelevanceCmd(ctx, args[1:], stdout)
	}
	return fmt.Errorf("bench: unknown benchmark %q (want index, ingest, query, stream, load or relevance)", args[0])
}

// startCPUProfile writes a CPU profile to path until stop is called; an
// empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
