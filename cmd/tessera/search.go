package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	tessera "github.com/tessera-search/tessera"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tessera-search/tessera/query"
)

// weightFlags collects repeated --weight space=w flags.
type weightFlags map[string]float64

func (w weightFlags) String() string { return fmt.Sprint(map[string]float64(w)) }
func (w weightFlags) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want space=weight, got %q", s)
	}
	f, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return fmt.Errorf("weight for %s: %w", name, err)
	}
	w[name] = f
	return nil
}

func searchCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("search", stdout)
	data := fs.String("data", defaultDataDir(), "data directory")
	weights := weightFlags{}
	fs.Var(weights, "weight", "space=weight (repeatable)")
	filter := fs.String("filter", "", `filter JSON, e.g. {"price":{"lte":50}}`)
	nlq := fs.Bool("nl", false, "treat the text as a natural-language query")
	limit := fs.Int("limit", 10, "results")
	asJSON := fs.Bool("json", false, "print the JSON response")
	rank := fs.String("rank", "", `"relevance" (default: weights reorder what matches the text) or "linear" (Superlinked's plain mix)`)
	sortBy := fs.String("sort", "", `order the on-topic results by a filter field: FIELD or FIELD:desc`)
	words, err := fs.ParseInterspersed(args)
	if err != nil {
		return err
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	opts, err := withModels(tessera.Options{DataDir: *data, Holder: tessera.Holder{Command: "tessera search"}}, "")
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	a, err := tessera.Open(ctx, opts)
	if err != nil {
		var le *tessera.LockedError
		if errors.As(err, &le) && le.Holder.Addr != "" {
			return fmt.Errorf("search: %w; ask the server instead: curl -s %s/v1/search -d '{\"text\": \"…\"}'", err, le.Holder.Addr)
		}
		return fmt.Errorf("search: %w", err)
	}
	defer a.Close()
	if err := a.LoadDemo(ctx); err != nil {
		return err
	}
	req := query.Request{Weights: query.Weights(weights), Limit: *limit, Rank: *rank}
	if *sortBy != "" {
		field, order, _ := strings.Cut(*sortBy, ":")
		req.Sort = &query.Sort{Field: field, Order: order}
	}
	text := strings.Join(words, " ")
	if *nlq {
		req.Q = text
	} else {
		req.Text = text
	}
	if *filter != "" {
		if err := json.Unmarshal([]byte(*filter), &req.Filter); err != nil {
			return fmt.Errorf("--filter: %w", err)
		}
	}
	resp, err := a.Engine.Search(ctx, req)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(resp)
	}
	return printTable(stdout, a, resp)
}

// printTable shows results with one column per space's contribution.
func printTable(w io.Writer, a *tessera.DB, resp *query.Response) error {
	if resp.Interpreted != nil {
		fmt.Fprintf(w, "understood: %s\n", strings.Join(resp.Interpreted.Understood, "; "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	segs := a.Encoder.Segments()
	head := []string{"#", "score", "relevance"}
	for _, s := range segs {
		head = append(head, s.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\tid\t"+"title\t")
	titleField := titleField(a)
	divided := false
	for i, r := range resp.Results {
		if r.OnTopic != nil && !*r.OnTopic && !divided {
			fmt.Fprintln(tw, "\t\t-- less relevant --\t")
			divided = true
		}
		row := []string{strconv.Itoa(i + 1), fmt.Sprintf("%.4f", r.Score), fmt.Sprintf("%.2f", r.Relevance)}
		for _, s := range segs {
			row = append(row, fmt.Sprintf("%+.3f", r.Scores[s.Name]))
		}
		title := fmt.Sprint(r.Fields[titleField])
		if len([]rune(title)) > 60 {
			title = string([]rune(title)[:59]) + "…"
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t"+r.ID+"\t"+title+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d of %d matching in %.2f ms\n", len(resp.Results), resp.Total, resp.TookMS)
	return nil
}

// titleField picks the field to show: "title" or "name" if present, else
// the first text space's field.
func titleField(a *tessera.DB) string {
	for _, f := range []string{"title", "name", "product_name"} {
		if _, ok := a.Schema.Fields[f]; ok {
			return f
		}
	}
	for _, sp := range a.Schema.Spaces {
		if sp.Kind == "text" {
			return sp.Field
		}
	}
	return a.Schema.ID
}
