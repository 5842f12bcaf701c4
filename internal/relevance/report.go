package relevance

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/tessera-search/tessera/internal/datasets"
)

// DemoSource is the built-in demo catalogue with its schema and the
// embedded demo query set.
func DemoSource() Source {
	q, _ := BuiltinQueries("demo")
	return Source{Name: "demo", Schema: datasets.DemoSchema(), SchemaPath: "internal/datasets/demo/schema.yaml",
		File: "internal/datasets/demo/products.csv", Data: datasets.DemoCatalogue(), Queries: q}
}

// FileSource reads a schema and names a data file; queries is the query
// set's YAML.
func FileSource(name, schemaPath, file string, queries []byte) (Source, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return Source{}, fmt.Errorf("schema: %w", err)
	}
	if _, err := os.Stat(file); err != nil {
		return Source{}, fmt.Errorf("data file: %w", err)
	}
	return Source{Name: name, Schema: raw, SchemaPath: schemaPath, File: file, Queries: queries}, nil
}

// WriteTable prints a report as a table: each query's NDCG@10 for the
// three runs, then the means and margins.
func WriteTable(w io.Writer, r *SetReport) error {
	fmt.Fprintf(w, "set %s: %d queries over %d rows (schema %s, file %s, embedder %s, q parser %s)\n",
		r.Name, len(r.Queries), r.Rows, r.Schema, r.File, r.Embedder, r.Parser)
	if len(r.Request) > 0 {
		fmt.Fprintf(w, "every search starts from %s\n", r.Request)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "query\tintent\ton-topic\ttext\tweighted\tq\t")
	for _, q := range r.Queries {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t\n", q.ID, q.Intent, q.OnTopic, q.NDCG.Text, q.NDCG.Weighted, q.NDCG.Q)
	}
	fmt.Fprintf(tw, "mean\t\t\t%.3f\t%.3f\t%.3f\t\n", r.Mean.Text, r.Mean.Weighted, r.Mean.Q)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "weighted - text %+.3f, q - weighted %+.3f; weighted more than %.2f below its own text-only: %d of %d\n",
		r.WeightedMinusText, r.QMinusWeighted, WorseBy, r.WeightedWorse, len(r.Queries))
	return err
}
