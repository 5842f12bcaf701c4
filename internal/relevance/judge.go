// Package relevance is Tessera's judged relevance benchmark: a set of
// queries with attribute intents ("cheap power bank", "best rated
// smartwatch"), each with an on-topic predicate written by hand and
// independent of Tessera's ranking, run three ways through the real engine
// and scored with NDCG@10.
//
// # Query sets
//
// A query set is a YAML file (see queries_amazon.yaml, queries_demo.yaml):
//
//	name: amazon
//	now: 2026-11-01T00:00:00Z     # clock for recency spaces (optional)
//	intents:                      # optional: derived from the schema when absent
//	  cheap: {space: price, field: price, weight: 1, better: low}
//	queries:
//	  - id: powerbank-cheap
//	    topic: power bank         # the text of the text-only and weighted runs
//	    intent: cheap             # cheap | premium | best_rated | most_reviewed | newest
//	    q: cheap power bank       # the natural-language phrasing of the q run
//	    on_topic:
//	      category_any: [PowerBanks]      # equals a level of a category field
//	      title_any: ['\bpower ?bank']    # regexps (case-insensitive), one must match
//	      title_none: ['\bcase\b']        # none may match
//
// The conditions of on_topic that are given must all hold. category_any
// compares (case-insensitively) with every value of every category and
// category_list field of the schema (or the set's category_fields), so a
// level of an Amazon category path matches. Every query must have at least
// MinOnTopic on-topic rows.
//
// Intents name a number or recency space of the schema, its weight in the
// weighted run, the field the judge reads and which end of it is better.
// Without an intents section they are derived from the schema the way the
// offline natural-language parser reads it: the first minimum-mode number
// space gives cheap (weight 1, lower is better) and premium (weight -1,
// higher is better), the first maximum-mode number space gives best_rated,
// a recency space gives newest. most_reviewed must be declared.
//
// # Judging rule
//
// A row that fails the on-topic predicate has grade 0. The on-topic rows
// with a value in the intent's field are sorted best first (cheap: lowest
// price first; premium: highest price first; best_rated: highest rating
// first; most_reviewed: most reviews first; newest: latest first); with n
// of them, the row at 0-based position i has grade 3 when i < ⌈n/3⌉, 2
// when i < ⌈2n/3⌉, else 1, and rows with equal values share the grade of
// the first of them. On-topic rows without a value (an unrated product)
// have grade 1.
//
// NDCG@10 = DCG@10 / IDCG@10 with linear gain, DCG@10 = Σ_{i=1..10}
// grade_i / log2(i+1) over the engine's top 10, and IDCG@10 the DCG of the
// ten highest grades among all on-topic rows of the catalogue.
//
// # Runs
//
// Each query runs three times through Engine.Search (limit 10):
//
//   - text: text = topic, every non-text space weighted 0;
//   - weighted: text = topic, the intent's space at its weight, every
//     other non-text space 0;
//   - q: q = the phrasing, no weights (the natural-language parser decides).
//
// Options.Request is the base of every search (say {"rank": "linear"} to
// compare ranking modes); each run then sets limit, text, q and weights.
// Runs are deterministic: recency uses the set's clock, the judge orders
// equal values by id, and searches wait for the index to be built.
//
// # Running it
//
//	tessera-bench relevance                     # both built-in sets (amazon needs ../shared)
//	tessera-bench relevance --set demo --json
//	tessera-bench relevance --set amazon --explain power-bank-cheap
//	tessera-bench relevance --schema S.yaml --file F.csv --queries Q.yaml   # any catalogue
//	go test ./bench/relevance                   # fails when a mean drops below its floor
package relevance

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tessera-search/tessera/spaces"
)

// K is the rank depth of NDCG.
const K = 10

// MinOnTopic is the fewest on-topic rows a query may have.
const MinOnTopic = 3

// Intents.
const (
	Cheap        = "cheap"
	Premium      = "premium"
	BestRated    = "best_rated"
	MostReviewed = "most_reviewed"
	Newest       = "newest"
)

//go:embed queries_amazon.yaml
var queriesAmazon []byte

//go:embed queries_demo.yaml
var queriesDemo []byte

// BuiltinSets are the names of the query sets embedded in the package.
var BuiltinSets = []string{"amazon", "demo"}

// BuiltinQueries returns the YAML of an embedded query set.
func BuiltinQueries(name string) ([]byte, error) {
	switch name {
	case "amazon":
		return bytes.Clone(queriesAmazon), nil
	case "demo":
		return bytes.Clone(queriesDemo), nil
	}
	return nil, fmt.Errorf("relevance: no built-in query set %q (want amazon or demo)", name)
}

