package ingest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/index"
)

func TestJobIDsNeverRepeatAcrossRestarts(t *testing.T) {
	seen := map[string]bool{}
	// Each NewJobs is what a restarted server makes.
	for range 50 {
		j := NewJobs(nil)
		for range 3 {
			id := fmt.Sprintf("job-%s-%d", j.prefix, j.next.Add(1))
			if seen[id] {
				t.Fatalf("job id %s reused", id)
			}
			seen[id] = true
		}
	}
}

func TestJobErrorHasNoServerPaths(t *testing.T) {
	tmp := "/var/lib/tessera/uploads/upload-123456.csv"
	cases := map[error]string{
		fmt.Errorf("products.csv: read: %w", &os.PathError{Op: "open", Path: tmp, Err: os.ErrPermission}):                        "products.csv",
		fmt.Errorf("wal /var/lib/tessera/index/wal.log: bad (id a/b)"):                                                           "wal.log",
		fmt.Errorf("wal: write: %w: %w", index.ErrStorageFull, errors.New("write /data/index/wal.log: no space left on device")): "storage is full",
	}
	for err, want := range cases {
		got := jobError(err, tmp, "products.csv")
		if strings.Contains(got, "/var/") || strings.Contains(got, "/data/") || !strings.Contains(got, want) {
			t.Errorf("jobError(%v) = %q", err, got)
		}
	}
	if got := jobError(errors.New("row 3: id a/b is bad"), tmp, "x.csv"); !strings.Contains(got, "a/b") {
		t.Errorf("an id with a slash was mangled: %q", got)
	}
}
