// Command ferretdb runs an embedded FerretDB v1 server (MongoDB wire protocol
// over SQLite) for Tessera's integration tests, because no mongod can be
// installed in CI. It serves until SIGINT or SIGTERM.
//
// Usage:
//
//	ferretdb --listen 127.0.0.1:0 --dir /tmp/ferretdb-data --uri-file /tmp/ferretdb.uri
//
// With port 0 the kernel picks a free port; --uri-file then tells the caller
// which one, written only once the socket is listening (so there is no window
// in which another process can take the port).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on; port 0 picks a free port")
	dir := flag.String("dir", "", "directory for the SQLite data files (created if missing)")
	uriFile := flag.String("uri-file", "", "if set, write the server's mongodb:// URI here once it listens")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	synchronous := flag.String("synchronous", "off", "SQLite synchronous pragma: off, normal or full")
	flag.Parse()

	if err := run(*listen, *dir, *uriFile, *logLevel, *synchronous); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, dir, uriFile, logLevel, synchronous string) error {
	if dir == "" {
		return errors.New("--dir is required")
	}
	switch synchronous {
	case "off", "normal", "full":
	default:
		return fmt.Errorf("--synchronous %q: want off, normal or full", synchronous)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: %w", logLevel, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("data dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The SQLite handler wants a file: URI naming a directory, with a trailing
	// slash. Test data is thrown away, so by default SQLite does not flush
	// each commit to disk: on a real disk every update statement would
	// otherwise wait for one.
	sqliteURL := (&url.URL{
		Scheme:   "file",
		Opaque:   filepath.ToSlash(abs) + "/",
		RawQuery: url.Values{"_pragma": {"synchronous(" + synchronous + ")"}}.Encode(),
	}).String()

	// New binds the listening socket; Run only starts accepting. Connections
	// made in between wait in the kernel's backlog, so the URI is usable as
	// soon as it is written.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fmt.Errorf("start FerretDB on %s: %w", listen, err)
	}
	uri := f.MongoDBURI()
	if uriFile != "" {
		if err := writeFileAtomic(uriFile, []byte(uri+"\n")); err != nil {
			return fmt.Errorf("write URI file: %w", err)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Info("serving", "uri", uri, "dir", abs)
	if err := f.Run(ctx); err != nil {
		return fmt.Errorf("run FerretDB: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file and renames it over path so
// that a reader polling for path never sees a partial URI.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
