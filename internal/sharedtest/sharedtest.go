// Package sharedtest locates the read-only shared test data — the
// ../shared/datasets folder beside the repository (real Amazon product
// rows, BIGANN SIFT vectors) — for tests. A missing file skips the test
// with a message, except under CI=true, where it fails: CI always has it.
package sharedtest

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Root returns the shared datasets directory, whether or not it exists:
// $TESSERA_SHARED_DATASETS when set (a checkout without ../shared beside
// it, such as a git worktree), else ../shared/datasets beside the
// repository root.
func Root() string {
	if d := os.Getenv("TESSERA_SHARED_DATASETS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "datasets")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			// Nested modules (.ci/ferretdb) are not the repository root.
			if _, err := os.Stat(filepath.Join(d, "cmd", "tessera")); err == nil {
				return filepath.Join(filepath.Dir(d), "shared", "datasets")
			}
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "..", "shared", "datasets")
		}
	}
}

// Path returns the path of rel (e.g. "amazon-india/products.csv") under the
// shared datasets, skipping or failing t when it is absent.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(), rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared dataset %s is missing in CI: %v", p, err)
		}
		t.Skipf("shared dataset %s not present (it lives in ../shared beside the repository); skipping", p)
	}
	return p
}

// MongoURI returns the test MongoDB-protocol server's URI (MONGODB_URI,
// which .ci/test.sh sets after starting FerretDB) with a database of its
// own named from prefix and the time, skipping t without one, or failing
// it under CI=true.
func MongoURI(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv("MONGODB_URI")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MONGODB_URI is not set in CI: .ci/test.sh starts FerretDB and sets it")
		}
		t.Skip("MONGODB_URI not set; run via .ci/test.sh (starts FerretDB)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/%s_%d", prefix, time.Now().UnixNano())
	return u.String()
}
