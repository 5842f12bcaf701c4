package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
)

// helpText is what `tessera CMD -h` and `tessera help CMD` print around
// the command's flags, which are listed from the flag set itself so that
// the defaults shown are the ones in force.
type helpText struct {
	usage    string // after "tessera "
	summary  string // one line, for the command list
	about    string
	examples string
}

// commands lists the commands in the order `tessera help` shows them.
var commands = []string{"serve", "init", "ingest", "search", "config", "bench", "atlas-index", "version", "help"}

var helps = map[string]helpText{
	"serve": {
		usage:   "serve [--config FILE] [--addr HOST:PORT] [--data DIR] [--schema FILE] [flags]",
		summary: "run the HTTP API and the demo UI",
		about: `Serves the REST API (/v1/search, /v1/ingest, /v1/events, …), metrics and the demo UI.
On a data directory with no schema and none given, it serves the built-in demo
catalogue. The server owns its data directory: other commands that would write
to it are refused while it runs (send files to it with tessera ingest --server).
Settings come from flags > TESSERA_* environment > --config file > defaults.`,
		examples: `tessera serve
tessera serve --data amazon --schema examples/amazon-products.schema.yaml
tessera serve --addr 0.0.0.0:8080 --api-keys "$READ_KEY:read,$WRITE_KEY:write"`,
	},
	"init": {
		usage:   "init [--out FILE] [--sheet S] [--format F] [--sample N] [--name NAME] FILE",
		summary: "propose a schema for a data file",
		about: `Reads the header and a sample of a CSV, TSV, Excel, NDJSON or JSON file and writes a
commented schema: field types and formats (money, rating, count, percent, dates with
their layout), categories with their top values, category paths, spec columns, an id
column, suggested spaces and filters. It ingests its own file with no rejects; review
it, then pass it to tessera ingest --schema.`,
		examples: `tessera init ../shared/datasets/amazon-india/products.csv --out products.schema.yaml
tessera init --sheet products products.xlsx`,
	},
	"ingest": {
		usage:   "ingest [--data DIR] [--schema FILE] [--max-rejects N|P%] FILE...\n  tessera ingest --server URL [--api-key KEY] FILE...",
		summary: "load CSV, TSV, Excel, NDJSON or JSON files",
		about: `Cleans, encodes and commits every row of each file, and prints one line per file
that accounts for every row. A new data directory needs --schema (saved there, so
later runs need not repeat it). Rejected rows go to the rejects file; any reject
makes the command fail unless --max-rejects allows it. With --server the file is
uploaded to a running server, which ingests it into its own data directory.`,
		examples: `tessera ingest --schema examples/amazon-raw.schema.yaml --data amazon raw_products.csv
tessera ingest --data amazon --sheet products --max-rejects 1% more-products.xlsx
tessera ingest --server http://127.0.0.1:8080 more-products.csv`,
	},
	"search": {
		usage:   `search [--data DIR] [--weight SPACE=W]... [--filter JSON] [--limit N] "TEXT"`,
		summary: "search a data directory from the command line",
		about: `Runs one search against the data directory and prints the results with each
space's share of the score. It opens the directory itself, so it cannot run while
a server holds it: query the server's /v1/search instead.`,
		examples: `tessera search "wireless earbuds" --weight price=2 --weight rating=1
tessera search --data amazon --nl "usb c cable under 500 rated above 4"
tessera search --data amazon --filter '{"price":{"lte":500}}' --json "usb cable"`,
	},
	"config": {
		usage:   "config [--config FILE] [--format yaml|json] [serve flags]",
		summary: "print the effective serve configuration, secrets masked",
		about: `Resolves the configuration exactly as tessera serve would and prints every
setting with where its value came from.`,
		examples: `tessera config
TESSERA_ADDR=0.0.0.0:9000 tessera config --format json`,
	},
	"bench": {
		usage:   "bench index|ingest|query|stream|load|relevance [flags]",
		summary: "measure the index, ingestion, queries, streaming, load and relevance",
		about: `Benchmarks, each with its own flags (tessera bench NAME -h):

  index      HNSW recall, QPS, build rate and memory on synthetic or SIFT vectors
  ingest     each ingestion stage alone, then the pipeline end to end
  query      search latency in process and over HTTP on loopback
  stream     stream-event freshness under load, with searches alongside
  load       a loopback server under mixed search and event traffic
  relevance  NDCG@10 on judged query sets`,
		examples: `tessera bench index --n 100000 --dim 386
tessera bench ingest --rows 20000 --nosync
tessera bench stream --rate 1000 --search-rate 200`,
	},
	"bench index": {
		usage:    "bench index [--n N] [--dim D] [--ef 16,32,64] [--base FILE --queries-file FILE --truth FILE] [flags]",
		summary:  "HNSW recall and speed",
		about:    `Builds Tessera's HNSW graph (and coder/hnsw as a baseline) over synthetic clustered vectors or .fvecs/.bvecs files and reports recall@10, QPS, latency, allocations, build rate, memory and save/load speed.`,
		examples: "tessera bench index --n 100000 --dim 386\ntessera bench index --base ../shared/datasets/bigann10k/bigann10k_base.bvecs --rows 100:10000 \\\n    --queries-file ../shared/datasets/bigann10k/bigann10k_query.bvecs \\\n    --truth ../shared/datasets/bigann10k/bigann10k_heldout_groundtruth.ivecs --metric l2",
	},
	"bench ingest": {
		usage:    "bench ingest [--rows N] [--file CSV --schema FILE] [--nosync] [flags]",
		summary:  "ingestion stages and end to end",
		about:    `Scales a CSV file up by repeating it with new ids, times each pipeline stage alone (parse, clean, encode, commit), then the whole pipeline into a fresh data directory.`,
		examples: "tessera bench ingest\ntessera bench ingest --nosync --rows 20000\ntessera bench ingest --file ../shared/datasets/amazon-india/products.csv --schema examples/amazon-products.schema.yaml --json",
	},
	"bench query": {
		usage:    "bench query [--n 10000,100000] [--duration D] [--concurrency N] [flags]",
		summary:  "search latency",
		about:    `Builds collections of each size and measures searches in process and through HTTP on loopback.`,
		examples: "tessera bench query --n 10000 --duration 3s",
	},
	"bench stream": {
		usage:    "bench stream [--rate N] [--search-rate N] [--duration D] [flags]",
		summary:  "stream freshness",
		about:    `Streams events at a fixed rate into a loopback server, searches alongside, and reports receipt-to-searchable freshness and search latency.`,
		examples: "tessera bench stream --rate 1000 --search-rate 200",
	},
	"bench load": {
		usage:    "bench load [--duration D] [--concurrency N] [--events-per-s N] [flags]",
		summary:  "mixed load on a loopback server",
		about:    `Runs a loopback server and keep-alive clients doing searches with varied text, weights and filters plus stream events, and reports throughput, errors and latency percentiles.`,
		examples: "tessera bench load --duration 30s --concurrency 16",
	},
	"bench relevance": {
		usage:    "bench relevance [--set amazon|demo|all] [--queries FILE] [flags]",
		summary:  "NDCG@10 on judged queries",
		about:    `Runs the judged query sets through the real engine and scores each with NDCG@10.`,
		examples: "tessera bench relevance --set demo\ntessera bench relevance --set amazon --explain all",
	},
	"atlas-index": {
		usage:    "atlas-index [--data DIR] [--schema FILE] [--store URI --create]",
		summary:  "print (or create) the Atlas Vector Search index definition",
		about:    `Prints the index definition for the schema's vector and filter fields; with --create, creates it on the store's collection.`,
		examples: "tessera atlas-index --schema examples/amazon-products.schema.yaml\ntessera atlas-index --store \"$ATLAS_URI\" --create",
	},
	"version": {
		usage:    "version",
		summary:  "print the module version and VCS revision",
		about:    `Prints the version this binary was built from: the module version (or (devel) for a build from a checkout), the VCS revision and time, and the Go version.`,
		examples: "tessera version",
	},
	"help": {
		usage:    "help [COMMAND]",
		summary:  "show this list, or a command's help",
		examples: "tessera help ingest\ntessera bench -h",
	},
}

