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

// Packages finds the importable packages of a tree and skips commands,
// internal/, testdata, test-only and hidden directories.
func TestPackages(t *testing.T) {
	root := t.TempDir()
	for path, src := range map[string]string{
		"root.go":             "package top\n",
		"lib/lib.go":          "package lib\n",
		"lib/sub/sub.go":      "package sub\n",
		"cmd/tool/main.go":    "package main\n",
		"internal/x/x.go":     "package x\n",
		"lib/internal/y/y.go": "package y\n",
		"lib/testdata/z.go":   "package z\n",
		"e2e/e2e_test.go":     "package e2e\n",
		".hidden/h.go":        "package h\n",
		"docs/notes.md":       "not go\n",
	} {
		full := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Packages(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".", "lib", "lib/sub"}
	if !slices.Equal(got, want) {
		t.Fatalf("Packages = %v, want %v", got, want)
	}
}
