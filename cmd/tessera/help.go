package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/tessera-search/tessera/internal/cli"
)

// commands lists the commands in the order `tessera help` shows them.
var commands = []string{"serve", "init", "ingest", "search", "plan", "apply", "config", "atlas-index", "version", "help"}

var helps = map[string]cli.Help{
	"serve": {
		Usage:   "serve [--config FILE] [--addr HOST:PORT] [--data DIR] [--schema FILE] [flags]",
		Summary: "run the HTTP API and the demo UI",
		About: `Serves the REST API (/v1/search, /v1/ingest, /v1/events, …), metrics and the demo UI.
On a data directory with no schema and none given, it serves the built-in demo
catalogue. The server owns its data directory: other commands that would write
to it are refused while it runs (send files to it with tessera ingest --server).
Settings come from flags > TESSERA_* environment > --config file > defaults.`,
		Examples: `tessera serve
tessera serve --data amazon --schema examples/amazon-products.schema.yaml
tessera serve --addr 0.0.0.0:8080 --api-keys "$READ_KEY:read,$WRITE_KEY:write"`,
	},
	"init": {
		Usage:   "init [--out FILE] [--sheet S] [--format F] [--sample N] [--name NAME] FILE",
		Summary: "propose a schema for a data file",
		About: `Reads the header and a sample of a CSV, TSV, Excel, NDJSON or JSON file and writes a
commented schema: field types and formats (money, rating, count, percent, dates with
their layout), categories with their top values, category paths, spec columns, an id
column, suggested spaces and filters. It ingests its own file with no rejects; review
it, then pass it to tessera ingest --schema.`,
		Examples: `tessera init ../shared/datasets/amazon-india/products.csv --out products.schema.yaml
tessera init --sheet products products.xlsx`,
	},
	"ingest": {
		Usage:   "ingest [--data DIR] [--schema FILE] [--max-rejects N|P%] FILE...\n  tessera ingest --server URL [--api-key KEY] FILE...",
		Summary: "load CSV, TSV, Excel, NDJSON or JSON files",
		About: `Cleans, encodes and commits every row of each file, and prints one line per file
that accounts for every row. A new data directory needs --schema (saved there, so
later runs need not repeat it). Rejected rows go to the rejects file; any reject
makes the command fail unless --max-rejects allows it. With --server the file is
uploaded to a running server, which ingests it into its own data directory.`,
		Examples: `tessera ingest --schema examples/amazon-raw.schema.yaml --data amazon raw_products.csv
tessera ingest --data amazon --sheet products --max-rejects 1% more-products.xlsx
tessera ingest --server http://127.0.0.1:8080 more-products.csv`,
	},
	"search": {
		Usage:   `search [--data DIR] [--weight SPACE=W]... [--filter JSON] [--limit N] "TEXT"`,
		Summary: "search a data directory from the command line",
		About: `Runs one search against the data directory and prints the results with each
space's share of the score. It opens the directory itself, so it cannot run while
a server holds it: query the server's /v1/search instead.`,
		Examples: `tessera search "wireless earbuds" --weight price=2 --weight rating=1
tessera search --data amazon --nl "usb c cable under 500 rated above 4"
tessera search --data amazon --filter '{"price":{"lte":500}}' --json "usb cable"`,
	},
	"plan": {
		Usage:   "plan [--data DIR | --server URL] --schema NEW.yaml [--json]",
		Summary: "show what changing to a new schema would change and cost",
		About: `Compares the new schema with the one the data directory was built with and lists
each change (+ add, ~ update, - remove) with its cost: weights and query templates
need no re-encode; filters, graph parameters and removed spaces rebuild the index from
stored vectors; a space's parameters or a new space re-encode that space only, from
stored field values; a field's cleaning, a new field or the id need the source rows
(re-ingest into a new data directory). With --server it asks a running server.`,
		Examples: `tessera plan --data amazon --schema new.schema.yaml
tessera plan --server http://127.0.0.1:8080 --schema new.schema.yaml`,
	},
	"apply": {
		Usage:   "apply [--data DIR | --server URL] --schema NEW.yaml (--plan ID | --yes)",
		Summary: "apply a new schema: switch to new vectors when they are complete",
		About: `Plans as tessera plan does and applies the plan named by --plan (refused if the
plan changed since) or, with --yes, the plan as it is now. Changes that need new
vectors build them beside the current index and switch atomically; a kill at any
point leaves the old schema and vectors or the new ones, never a mix. With --server
the running server applies it while it goes on answering searches and writes.`,
		Examples: `tessera apply --data amazon --schema new.schema.yaml --plan 3f2c9a1b7d0e4c55
tessera apply --server http://127.0.0.1:8080 --api-key "$WRITE_KEY" --schema new.schema.yaml --yes`,
	},
	"config": {
		Usage:   "config [--config FILE] [--format yaml|json] [serve flags]",
		Summary: "print the effective serve configuration, secrets masked",
		About: `Resolves the configuration exactly as tessera serve would and prints every
setting with where its value came from.`,
		Examples: `tessera config
TESSERA_ADDR=0.0.0.0:9000 tessera config --format json`,
	},
	"atlas-index": {
		Usage:    "atlas-index [--data DIR] [--schema FILE] [--store URI --create]",
		Summary:  "print (or create) the Atlas Vector Search index definition",
		About:    `Prints the index definition for the schema's vector and filter fields; with --create, creates it on the store's collection.`,
		Examples: "tessera atlas-index --schema examples/amazon-products.schema.yaml\ntessera atlas-index --store \"$ATLAS_URI\" --create",
	},
	"version": {
		Usage:    "version",
		Summary:  "print the module version and VCS revision",
		About:    `Prints the version this binary was built from: the module version (or (devel) for a build from a checkout), the VCS revision and time, and the Go version.`,
		Examples: "tessera version",
	},
	"help": {
		Usage:    "help [COMMAND]",
		Summary:  "show this list, or a command's help",
		Examples: "tessera help ingest\ntessera ingest -h",
	},
}

// writeUsage prints the command list.
func writeUsage(w io.Writer) {
	cli.WriteUsage(w, "Tessera: multi-attribute vector search over tabular data.", "tessera", commands, helps)
}

// writeHelp prints one command's help; fs may be nil for a command
// without flags.
func writeHelp(w io.Writer, name string, fs *flag.FlagSet) {
	cli.WriteHelp(w, "tessera", helps[name], fs)
}

// newFlags returns command name's flag set (see cli.Flags).
func newFlags(name string, out io.Writer) *cli.Flags {
	return cli.NewFlags("tessera", name, helps[name], out)
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
