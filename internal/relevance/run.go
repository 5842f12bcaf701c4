package relevance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/spaces"
	"github.com/tessera-search/tessera/spaces/openai"
)

// Source is a catalogue to judge: a schema and a data file in any format
// `tessera ingest` reads.
type Source struct {
	// Name labels the set in reports ("amazon").
	Name string
	// Schema is the schema's YAML; SchemaPath names it in reports.
	Schema     []byte
	SchemaPath string
	// File is the data file; or Data holds its bytes, with File giving
	// the name (and so the format) it is ingested under.
	File string
	Data []byte
	// Queries is the query set's YAML.
	Queries []byte
}

// Options tune a run.
type Options struct {
	// Embedder is the text embedder kind ("builtin" when empty), OpenAI
	// configures the "openai" one, and LLM the q runs' chat model (none:
	// the offline parser).
	Embedder string
	OpenAI   openai.Config
	LLM      nl.LLMConfig
	// TempDir holds the data directory (os.MkdirTemp's default when empty).
	TempDir string
	// Explain, when set, receives each run's top 10 (grade, intent
	// attribute, title) for the queries whose id ExplainQuery matches
	// ("" or "all": every query).
	Explain      io.Writer
	ExplainQuery string
	// Request, a JSON object of query.Request fields, is the base of every
	// search (e.g. {"rank": "linear"} to compare ranking modes); each run
	// then sets limit, text, q and weights itself.
	Request json.RawMessage
}

// Scores are the NDCG@10 of the three runs.
type Scores struct {
	Text     float64 `json:"text"`
	Weighted float64 `json:"weighted"`
	Q        float64 `json:"q"`
}

// QueryResult is one query's outcome.
type QueryResult struct {
	ID      string `json:"id"`
	Topic   string `json:"topic"`
	Intent  string `json:"intent"`
	Q       string `json:"q"`
	OnTopic int    `json:"on_topic"`
	// NDCG is NDCG@10 of each run.
	NDCG Scores `json:"ndcg"`
	// Grades are the judged grades of each run's top 10, best first.
	Grades map[string][]int `json:"grades"`
}

// SetReport is one query set's outcome.
type SetReport struct {
	Name     string `json:"name"`
	Schema   string `json:"schema"`
	File     string `json:"file"`
	Rows     int    `json:"rows"`
	Embedder string `json:"embedder"`
	// Parser is who interpreted the q runs: offline or llm.
	Parser string `json:"parser"`
	// Request is Options.Request, when given.
	Request json.RawMessage `json:"request,omitempty"`
	Queries []QueryResult   `json:"queries"`
	Mean    Scores          `json:"mean"`
	// WeightedMinusText and QMinusWeighted are differences of the means.
	WeightedMinusText float64 `json:"weighted_minus_text"`
	QMinusWeighted    float64 `json:"q_minus_weighted"`
	// WeightedWorse counts queries whose weighted NDCG is more than
	// WorseBy below their own text-only NDCG.
	WeightedWorse int `json:"weighted_worse"`
}

// WorseBy is the drop from text-only to weighted that counts as worse.
const WorseBy = 0.10

