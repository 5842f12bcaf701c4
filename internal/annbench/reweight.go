package annbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/internal/vec"
	"github.com/tessera-search/tessera/spaces"
)

// Weight classes: how a reweighted query weighs its spaces.
const (
	ClassDefault  = "default"  // the schema's weights
	ClassRandom   = "random"   // each space uniform in [−2, 5]
	ClassSingle   = "single"   // one space weighs 1, every other 0
	ClassNegative = "negative" // the schema's, one space in [−2, −0.5]
)

// Classes lists the weight classes in report order.
var Classes = []string{ClassDefault, ClassRandom, ClassSingle, ClassNegative}

// ReweightConfig sets up a reweighted-recall run over a collection.
type ReweightConfig struct {
	// Queries per class (and again per class with a filter); default 100.
	Queries int
	// K is the result count recall is measured at; default 10.
	K int
	// Ef is passed to every search; 0 lets the collection choose.
	Ef   int
	Seed int64
	// FilterFields are string-valued filter fields: each filtered query
	// keeps the rows whose value of one of them equals a random row's.
	// None: no filtered classes.
	FilterFields []string
}

// ClassResult is recall and speed for one weight class.
type ClassResult struct {
	Class    string  `json:"class"`
	Filtered bool    `json:"filtered"`
	Queries  int     `json:"queries"`
	Recall   float64 `json:"recall"`     // mean recall@K against exact search
	Worst    float64 `json:"min_recall"` // the worst query's
	Passing  float64 `json:"passing"`    // mean share of rows the filter passes
	QPS      float64 `json:"qps"`        // one thread
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
}

// ReweightReport is the result of Reweighted.
type ReweightReport struct {
	Rows    int           `json:"rows"`
	Dim     int           `json:"dim"`
	Spaces  int           `json:"spaces"`
	K       int           `json:"k"`
	Health  hnsw.Health   `json:"graph"`
	Classes []ClassResult `json:"classes"`
}

// reweightQuery is one encoded query with its filter.
type reweightQuery struct {
	vec     []float32
	weights []float64
	field   string // filter field ("" none) and value
	value   string
}

// Reweighted measures recall@K of coll's searches against an exact scan
// with the same query vector, for each weight class with and without a
// filter. Queries are encoded by enc from phrases of the stored rows' text
// fields and, for category spaces, a stored row's category, so they look
// like a user's. A returned row counts as correct when its exact score
// reaches the exact K-th best (duplicates tie, and any of them will do).
func Reweighted(ctx context.Context, enc *spaces.Encoder, coll *index.Collection, cfg ReweightConfig) (*ReweightReport, error) {
	if cfg.Queries <= 0 {
		cfg.Queries = 100
	}
	if cfg.K <= 0 {
		cfg.K = 10
	}
	coll.WaitIndexed(time.Minute)
	var (
		ids  []string
		docs []map[string]any
		flat []float32
	)
	dim := coll.Dim()
	coll.Each(func(r index.Record) bool {
		ids = append(ids, r.ID)
		docs = append(docs, r.Fields)
		flat = append(flat, r.Vector...)
		return true
	})
	if len(ids) == 0 {
		return nil, fmt.Errorf("reweighted recall: the collection is empty")
	}
	row := make(map[string]int, len(ids))
	for i, id := range ids {
		row[id] = i
	}
	rep := &ReweightReport{Rows: len(ids), Dim: dim, Spaces: len(enc.Segments()), K: cfg.K, Health: coll.GraphHealth()}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 1414))
	sch := enc.Schema()
	var textFields []string
	for _, sp := range sch.Spaces {
		if sp.Kind == spaces.KindText {
			textFields = append(textFields, sp.Field)
		}
	}
	scores := make([]float32, len(ids))
	for _, filtered := range []bool{false, true} {
		if filtered && len(cfg.FilterFields) == 0 {
			continue
		}
		for _, class := range Classes {
			qs, err := reweightQueries(ctx, rng, enc, docs, textFields, class, filtered, cfg)
			if err != nil {
				return nil, err
			}
			res := ClassResult{Class: class, Filtered: filtered, Queries: len(qs), Worst: 1}
			lat := make([]time.Duration, len(qs))
			var total time.Duration
			for qi, q := range qs {
				pass := func(i int) bool { return q.field == "" || docs[i][q.field] == q.value }
				opt := index.SearchOptions{Ef: cfg.Ef, Weights: q.weights}
				if q.field != "" {
					field, value := q.field, q.value
					opt.Select = func(cols index.Columns, sel *bitset.BitSet) {
						codes, dict := cols.Strings(field)
						c := slices.Index(dict, value)
						if c <= 0 {
							return
						}
						for s, x := range codes {
							if x == uint32(c) {
								sel.Set(uint(s))
							}
						}
					}
				}
				t := time.Now()
				hits, err := coll.Search(ctx, q.vec, cfg.K, opt)
				lat[qi] = time.Since(t)
				total += lat[qi]
				if err != nil {
					return nil, err
				}
				// Exact: every passing row scored with the same kernel.
				var top []float32
				passing := 0
				for i := range ids {
					if !pass(i) {
						scores[i] = float32(math.Inf(-1))
						continue
					}
					passing++
					scores[i] = vec.Dot(q.vec, flat[i*dim:(i+1)*dim])
					top = append(top, scores[i])
				}
				res.Passing += float64(passing) / float64(len(ids))
				slices.Sort(top)
				slices.Reverse(top)
				want := min(cfg.K, len(top))
				if want == 0 {
					continue
				}
				kth := top[want-1]
				tol := 1e-5 * max(1, float32(math.Abs(float64(kth))))
				good := 0
				for _, h := range hits {
					if i, ok := row[h.ID]; ok && pass(i) && scores[i] >= kth-tol {
						good++
					}
				}
				r := float64(min(good, want)) / float64(want)
				res.Recall += r
				res.Worst = min(res.Worst, r)
			}
			if n := float64(len(qs)); n > 0 {
				res.Recall /= n
				res.Passing /= n
				res.QPS = n / total.Seconds()
				slices.Sort(lat)
				res.P50us = us(lat[len(lat)/2])
				res.P99us = us(lat[min(len(lat)-1, len(lat)*99/100)])
			}
			rep.Classes = append(rep.Classes, res)
		}
	}
	return rep, nil
}

