package index

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/index/lexical"
)

// LabelsField is the lexical field that holds a row's category labels
// (Options.LabelFields, joined): a query word that names a category the row
// is in matches there even when the row's own text never says it.
const LabelsField = "\x00labels"

// newLexical returns an empty lexical index of the options' text fields
// and, when there are label fields, LabelsField, which also indexes its
// compounds' heads: a query saying "phone" names Smartphones.
func newLexical(opts Options) *lexical.Index {
	fields := append([]string(nil), opts.TextFields...)
	if len(opts.LabelFields) == 0 {
		return lexical.New(fields)
	}
	return lexical.New(append(fields, LabelsField), LabelsField)
}

// TextQuery asks the lexical index about one query text: each field in
// Fields is scored for every candidate, and the best matches of each
// field in Seek become candidates too.
type TextQuery struct {
	Text   string
	Fields []string
	Seek   []string
}

// Candidates is what SearchHybrid found.
type Candidates struct {
	// Hits come from the graph (nearest to the dense query) and from the
	// lexical index (best matches of each text query's fields), each once.
	// Hit.Lex holds the lexical scores, query by query and field by field.
	Hits []Hit
	// Passing is the number of live rows the filter lets through (every
	// live row without a filter), or -1 when a row-by-row Filter makes it
	// unknown.
	Passing int
}

// lexicalOf is the part of a document the lexical index reads: the text
// fields as they are, the label fields joined into LabelsField.
func (c *Collection) lexicalOf(fields map[string]any) map[string]any {
	doc := make(map[string]any, len(c.opts.TextFields)+1)
	for _, f := range c.opts.TextFields {
		if v, ok := fields[f]; ok {
			doc[f] = v
		}
	}
	var labels []any
	for _, f := range c.opts.LabelFields {
		switch v := fields[f].(type) {
		case nil:
		case []any:
			labels = append(labels, v...)
		case []string:
			for _, s := range v {
				labels = append(labels, s)
			}
		default:
			labels = append(labels, v)
		}
	}
	if len(labels) > 0 {
		doc[LabelsField] = labels
	}
	return doc
}

// setLexicalLocked re-indexes slot s when its indexed fields changed; c.mu
// must be held for writing. Unchanged text (a recency refresh, a price
// update) costs one comparison. analyzed, when not nil, is fields' text
// already analysed.
func (c *Collection) setLexicalLocked(s uint32, old, fields map[string]any, analyzed *lexical.Analyzed) {
	if c.lex == nil {
		return
	}
	if fields == nil {
		c.lex.Delete(s)
		return
	}
	if analyzed != nil {
		c.lex.SetAnalyzed(s, analyzed)
		return
	}
	if old != nil && c.sameText(old, fields) {
		return
	}
	c.lex.Set(s, c.lexicalOf(fields))
}

// lexicalBatch is a batch's lexical analysis, running in the background.
type lexicalBatch struct {
	done     chan struct{}
	analyzed []*lexical.Analyzed // by record; nil: not analysed
}

func (b *lexicalBatch) wait() {
	if b != nil {
		<-b.done
	}
}

// of is record i's analysis, nil when it has none; call after wait.
func (b *lexicalBatch) of(i int) *lexical.Analyzed {
	if b == nil {
		return nil
	}
	return b.analyzed[i]
}

// analyzeLexical starts analysing, on every core, the text of the records
// of a batch that change it (stale ones and deletes have none). A record
// whose text equals what its id holds now is left out; if an earlier record
// of the same batch changes that, applying falls back to Set.
// c.writeMu must be held.
func (c *Collection) analyzeLexical(recs []Record, out []Outcome) *lexicalBatch {
	if c.lex == nil {
		return nil
	}
	var todo []int
	b := &lexicalBatch{done: make(chan struct{}), analyzed: make([]*lexical.Analyzed, len(recs))}
	c.mu.RLock()
	for i, r := range recs {
		if out[i] == Stale || r.Deleted {
			continue
		}
		if s, ok := c.slots[r.ID]; ok && c.sameText(c.docs[s], r.Fields) {
			continue
		}
		if r.Text != nil {
			b.analyzed[i] = r.Text
			continue
		}
		todo = append(todo, i)
	}
	c.mu.RUnlock()
	go func() {
		c.analyzeAll(todo, func(i int) map[string]any { return recs[i].Fields }, b.analyzed)
		close(b.done)
	}()
	return b
}

// AnalyzeText analyses a document's lexical text for Record.Text, so that
// a caller encoding rows on several goroutines (bulk ingestion) does this
// part of indexing there too. Safe for concurrent use; nil without a
// lexical index.
func (c *Collection) AnalyzeText(fields map[string]any) *lexical.Analyzed {
	if c.lex == nil {
		return nil
	}
	return c.lex.Analyze(c.lexicalOf(fields))
}