// Run ingests src into a temporary data directory with the same code as
// `tessera ingest`, runs every query three ways and judges the results.
func Run(ctx context.Context, src Source, opt Options) (*SetReport, error) {
	qs, err := ParseQuerySet(src.Queries)
	if err != nil {
		return nil, err
	}
	if len(opt.Request) > 0 {
		// Unknown fields are errors: a typo must not pass as a comparison.
		dec := json.NewDecoder(bytes.NewReader(opt.Request))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&query.Request{}); err != nil {
			return nil, fmt.Errorf("request %s: %w", opt.Request, err)
		}
	}
	dir, err := os.MkdirTemp(opt.TempDir, "tessera-relevance-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	o := tessera.Options{DataDir: filepath.Join(dir, "data"), Schema: src.Schema, EmbedderKind: opt.Embedder, OpenAI: opt.OpenAI, LLM: opt.LLM, NoSync: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if qs.Now != "" {
		now, _ := time.Parse(time.RFC3339, qs.Now)
		o.Clock = func() time.Time { return now }
	}
	db, err := tessera.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := qs.ResolveIntents(db.Schema); err != nil {
		return nil, err
	}
	file := src.File
	if src.Data != nil {
		file = filepath.Join(dir, filepath.Base(src.File))
		if err := os.WriteFile(file, src.Data, 0o644); err != nil {
			return nil, err
		}
	}
	sum, err := db.Applier.IngestFile(ctx, file, ingest.BulkOptions{})
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", src.File, err)
	}
	if sum.Ingested == 0 {
		return nil, fmt.Errorf("ingest %s: no rows", src.File)
	}
	// Searches go to the finished graph, not to a graph still growing.
	if !db.Collection.WaitIndexed(10 * time.Minute) {
		return nil, errors.New("index not built after 10 minutes")
	}
	rows := collectRows(db, qs)
	byID := make(map[string]Row, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	rep := &SetReport{Name: src.Name, Schema: src.SchemaPath, File: src.File, Rows: len(rows), Embedder: opt.Embedder, Request: opt.Request}
	if rep.Embedder == "" {
		rep.Embedder = "builtin"
	}
	var few []string
	for _, q := range qs.Queries {
		in := qs.Intents[q.Intent]
		grades := Grades(rows, q, in)
		if len(grades) < MinOnTopic {
			few = append(few, fmt.Sprintf("%s (%d)", q.ID, len(grades)))
			continue
		}
		all := make([]int, 0, len(grades))
		for _, g := range grades {
			all = append(all, g)
		}
		res := QueryResult{ID: q.ID, Topic: q.Topic, Intent: q.Intent, Q: q.Q, OnTopic: len(grades), Grades: map[string][]int{}}
		for _, run := range []string{"text", "weighted", "q"} {
			var req query.Request
			if len(opt.Request) > 0 {
				_ = json.Unmarshal(opt.Request, &req) // checked above
			}
			req.Limit, req.Offset, req.Cursor = K, 0, ""
			switch run {
			case "text":
				req.Text, req.Q, req.Weights = q.Topic, "", offWeights(db.Schema, "", 0)
			case "weighted":
				req.Text, req.Q, req.Weights = q.Topic, "", offWeights(db.Schema, in.Space, in.Weight)
			case "q":
				req.Text, req.Q, req.Weights = "", q.Q, nil
			}
			resp, err := db.Engine.Search(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("query %s, %s run: %w", q.ID, run, err)
			}
			if run == "q" && resp.Interpreted != nil && rep.Parser == "" {
				rep.Parser = resp.Interpreted.Source
			}
			ranked := make([]int, len(resp.Results))
			for i, r := range resp.Results {
				ranked[i] = grades[r.ID]
			}
			res.Grades[run] = ranked
			if opt.Explain != nil && (opt.ExplainQuery == "" || opt.ExplainQuery == "all" || opt.ExplainQuery == q.ID) {
				explain(opt.Explain, q, run, in, resp, grades, byID)
			}
			ndcg := NDCG(ranked, all)
			switch run {
			case "text":
				res.NDCG.Text = ndcg
			case "weighted":
				res.NDCG.Weighted = ndcg
			case "q":
				res.NDCG.Q = ndcg
			}
		}
		rep.Queries = append(rep.Queries, res)
	}
	if len(few) > 0 {
		return nil, fmt.Errorf("query set %s: fewer than %d on-topic rows: %s", qs.Name, MinOnTopic, strings.Join(few, ", "))
	}
	rep.summarise()
	return rep, nil
}

// offWeights turns every non-text space off except space, at w.
func offWeights(s *spaces.Schema, space string, w float64) query.Weights {
	ws := query.Weights{}
	for _, sp := range s.Spaces {
		switch {
		case sp.Name == space:
			ws[sp.Name] = w
		case sp.Kind != spaces.KindText:
			ws[sp.Name] = 0
		}
	}
	return ws
}

// collectRows reads every document back as the judge sees it, in id order.
func collectRows(db *tessera.DB, qs *QuerySet) []Row {
	var rows []Row
	db.Collection.Each(func(r index.Record) bool {
		row := Row{ID: r.ID, Fields: r.Fields}
		row.Title, _ = r.Fields[qs.TitleField].(string)
		for _, f := range qs.CategoryFields {
			row.Categories = append(row.Categories, stringsOf(r.Fields[f])...)
		}
		rows = append(rows, row)
		return true
	})
	slices.SortFunc(rows, func(a, b Row) int { return strings.Compare(a.ID, b.ID) })
	return rows
}

func (r *SetReport) summarise() {
	n := float64(len(r.Queries))
	if n == 0 {
		return
	}
	r.Mean = Scores{}
	r.WeightedWorse = 0
	for _, q := range r.Queries {
		r.Mean.Text += q.NDCG.Text / n
		r.Mean.Weighted += q.NDCG.Weighted / n
		r.Mean.Q += q.NDCG.Q / n
		if q.NDCG.Weighted < q.NDCG.Text-WorseBy {
			r.WeightedWorse++
		}
	}
	r.WeightedMinusText = r.Mean.Weighted - r.Mean.Text
	r.QMinusWeighted = r.Mean.Q - r.Mean.Weighted
}

func explain(w io.Writer, q Query, run string, in IntentSpec, resp *query.Response, grades map[string]int, rows map[string]Row) {
	req := "text " + strconv.Quote(q.Topic)
	if run == "q" {
		req = "q " + strconv.Quote(q.Q)
	}
	fmt.Fprintf(w, "%s [%s] %s run, %s:\n", q.ID, q.Intent, run, req)
	if in := resp.Interpreted; in != nil {
		fmt.Fprintf(w, "    interpreted (%s): text %q, weights %v, filter %v\n", in.Source, in.Text, in.Weights, in.Filter)
	}
	for i, r := range resp.Results {
		val := "-"
		switch v := rows[r.ID].Fields[in.Field].(type) {
		case nil:
		case time.Time:
			val = v.UTC().Format(time.DateOnly)
		case float64:
			val = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			val = fmt.Sprint(v)
		}
		title := []rune(rows[r.ID].Title)
		if len(title) > 80 {
			title = append(title[:79], '…')
		}
		fmt.Fprintf(w, "  %2d  grade %d  %s=%s  score %.3f  %s\n", i+1, grades[r.ID], in.Field, val, r.Score, string(title))
	}
}
