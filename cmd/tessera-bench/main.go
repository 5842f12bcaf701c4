// Command tessera-bench measures Tessera: the HNSW index against a
// baseline, ingestion, queries, streaming, mixed load and relevance. It is
// a binary of its own so that the tessera server links none of the
// benchmarks' baselines and dataset readers.
//
//	tessera-bench index|ingest|query|stream|load|relevance|startup|scale [flags]
//
// "tessera-bench help NAME" or "tessera-bench NAME -h" prints a
// benchmark's flags and examples.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/config"
	"github.com/tessera-search/tessera/internal/cli"
	"github.com/tessera-search/tessera/spaces"
)

func main() { cli.Main("tessera-bench", run) }

// benchmarks lists the benchmarks in the order the usage shows them.
var benchmarks = []string{"index", "ingest", "query", "stream", "load", "relevance", "startup", "scale"}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		writeUsage(stderr)
		return errors.New("no benchmark (want index, ingest, query, stream, load, relevance, startup or scale)")
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 {
			if _, ok := helps[args[1]]; !ok {
				return fmt.Errorf("help: unknown benchmark %q", args[1])
			}
			return run(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		writeUsage(stdout)
		return nil
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
	case "startup":
		return benchStartupCmd(ctx, args[1:], stdout)
	case "scale":
		return benchScaleCmd(ctx, args[1:], stdout)
	}
	writeUsage(stderr)
	return fmt.Errorf("unknown benchmark %q (want index, ingest, query, stream, load, relevance, startup or scale)", args[0])
}

func writeUsage(w io.Writer) {
	cli.WriteUsage(w, "tessera-bench: measure Tessera's index, ingestion, queries, streaming, load and relevance.", "tessera-bench", benchmarks, helps)
}

// newFlags returns benchmark name's flag set (see cli.Flags).
func newFlags(name string, out io.Writer) *cli.Flags {
	return cli.NewFlags("tessera-bench", name, helps[name], out)
}

var helps = map[string]cli.Help{
	"scale": {
		Usage:    "scale --dir DIR [--rows 1000000] [--base-file CSV --schema YAML] [--queries 200] [--duration 10s] [--build-only] [flags]",
		Summary:  "the 1M-row targets: recall, HTTP p99, filtered p99, bytes/row",
		About:    `Builds DIR once (the demo catalogue or --base-file replicated to --rows rows with jittered numbers; reused while the shape matches) and reports, on one report: recall@10 of the index search against exact, index and HTTP latency with one client for the plain query mix and for filters passing about 10, 25 and 50 % of the rows, and memory per row, each against issue #14's targets.`,
		Examples: "tessera-bench scale --dir /tmp/tessera-1m --build-only\ntessera-bench scale --dir /tmp/tessera-1m",
	},
	"index": {
		Usage:    "index [--n N] [--dim D] [--ef 16,32,64] [--base FILE --queries-file FILE --truth FILE] [flags]",
		Summary:  "HNSW recall and speed",
		About:    `Builds Tessera's HNSW graph (and coder/hnsw as a baseline) over synthetic clustered vectors or .fvecs/.bvecs files and reports recall@10, QPS, latency, allocations, build rate, memory and save/load speed.`,
		Examples: "tessera-bench index --n 100000 --dim 386\ntessera-bench index --base ../shared/datasets/bigann10k/bigann10k_base.bvecs --rows 100:10000 \\\n    --queries-file ../shared/datasets/bigann10k/bigann10k_query.bvecs \\\n    --truth ../shared/datasets/bigann10k/bigann10k_heldout_groundtruth.ivecs --metric l2",
	},
	"ingest": {
		Usage:    "ingest [--rows N] [--file CSV --schema FILE] [--nosync] [flags]",
		Summary:  "ingestion stages and end to end",
		About:    `Scales a CSV file up by repeating it with new ids, times each pipeline stage alone (parse, clean, encode, commit), then the whole pipeline into a fresh data directory.`,
		Examples: "tessera-bench ingest\ntessera-bench ingest --nosync --rows 20000\ntessera-bench ingest --file ../shared/datasets/amazon-india/products.csv --schema examples/amazon-products.schema.yaml --json",
	},
	"query": {
		Usage:    "query [--n 10000,100000] [--duration D] [--concurrency N] [flags]",
		Summary:  "search latency",
		About:    `Builds collections of each size and measures searches in process and through HTTP on loopback.`,
		Examples: "tessera-bench query --n 10000 --duration 3s",
	},
	"stream": {
		Usage:    "stream [--rate N] [--search-rate N] [--duration D] [--source kafka://…] [flags]",
		Summary:  "stream freshness",
		About:    `Streams events at a fixed rate into a loopback server, searches alongside, and reports receipt-to-searchable freshness and search latency.`,
		Examples: "tessera-bench stream --rate 1000 --search-rate 200\ntessera-bench stream --source kafka://kfake/bench --backlog 100000 --rate 1000",
	},
	"load": {
		Usage:    "load [--duration D] [--concurrency N] [--events-per-s N] [flags]",
		Summary:  "mixed load on a loopback server",
		About:    `Runs a loopback server and keep-alive clients doing searches with varied text, weights and filters plus stream events, and reports throughput, errors and latency percentiles.`,
		Examples: "tessera-bench load --duration 30s --concurrency 16",
	},
	"relevance": {
		Usage:    "relevance [--set amazon|demo|all] [--queries FILE] [flags]",
		Summary:  "NDCG@10 on judged queries",
		About:    `Runs the judged query sets through the real engine and scores each with NDCG@10.`,
		Examples: "tessera-bench relevance --set demo\ntessera-bench relevance --set amazon --explain all",
	},
	"startup": {
		Usage:    "startup [--rows N] [--dim D] [--wal-rows K] [--dir DIR] [flags]",
		Summary:  "restart: open to ready",
		About:    `Builds a collection of synthetic documents once (reused from --dir), then times opening it to answering searches after a clean stop and after a crash that left K rows in the write-ahead log, and checks that start-up writes nothing to the log.`,
		Examples: "tessera-bench startup --rows 100000\ntessera-bench startup --rows 1000000 --dir /tmp/startup-1m --rounds 1",
	},
}

// newEmbedder builds the text embedder kind (else the embedder setting,
// TESSERA_EMBEDDER, else builtin), configured from the environment
// (config.Models).
func newEmbedder(kind string) (spaces.Embedder, error) {
	m, err := config.Models(nil)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		kind = m.Embedder
	}
	return tessera.NewEmbedder(kind, m.OpenAI())
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
