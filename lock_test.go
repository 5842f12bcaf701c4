package tessera_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
)

func TestOpenTakesTheDataDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: dir, NoSync: true,
		Holder: tessera.Holder{Command: "tessera serve", Addr: "http://127.0.0.1:8123"}})
	if err != nil {
		t.Fatal(err)
	}
	// A second Open in the same process is refused like another process's.
	_, err = tessera.Open(ctx, tessera.Options{DataDir: dir, NoSync: true})
	var le *tessera.LockedError
	if !errors.Is(err, tessera.ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if le.Holder.PID != os.Getpid() || le.Holder.Addr != "http://127.0.0.1:8123" {
		t.Fatalf("holder %+v", le.Holder)
	}
	for _, want := range []string{"pid ", "tessera serve", "serving http://127.0.0.1:8123"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = tessera.Open(ctx, tessera.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	db.Close()
}

func TestRequireSchemaWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	_, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir, RequireSchema: true})
	if !errors.Is(err, tessera.ErrNoSchema) || !strings.Contains(err.Error(), "--schema") {
		t.Fatalf("got %v, want ErrNoSchema naming --schema", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s was created (%v)", dir, err)
	}
}
