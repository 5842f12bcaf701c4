// Command tessera is the Tessera server and its command-line tools:
//
//	tessera serve   [--config FILE] [--addr 127.0.0.1:8080] [--data DIR] [--schema FILE]
//	tessera config  [--config FILE] [--format yaml|json] [serve flags]
//	tessera ingest  --schema FILE --data DIR FILE...
//	tessera search  --data DIR [--weight space=w]... [--filter JSON] "text"
//	tessera bench   index|ingest|query|stream|load|relevance [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Tessera — multi-attribute vector search over tabular data.

Usage:
  tessera serve   [--config FILE] [--addr 127.0.0.1:8080] [--data DIR] [--schema FILE] [--api-keys K:read,K:write]
  tessera config  [--config FILE] [--format yaml|json] [serve flags]   (effective configuration, secrets masked)
  tessera ingest  [--schema FILE] --data DIR [--rejects FILE] FILE...
  tessera search  --data DIR [--weight space=w]... [--filter JSON] [--limit N] "text"
  tessera bench   index|ingest|query|stream|load|relevance [flags]
  tessera atlas-index [--store URI --create]   the Atlas Vector Search index definition

Run "tessera COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "tessera:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serveCmd(ctx, args[1:], stderr)
	case "init":
		return initCmd(ctx, args[1:], stdout, stderr)
	case "ingest":
		return ingestCmd(ctx, args[1:], stdout, stderr)
	case "search":
		return searchCmd(ctx, args[1:], stdout)
	case "atlas-index":
		return atlasIndexCmd(ctx, args[1:], stdout)
	case "bench":
		return benchCmd(ctx, args[1:], stdout)
	case "config":
		return configCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// defaultDataDir is where data lives when --data is not given.
func defaultDataDir() string {
	if d := os.Getenv("TESSERA_DATA"); d != "" {
		return d
	}
	return "tessera-data"
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("tessera search "usb cable" --limit 5") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