// IntentSpec says how an intent is searched and judged.
type IntentSpec struct {
	// Space is weighted in the weighted run, at Weight.
	Space  string  `yaml:"space" json:"space"`
	Weight float64 `yaml:"weight" json:"weight"`
	// Field is the document field the judge grades by; Better is "low" or
	// "high".
	Field  string `yaml:"field" json:"field"`
	Better string `yaml:"better" json:"better"`
}

// Predicate decides whether a row is on topic.
type Predicate struct {
	CategoryAny []string `yaml:"category_any" json:"category_any,omitempty"`
	TitleAny    []string `yaml:"title_any" json:"title_any,omitempty"`
	TitleNone   []string `yaml:"title_none" json:"title_none,omitempty"`

	titleAny, titleNone []*regexp.Regexp
	categories          map[string]bool
}

// Query is one judged query.
type Query struct {
	ID      string    `yaml:"id" json:"id"`
	Topic   string    `yaml:"topic" json:"topic"`
	Intent  string    `yaml:"intent" json:"intent"`
	Q       string    `yaml:"q" json:"q"`
	OnTopic Predicate `yaml:"on_topic" json:"on_topic"`
}

// QuerySet is a parsed query file.
type QuerySet struct {
	Name string `yaml:"name"`
	// Now is the clock of recency spaces (RFC 3339), so runs repeat.
	Now string `yaml:"now"`
	// TitleField is the field title_any and title_none read ("title").
	TitleField string `yaml:"title_field"`
	// CategoryFields are the fields category_any reads (default: every
	// category and category_list field).
	CategoryFields []string              `yaml:"category_fields"`
	Intents        map[string]IntentSpec `yaml:"intents"`
	Queries        []Query               `yaml:"queries"`
}

// ParseQuerySet reads a query file; unknown keys are errors.
func ParseQuerySet(raw []byte) (*QuerySet, error) {
	var qs QuerySet
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&qs); err != nil {
		return nil, fmt.Errorf("query set: %w", err)
	}
	if len(qs.Queries) == 0 {
		return nil, errors.New("query set: no queries")
	}
	if qs.TitleField == "" {
		qs.TitleField = "title"
	}
	if qs.Now != "" {
		if _, err := time.Parse(time.RFC3339, qs.Now); err != nil {
			return nil, fmt.Errorf("query set: now: %w", err)
		}
	}
	seen := map[string]bool{}
	for i := range qs.Queries {
		q := &qs.Queries[i]
		at := fmt.Sprintf("query set: queries[%d] (%s)", i, q.ID)
		switch {
		case q.ID == "":
			return nil, fmt.Errorf("%s: no id", at)
		case seen[q.ID]:
			return nil, fmt.Errorf("%s: duplicate id", at)
		case q.Topic == "" || q.Q == "" || q.Intent == "":
			return nil, fmt.Errorf("%s: topic, intent and q are required", at)
		case len(q.OnTopic.CategoryAny)+len(q.OnTopic.TitleAny) == 0:
			return nil, fmt.Errorf("%s: on_topic needs category_any or title_any", at)
		}
		seen[q.ID] = true
		if err := q.OnTopic.compile(); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
	}
	return &qs, nil
}

func (p *Predicate) compile() error {
	comp := func(list []string) ([]*regexp.Regexp, error) {
		var out []*regexp.Regexp
		for _, s := range list {
			re, err := regexp.Compile("(?i)" + s)
			if err != nil {
				return nil, fmt.Errorf("on_topic: %w", err)
			}
			out = append(out, re)
		}
		return out, nil
	}
	var err error
	if p.titleAny, err = comp(p.TitleAny); err != nil {
		return err
	}
	if p.titleNone, err = comp(p.TitleNone); err != nil {
		return err
	}
	p.categories = map[string]bool{}
	for _, c := range p.CategoryAny {
		p.categories[strings.ToLower(c)] = true
	}
	return nil
}

// Row is what the judge sees of a document.
type Row struct {
	ID         string
	Title      string
	Categories []string // every category level, from every category field
	Fields     map[string]any
}