// writeUsage prints the command list.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "Tessera: multi-attribute vector search over tabular data.\n\nUsage:\n  tessera COMMAND [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", name, helps[name].summary)
	}
	tw.Flush()
	fmt.Fprint(w, "\nRun \"tessera help COMMAND\" or \"tessera COMMAND -h\" for a command's flags and examples.\n")
}

// writeHelp prints one command's help; fs may be nil for a command
// without flags.
func writeHelp(w io.Writer, name string, fs *flag.FlagSet) {
	h := helps[name]
	fmt.Fprintf(w, "Usage:\n  tessera %s\n", h.usage)
	if h.about != "" {
		fmt.Fprintf(w, "\n%s\n", h.about)
	}
	if fs != nil {
		var b strings.Builder
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fs.VisitAll(func(f *flag.Flag) {
			arg, usage := flag.UnquoteUsage(f)
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				arg = ""
			} else if !strings.Contains(f.Usage, "`") {
				arg = placeholder(f.Name, arg)
			}
			if arg != "" {
				arg = " " + arg
			}
			if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" && d != "map[]" && !strings.Contains(usage, "(default") {
				usage += " (default " + d + ")"
			}
			fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, arg, usage)
		})
		tw.Flush()
		if b.Len() > 0 {
			fmt.Fprintf(w, "\nFlags:\n%s", b.String())
		}
	}
	if h.examples != "" {
		fmt.Fprint(w, "\nExamples:\n")
		for _, line := range strings.Split(h.examples, "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

// placeholder names a flag's argument by what it holds rather than its Go
// type: --data DIR reads better than --data string.
func placeholder(name, typ string) string {
	switch typ {
	case "int", "uint", "int64", "uint64":
		return "N"
	case "float":
		return "X"
	case "duration":
		return "DURATION"
	}
	switch name {
	case "data", "export":
		return "DIR"
	case "schema", "file", "rejects", "out", "cpuprofile", "base", "base-file", "queries-file", "truth", "config":
		return "FILE"
	case "store":
		return "URI"
	case "server":
		return "URL"
	case "max-rejects":
		return "N|P%"
	case "addr":
		return "HOST:PORT"
	}
	parts := strings.Split(name, "-")
	return strings.ToUpper(parts[len(parts)-1])
}

// cmdFlags is a command's flag set: -h prints the command's help to out
// (not Go's flag dump), and a bad flag is an error that says where help is.
type cmdFlags struct {
	*flag.FlagSet
	name string
	out  io.Writer
}

func newFlags(name string, out io.Writer) *cmdFlags {
	fs := flag.NewFlagSet("tessera "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, name: name, out: out}
}

// Parse parses args and handles -h and errors as described on cmdFlags.
func (f *cmdFlags) Parse(args []string) error {
	return f.check(f.FlagSet.Parse(args))
}

func (f *cmdFlags) check(err error) error {
	switch {
	case errors.Is(err, flag.ErrHelp):
		writeHelp(f.out, f.name, f.FlagSet)
		return flag.ErrHelp
	case err != nil:
		return fmt.Errorf("%s: %w (see tessera %s -h)", f.name, err, f.name)
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("tessera search "usb cable" --limit 5") and returns the
// positional ones.
func (f *cmdFlags) parseInterspersed(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// versionCmd prints the module version, the VCS revision it was built
// from and the Go version.
func versionCmd(args []string, stdout io.Writer) error {
	fs := newFlags("version", stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionString())
	return nil
}

func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "tessera (no build information) " + runtime.Version()
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tessera %s", version)
	if bi.Main.Path != "" {
		fmt.Fprintf(&b, " (module %s)", bi.Main.Path)
	}
	if rev != "" {
		fmt.Fprintf(&b, "\nrevision %s", rev)
		if at != "" || modified != "" {
			fmt.Fprintf(&b, " (%s%s)", at, modified)
		}
	} else {
		b.WriteString("\nrevision unknown (built without VCS information)")
	}
	fmt.Fprintf(&b, "\n%s %s/%s", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