// reweightQueries encodes cfg.Queries queries of one class.
func reweightQueries(ctx context.Context, rng *rand.Rand, enc *spaces.Encoder, docs []map[string]any, textFields []string, class string, filtered bool, cfg ReweightConfig) ([]reweightQuery, error) {
	segs := enc.Segments()
	sch := enc.Schema()
	texts := queryTexts(rng, docs, textFields, cfg.Queries)
	var out []reweightQuery
	for tries := 0; len(out) < cfg.Queries && tries < 20*cfg.Queries; tries++ {
		q := spaces.Query{Weights: map[string]float64{}, Values: map[string]any{}}
		if len(texts) > 0 {
			q.Text = texts[len(out)%len(texts)]
		}
		for si, sp := range sch.Spaces {
			if sp.Kind == spaces.KindCategory && rng.IntN(2) == 0 {
				if v := categoryOf(docs[rng.IntN(len(docs))][sp.Field]); v != "" {
					q.Values[segs[si].Name] = v
				}
			}
		}
		switch class {
		case ClassRandom:
			for _, s := range segs {
				q.Weights[s.Name] = -2 + 7*rng.Float64()
			}
		case ClassSingle:
			one := rng.IntN(len(segs))
			for si, s := range segs {
				q.Weights[s.Name] = 0
				if si == one {
					q.Weights[s.Name] = 1
					if sch.Spaces[si].Kind == spaces.KindCategory {
						if v := categoryOf(docs[rng.IntN(len(docs))][sch.Spaces[si].Field]); v != "" {
							q.Values[s.Name] = v
						}
					}
				}
			}
		case ClassNegative:
			q.Weights[segs[rng.IntN(len(segs))].Name] = -0.5 - 1.5*rng.Float64()
		}
		qv, err := enc.EncodeQuery(ctx, q)
		if err != nil {
			return nil, err
		}
		active := false
		for _, w := range qv.Weights {
			active = active || w != 0
		}
		if !active {
			continue // e.g. a single category space with no value
		}
		rq := reweightQuery{vec: qv.Vector, weights: qv.Weights}
		if filtered {
			rq.field = cfg.FilterFields[rng.IntN(len(cfg.FilterFields))]
			rq.value, _ = docs[rng.IntN(len(docs))][rq.field].(string)
			if rq.value == "" {
				continue
			}
		}
		out = append(out, rq)
	}
	return out, nil
}

// categoryOf is a row's category value, the first of a list.
func categoryOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		if len(x) > 0 {
			return x[0]
		}
	case []any:
		if len(x) > 0 {
			s, _ := x[0].(string)
			return s
		}
	}
	return ""
}

// WriteText prints the report as a table, one row per class.
func (r *ReweightReport) WriteText(w io.Writer) error {
	h := r.Health
	fmt.Fprintf(w, "%d rows × %d dims in %d spaces; recall@%d against exact search with the same query vector\n", r.Rows, r.Dim, r.Spaces, r.K)
	fmt.Fprintf(w, "graph: layer-0 in-degree min %d p1 %d p50 %d p99 %d max %d, %d never linked to, %d unreachable; out-degree mean %.1f; %d duplicate vectors in %d groups\n\n",
		h.InDegreeMin, h.InDegreeP1, h.InDegreeP50, h.InDegreeP99, h.InDegreeMax, h.ZeroInDegree, h.Unreachable, h.OutDegreeMean, h.Duplicates, h.DuplicateGroups)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tfilter\tqueries\trecall@k\tworst\tpassing\tQPS (1 thread)\tp50 µs\tp99 µs\t")
	for _, c := range r.Classes {
		f := "-"
		if c.Filtered {
			f = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.4f\t%.2f\t%.0f%%\t%.0f\t%.0f\t%.0f\t\n", c.Class, f, c.Queries, c.Recall, c.Worst, 100*c.Passing, c.QPS, c.P50us, c.P99us)
	}
	return tw.Flush()
}