// analyzeAll analyses the lexical text of fields(i) into out[i] for every i
// in todo, on every core, and returns when all are done.
func (c *Collection) analyzeAll(todo []int, fields func(i int) map[string]any, out []*lexical.Analyzed) {
	workers := min(runtime.GOMAXPROCS(0), (len(todo)+15)/16)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Go(func() {
			for {
				j := int(next.Add(1)) - 1
				if j >= len(todo) {
					return
				}
				i := todo[j]
				out[i] = c.lex.Analyze(c.lexicalOf(fields(i)))
			}
		})
	}
	wg.Wait()
}

// sameText says whether two versions of a document hold the same values in
// every field the lexical index reads.
func (c *Collection) sameText(a, b map[string]any) bool {
	for _, fields := range [][]string{c.opts.TextFields, c.opts.LabelFields} {
		for _, f := range fields {
			if !reflect.DeepEqual(a[f], b[f]) {
				return false
			}
		}
	}
	return true
}

// LexicalBytes estimates the lexical index's memory (0 when there is none).
func (c *Collection) LexicalBytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lex == nil {
		return 0
	}
	return c.lex.Bytes()
}

// DenseQuery is one nearest-neighbour query of a hybrid search: its vector
// and the per-segment weights it was built with (they widen the graph
// search for non-uniform weightings, see SearchOptions.Weights).
type DenseQuery struct {
	Vector  []float32
	Weights []float64
	// K is how many rows this query adds to the pool; 0 means k.
	K int
}

// Matched returns, for each id, the words of the texts found in its
// indexed fields (nil for an id not stored, or without a lexical index).
func (c *Collection) Matched(ids []string, texts []string) [][]string {
	out := make([][]string, len(ids))
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lex == nil {
		return out
	}
	queries := make([]*lexical.Query, len(texts))
	for i, t := range texts {
		queries[i] = c.lex.Prepare(t)
	}
	for i, id := range ids {
		s, ok := c.slots[id]
		if !ok {
			continue
		}
		for _, q := range queries {
			for _, w := range c.lex.Matched(q, s) {
				if !slices.Contains(out[i], w) {
					out[i] = append(out[i], w)
				}
			}
		}
	}
	return out
}

// HeldCore returns, for each id, how many of text's core words its field
// holds (lexical.Index.HeldCore; 0 for an id not stored), and how many
// core words text has.
func (c *Collection) HeldCore(ids []string, text, field string) (held []int, core int) {
	held = make([]int, len(ids))
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.lex == nil {
		return held, 0
	}
	q := c.lex.Prepare(text)
	for i, id := range ids {
		if s, ok := c.slots[id]; ok {
			held[i] = c.lex.HeldCore(q, s, field)
		}
	}
	return held, q.Core()
}