// Match reports whether a row is on topic.
func (p *Predicate) Match(r Row) bool {
	if p.categories == nil {
		if err := p.compile(); err != nil {
			return false
		}
	}
	if len(p.categories) > 0 {
		ok := false
		for _, c := range r.Categories {
			if p.categories[strings.ToLower(c)] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(p.titleAny) > 0 && !slices.ContainsFunc(p.titleAny, func(re *regexp.Regexp) bool { return re.MatchString(r.Title) }) {
		return false
	}
	return !slices.ContainsFunc(p.titleNone, func(re *regexp.Regexp) bool { return re.MatchString(r.Title) })
}

// ResolveIntents completes the set's intents from the schema and checks
// that every query's intent names a space the schema has.
func (qs *QuerySet) ResolveIntents(s *spaces.Schema) error {
	derived := map[string]IntentSpec{}
	var sawMin, sawMax bool
	for _, sp := range s.Spaces {
		switch {
		case sp.Kind == spaces.KindNumber && sp.Mode == "minimum" && !sawMin:
			sawMin = true
			derived[Cheap] = IntentSpec{Space: sp.Name, Field: sp.Field, Weight: 1, Better: "low"}
			derived[Premium] = IntentSpec{Space: sp.Name, Field: sp.Field, Weight: -1, Better: "high"}
		case sp.Kind == spaces.KindNumber && sp.Mode == "maximum" && !sawMax:
			sawMax = true
			derived[BestRated] = IntentSpec{Space: sp.Name, Field: sp.Field, Weight: 1, Better: "high"}
		case sp.Kind == spaces.KindRecency:
			if _, ok := derived[Newest]; !ok {
				derived[Newest] = IntentSpec{Space: sp.Name, Field: sp.Field, Weight: 1, Better: "high"}
			}
		}
	}
	if qs.Intents == nil {
		qs.Intents = map[string]IntentSpec{}
	}
	for k, v := range derived {
		if _, ok := qs.Intents[k]; !ok {
			qs.Intents[k] = v
		}
	}
	for name, in := range qs.Intents {
		if _, ok := s.Space(in.Space); !ok {
			return fmt.Errorf("query set: intent %s: schema %s has no space %q", name, s.Name, in.Space)
		}
		if _, ok := s.Fields[in.Field]; !ok {
			return fmt.Errorf("query set: intent %s: schema %s has no field %q", name, s.Name, in.Field)
		}
		if in.Better != "low" && in.Better != "high" {
			return fmt.Errorf("query set: intent %s: better must be low or high, not %q", name, in.Better)
		}
		if in.Weight == 0 {
			return fmt.Errorf("query set: intent %s: weight must not be 0", name)
		}
	}
	for _, q := range qs.Queries {
		if _, ok := qs.Intents[q.Intent]; !ok {
			return fmt.Errorf("query set: query %s: intent %q has no space in schema %s", q.ID, q.Intent, s.Name)
		}
	}
	if len(qs.CategoryFields) == 0 {
		for name, f := range s.Fields {
			if f.Type == spaces.TypeCategory || f.Type == spaces.TypeCategoryList {
				qs.CategoryFields = append(qs.CategoryFields, name)
			}
		}
		slices.Sort(qs.CategoryFields)
	}
	return nil
}

// Grades returns every row's grade for q under the judging rule (see the
// package documentation), keyed by id; off-topic rows are absent (grade 0).
func Grades(rows []Row, q Query, in IntentSpec) map[string]int {
	type valued struct {
		id string
		v  float64
	}
	grades := map[string]int{}
	var vals []valued
	for _, r := range rows {
		if !q.OnTopic.Match(r) {
			continue
		}
		if v, ok := Number(r.Fields[in.Field]); ok {
			vals = append(vals, valued{r.ID, v})
		} else {
			grades[r.ID] = 1
		}
	}
	// Best first; ids break ties only to make the order total.
	slices.SortFunc(vals, func(a, b valued) int {
		c := cmp.Compare(a.v, b.v)
		if in.Better == "high" {
			c = -c
		}
		if c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	n := len(vals)
	cut1, cut2 := (n+2)/3, (2*n+2)/3
	grade := 0
	for i, x := range vals {
		if i == 0 || x.v != vals[i-1].v {
			switch {
			case i < cut1:
				grade = 3
			case i < cut2:
				grade = 2
			default:
				grade = 1
			}
		}
		grades[x.id] = grade
	}
	return grades
}

// NDCG is DCG@K of ranked (the grades of the results, best first) over
// the DCG@K of the ideal ordering of all grades. It is 0 when no row is on
// topic.
func NDCG(ranked []int, all []int) float64 {
	ideal := slices.Clone(all)
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	idcg := DCG(ideal)
	if idcg == 0 {
		return 0
	}
	return DCG(ranked) / idcg
}

// DCG is Σ_{i=1..K} grade_i / log2(i+1) over the first K grades.
func DCG(grades []int) float64 {
	var s float64
	for i, g := range grades {
		if i == K {
			break
		}
		s += float64(g) / math.Log2(float64(i+2))
	}
	return s
}

// Number reads a document value as a number: numbers, times (Unix
// seconds) and numeric or RFC 3339 strings. Nil and anything else are not
// numbers.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case time.Time:
		return float64(x.UnixNano()) / 1e9, true
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return f, true
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return float64(t.UnixNano()) / 1e9, true
		}
	}
	return 0, false
}

// stringsOf flattens a category value: a string (split on "|"), or a list.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Split(x, "|")
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, stringsOf(e)...)
		}
		return out
	}
	return nil
}
