package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tessera-search/tessera/config"
	"github.com/tessera-search/tessera/internal/relevance"
)

// benchRelevanceCmd runs `tessera-bench relevance`: the judged query sets
// through the real engine, three runs each, scored with NDCG@10 (see
// package bench/relevance for the judging rule).
func benchRelevanceCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("relevance", stdout)
	set := fs.String("set", "all", "built-in query set: amazon, demo or all")
	schemaPath := fs.String("schema", "", "schema of --file (default for --set amazon: examples/amazon-products.schema.yaml in the repository)")
	file := fs.String("file", "", "data file to judge (default for --set amazon: ../shared/datasets/amazon-india/products.csv beside the repository)")
	queries := fs.String("queries", "", "query set YAML to run instead of the built-in sets (with --schema and --file; without them, over the demo catalogue)")
	embedder := fs.String("embedder", "", "text embedder: builtin (default) or openai")
	asJSON := fs.Bool("json", false, "print JSON")
	explain := fs.String("explain", "", "also print each run's top 10 with grades for this query id (or all)")
	request := fs.String("request", "", `JSON object of search request fields every run starts from, e.g. '{"rank":"linear"}'`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench relevance: unexpected argument %q", fs.Arg(0))
	}
	sources, err := relevanceSources(*set, *schemaPath, *file, *queries, stdout)
	if err != nil {
		return fmt.Errorf("bench relevance: %w", err)
	}
	models, err := config.Models(nil)
	if err != nil {
		return fmt.Errorf("bench relevance: %w", err)
	}
	if *embedder == "" {
		*embedder = models.Embedder
	}
	var reports []*relevance.SetReport
	for _, src := range sources {
		rep, err := relevance.Run(ctx, src, relevance.Options{Embedder: *embedder, OpenAI: models.OpenAI(), LLM: models.LLM(), Explain: explainTo(*explain, stdout), ExplainQuery: *explain,
			Request: json.RawMessage(*request)})
		if err != nil {
			return fmt.Errorf("bench relevance: set %s: %w", src.Name, err)
		}
		reports = append(reports, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"k": relevance.K, "worse_by": relevance.WorseBy, "sets": reports})
	}
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := relevance.WriteTable(stdout, rep); err != nil {
			return err
		}
	}
	return nil
}

// relevanceSources resolves the flags into the sets to run.
func relevanceSources(set, schemaPath, file, queries string, stdout io.Writer) ([]relevance.Source, error) {
	if queries != "" {
		raw, err := os.ReadFile(queries)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(queries), filepath.Ext(queries))
		if schemaPath == "" && file == "" {
			src := relevance.DemoSource()
			src.Name, src.Queries = name, raw
			return []relevance.Source{src}, nil
		}
		if schemaPath == "" || file == "" {
			return nil, errors.New("--queries over your own data needs both --schema and --file")
		}
		src, err := relevance.FileSource(name, schemaPath, file, raw)
		return []relevance.Source{src}, err
	}
	var names []string
	switch set {
	case "all":
		names = relevance.BuiltinSets
	case "amazon", "demo":
		names = []string{set}
	default:
		return nil, fmt.Errorf("--set %q: want amazon, demo or all", set)
	}
	if (schemaPath != "" || file != "") && set == "demo" {
		return nil, errors.New("--schema and --file go with the amazon set or --queries, not --set demo")
	}
	var out []relevance.Source
	for _, n := range names {
		if n == "demo" {
			out = append(out, relevance.DemoSource())
			continue
		}
		s, f := schemaPath, file
		root := repoRoot()
		if s == "" {
			s = filepath.Join(root, "examples", "amazon-products.schema.yaml")
		}
		if f == "" {
			f = filepath.Join(filepath.Dir(root), "shared", "datasets", "amazon-india", "products.csv")
		}
		q, _ := relevance.BuiltinQueries("amazon")
		src, err := relevance.FileSource("amazon", s, f, q)
		if err != nil {
			if set == "all" {
				fmt.Fprintf(stdout, "skipping set amazon: %v (run from the repository with ../shared beside it, or use --set amazon --schema S --file F)\n\n", err)
				continue
			}
			return nil, fmt.Errorf("set amazon: %w", err)
		}
		out = append(out, src)
	}
	return out, nil
}

// repoRoot is the Tessera checkout holding the working directory (the
// nearest parent with go.mod and cmd/tessera), else the working directory.
func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "cmd", "tessera")); err == nil {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return wd
		}
	}
}

func explainTo(q string, w io.Writer) io.Writer {
	if q == "" {
		return nil
	}
	return w
}
