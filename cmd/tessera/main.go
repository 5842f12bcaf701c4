// Command tessera is the Tessera server and its command-line tools:
//
//	tessera serve   [--config FILE] [--addr 127.0.0.1:8080] [--data DIR] [--schema FILE]
//	tessera config  [--config FILE] [--format yaml|json] [serve flags]
//	tessera ingest  [--data DIR] [--schema FILE] [--max-rejects N|P%] FILE...
//	tessera ingest  --server URL FILE...
//	tessera search  [--data DIR] [--weight space=w]... [--filter JSON] "text"
//	tessera plan    [--data DIR | --server URL] --schema NEW.yaml
//	tessera apply   [--data DIR | --server URL] --schema NEW.yaml --plan ID|--yes
//	tessera atlas-index [--store URI --create]
//	tessera version
//
// "tessera help COMMAND" or "tessera COMMAND -h" prints a command's flags
// and examples.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tessera-search/tessera/internal/cli"
)

func main() { cli.Main("tessera", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		writeUsage(stderr)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serveCmd(ctx, args[1:], stdout, stderr)
	case "init":
		return initCmd(ctx, args[1:], stdout, stderr)
	case "ingest":
		return ingestCmd(ctx, args[1:], stdout, stderr)
	case "search":
		return searchCmd(ctx, args[1:], stdout)
	case "plan":
		return planCmd(ctx, args[1:], stdout)
	case "apply":
		return applyCmd(ctx, args[1:], stdout, stderr)
	case "atlas-index":
		return atlasIndexCmd(ctx, args[1:], stdout)
	case "bench":
		// The benchmarks live in their own binary, so that the server
		// links none of their baselines (coder/hnsw).
		return fmt.Errorf("the benchmarks moved to their own command: run tessera-bench %s (go run ./cmd/tessera-bench in a checkout)", strings.Join(args[1:], " "))
	case "config":
		return configCmd(args[1:], stdout, stderr)
	case "version", "--version":
		return versionCmd(args[1:], stdout)
	case "help", "-h", "--help":
		if len(args) > 1 && args[1] != "help" {
			if _, ok := helps[strings.Join(args[1:], " ")]; !ok {
				return fmt.Errorf("help: unknown command %q", strings.Join(args[1:], " "))
			}
			return run(ctx, append(append([]string(nil), args[1:]...), "-h"), stdout, stderr)
		}
		if len(args) > 1 {
			writeHelp(stdout, "help", nil)
			return nil
		}
		writeUsage(stdout)
		return nil
	}
	writeUsage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// defaultDataDir is where data lives when --data is not given.
func defaultDataDir() string {
	if d := os.Getenv("TESSERA_DATA"); d != "" {
		return d
	}
	return "tessera-data"
}
