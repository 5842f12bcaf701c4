// Package apitest pins a package's exported names, so that a new export is
// a deliberate change: each public package's exports_test.go lists its
// names and calls Check, which fails on a name missing from the list or
// listed but gone.
package apitest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Exports returns the exported names the non-test Go files in dir declare,
// sorted: funcs, types, consts and vars by name, methods of exported types
// as Type.Method. Struct fields and interface methods are left out: they
// change with their type, which is listed.
func Exports(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("apitest: %w", err)
		}
		for _, d := range f.Decls {
			names = append(names, declared(d)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func declared(d ast.Decl) []string {
	var names []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			return nil
		}
		if d.Recv == nil {
			return []string{d.Name.Name}
		}
		if recv := receiverName(d.Recv.List[0].Type); ast.IsExported(recv) {
			return []string{recv + "." + d.Name.Name}
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() {
					names = append(names, s.Name.Name)
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.IsExported() {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

// receiverName is T for a receiver T, *T, T[K] or *T[K].
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// Check fails t when the package in the test's working directory (its own
// directory under go test) exports a name want lacks, or want lists one it
// no longer exports.
func Check(t testing.TB, want []string) {
	t.Helper()
	got, err := Exports(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range got {
		if !slices.Contains(want, n) {
			t.Errorf("the package exports %s, which its public API list does not name: unexport it, or add it to the list if callers need it", n)
		}
	}
	for _, n := range want {
		if !slices.Contains(got, n) {
			t.Errorf("the public API list names %s, which the package no longer exports", n)
		}
	}
}
