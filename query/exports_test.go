package query

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// publicAPI is every exported name of package query, methods as
// Type.Method. The package is imported by the root, web, cmd and mongo;
// anything else it declares is unexported, so that a name here is one a
// caller uses or a deliberate part of the API (the request and response
// types, their limits and rank modes, Compile for filters, the parser and
// searcher interfaces). Before the exports audit it also held
// CachedEmbedder (with a Len nobody called), MinWeight, MaxWeight and
// Engine.Run (Search is Prepare then run; callers prepare, never run).
// Adding a name means adding it here, on purpose.
var publicAPI = []string{
	"AndFilters", "Compile", "Engine", "Engine.Encoder", "Engine.Prepare", "Engine.Search", "Engine.Searches", "Engine.Switch",
	"Engine.UseVectorSearcher", "Filter", "Filter.Match", "Filter.Select", "LexicalFields",
	"MaxLimit", "MergeWeights", "NewCachedEmbedder", "NewEngine", "NewParser", "Parser", "Prepared", "Prepared.IndexOptions",
	"RankLinear", "RankRelevance", "Request", "Response", "Result", "Sort", "VectorSearcher",
	"Weights", "Weights.UnmarshalJSON",
}

func TestPublicAPI(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					got = append(got, d.Name.Name)
					continue
				}
				typ := d.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				if id, ok := typ.(*ast.Ident); ok && id.IsExported() {
					got = append(got, id.Name+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							got = append(got, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								got = append(got, n.Name)
							}
						}
					}
				}
			}
		}
	}
	slices.Sort(got)
	want := slices.Clone(publicAPI)
	slices.Sort(want)
	for _, n := range got {
		if !slices.Contains(want, n) {
			t.Errorf("query exports %s, which is not in publicAPI: unexport it, or add it there if callers need it", n)
		}
	}
	for _, n := range want {
		if !slices.Contains(got, n) {
			t.Errorf("publicAPI lists %s, which query no longer exports", n)
		}
	}
}