// SearchHybrid gathers a candidate pool: the k nearest rows to each dense
// query from the graph, and for each text query the k best lexical
// matches of each of its fields, all under one filter plan. Every candidate
// carries its vector, fields and lexical scores (Hit.Lex: for text query i
// and its field j, at i·len(Fields)+j in order) and the query words it
// contains are left to Matched, for the page shown. Hit.Score is the first dense query's score for
// the hits it found (they come first), 0 for the others. Without a lexical
// index the pool is the graph's hits, with no lexical scores.
//
// visit, when not nil, is called with each hit's index and vector under the
// collection's read lock (nil in the rare moment the graph is between a
// delete and a re-insert of the slot), and the hits carry no copy of their
// vectors: a caller that only scores them saves copying a few hundred
// vectors (187 → 64 KB allocated per search on the demo catalogue).
func (c *Collection) SearchHybrid(ctx context.Context, dense []DenseQuery, k int, texts []TextQuery, opt SearchOptions, visit func(i int, vec []float32)) (Candidates, error) {
	if err := ctx.Err(); err != nil {
		return Candidates{}, err
	}
	for _, d := range dense {
		if len(d.Vector) != c.dim {
			return Candidates{}, fmt.Errorf("index: query has %d dims, collection has %d", len(d.Vector), c.dim)
		}
	}
	if k <= 0 {
		return Candidates{}, nil
	}
	c.searches.begin()
	defer c.searches.end()
	c.rlockSearch()
	defer c.mu.RUnlock()
	plan := c.planLocked(opt)
	// The graph searches after the first run on other cores while this
	// goroutine seeks the lexical matches and runs the first: with one
	// client on two cores, a relevance search's in-process p99 at 100k
	// rows was 5.2 ms before and 4.1 ms after, in consecutive runs of
	// tessera-bench query (noisy: HTTP p99 moved 5.4 → 5.7 ms).
	// They only read, under this read lock.
	results := make([][]hnsw.Result, len(dense))
	search := func(i int) {
		o := opt
		o.Weights = dense[i].Weights
		dk := k
		if dense[i].K > 0 {
			dk = dense[i].K
		}
		results[i] = c.searchLocked(dense[i].Vector, dk, o, plan)
	}
	var wg sync.WaitGroup
	for i := 1; i < len(dense); i++ {
		wg.Go(func() { search(i) })
	}
	var queries []*lexical.Query
	var found [][]lexical.Hit
	nLex := 0
	if c.lex != nil {
		for _, t := range texts {
			lq := c.lex.Prepare(t.Text)
			queries = append(queries, lq)
			nLex += len(t.Fields)
			for _, f := range t.Seek {
				found = append(found, c.lex.Top(lq, f, k, plan.pass))
			}
		}
	}
	if len(dense) > 0 {
		search(0)
	}
	wg.Wait()
	slots := make([]uint32, 0, (len(dense)+1)*k)
	seen := make(map[uint32]bool, (len(dense)+1)*k)
	var first []hnsw.Result
	if len(results) > 0 {
		first = results[0]
	}
	for _, res := range results {
		for _, r := range res {
			if !seen[r.ID] {
				seen[r.ID] = true
				slots = append(slots, r.ID)
			}
		}
	}
	for _, hs := range found {
		for _, h := range hs {
			if !seen[h.Slot] {
				seen[h.Slot] = true
				slots = append(slots, h.Slot)
			}
		}
	}
	hits := make([]Hit, len(slots))
	var flat []float32
	if visit == nil {
		flat = make([]float32, len(slots)*c.dim)
	}
	lex := make([]float64, len(slots)*nLex)
	var inGraph []int // hits whose vectors the graph holds (visit only)
	for i, s := range slots {
		hits[i] = Hit{ID: c.ids[s], Fields: c.docs[s]}
		if visit != nil {
			if v, ok := c.pending[s]; ok {
				visit(i, v)
			} else {
				inGraph = append(inGraph, i)
			}
		} else {
			v := flat[i*c.dim : (i+1)*c.dim : (i+1)*c.dim]
			copy(v, c.vectorLocked(s))
			hits[i].Vector = v
		}
		if i < len(first) {
			hits[i].Score = first[i].Score
		}
		if nLex > 0 {
			hits[i].Lex = lex[i*nLex : (i+1)*nLex : (i+1)*nLex]
		}
	}
	if len(inGraph) > 0 {
		ids := make([]uint32, len(inGraph))
		for j, i := range inGraph {
			ids[j] = slots[i]
		}
		c.graph.VisitVectors(ids, func(j int, v []float32) {
			visit(inGraph[j], v)
		})
	}
	if nLex == 0 {
		return Candidates{Hits: hits, Passing: plan.passing}, nil
	}
	// Scores field by field, each query resolved once for all candidates.
	col := make([]float64, len(slots))
	j := 0
	for qi, t := range texts {
		for _, f := range t.Fields {
			c.lex.ScoreMany(queries[qi], f, slots, col)
			for i := range hits {
				hits[i].Lex[j] = col[i]
			}
			j++
		}
	}
	return Candidates{Hits: hits, Passing: plan.passing}, nil
}

// filterPlan is how one search decides which slots pass: allow holds the
// passing slots when a Select ran; pass tests one slot in every case.
type filterPlan struct {
	allow   *bitset.BitSet
	pass    func(s uint32) bool
	passing int // rows that pass, or -1 when only pass can tell
	// live: every live row passes (no filter, no exclusion), so a test
	// of rows known to be live can be skipped.
	live bool
	// graph is the test the graph needs beyond allow (nil: none).
	graph func(s uint32) bool
}

// planLocked builds the filter plan for opt; c.mu must be held.
func (c *Collection) planLocked(opt SearchOptions) filterPlan {
	// The graph may briefly hold a slot whose document was just deleted
	// (graph changes follow document changes): such slots never pass.
	p := filterPlan{passing: len(c.slots), live: opt.Exclude == "" && opt.Select == nil}
	// The alive bitset, not ids[s] != "": lexical Top calls pass for every
	// posting, and at 1M rows the ids' string headers (16 MB) miss the
	// cache where the bitset (125 kB) does not; pass was 8 % of the CPU
	// of tessera-bench scale's HTTP phase.
	alive := c.alive
	p.pass = func(s uint32) bool { return alive.Test(uint(s)) }
	if opt.Exclude != "" {
		p.pass = func(s uint32) bool { return alive.Test(uint(s)) && c.ids[s] != opt.Exclude }
		if _, ok := c.slots[opt.Exclude]; ok {
			p.passing--
		}
	}
	if opt.Select != nil {
		allow := bitset.New(uint(len(c.ids)))
		opt.Select(columnView{c}, allow)
		allow.InPlaceIntersection(c.alive)
		if s, ok := c.slots[opt.Exclude]; ok {
			allow.Clear(uint(s))
		}
		p.allow = allow
		p.passing = int(allow.Count())
		p.pass = func(s uint32) bool { return uint(s) < allow.Len() && allow.Test(uint(s)) }
	}
	// The graph needs no test of its own where allow says it all.
	p.graph = p.pass
	if p.allow != nil {
		p.graph = nil
	}
	return p
}
