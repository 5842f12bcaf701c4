package apitest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A package written to a temporary directory lists exactly its exported
// names: methods of exported types (pointer and generic receivers) as
// Type.Method, nothing unexported, nothing from test files.
func TestExports(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.go", `package p

type Box[T any] struct{ v T }

func (b *Box[T]) Get() T { return b.v }
func (b Box[T]) set()    {}

type hidden struct{}

func (hidden) Visible() {}

const Max, min = 1, 0

var ErrX error

func New() *Box[int] { return nil }
func helper()        {}
`)
	write("a_test.go", "package p\n\nfunc TestOnly() {}\n")
	got, err := Exports(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Box", "Box.Get", "ErrX", "Max", "New"}
	if !slices.Equal(got, want) {
		t.Fatalf("Exports = %v, want %v", got, want)
	}
}

// Check reports a name on either side of the list: an export the list
// lacks and a listed name the package no longer exports.
func TestCheckReportsBothDirections(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte("package p\n\nfunc A() {}\nfunc B() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	rec := &recorder{TB: t}
	Check(rec, []string{"A", "C"})
	if len(rec.errors) != 2 {
		t.Fatalf("Check reported %d problems, want 2 (B unlisted, C gone): %q", len(rec.errors), rec.errors)
	}
	rec = &recorder{TB: t}
	Check(rec, []string{"A", "B"})
	if len(rec.errors) != 0 {
		t.Fatalf("Check reported %q for a matching list", rec.errors)
	}
}

type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) { r.errors = append(r.errors, format) }
func (r *recorder) Helper()                           {}
