package spaces

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const issueSchema = `
name: products
id: asin
fields:
  title:         {type: text}
  description:   {type: text}
  category:      {type: category}
  price:         {type: number}
  review_rating: {type: number}
  review_count:  {type: integer}
spaces:
  - {name: title,       kind: text,     field: title}
  - {name: description, kind: text,     field: description}
  - {name: price,       kind: number,   field: price, min: 0, max: 1000, mode: minimum}
  - {name: rating,      kind: number,   field: review_rating, min: -1, max: 5, mode: maximum}
  - {name: category,    kind: category, field: category}
filters: [category, price, review_rating]
`

// hashEmbedder is a deterministic bag-of-words embedder for tests of the
// combination math; the real embedders have their own tests.
type hashEmbedder struct{ dim int }

func (h hashEmbedder) Dim() int     { return h.dim }
func (h hashEmbedder) Name() string { return "hash" }
func (h hashEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, h.dim)
		for _, w := range strings.Fields(strings.ToLower(t)) {
			f := fnv.New32a()
			f.Write([]byte(w))
			v[int(f.Sum32())%h.dim]++
		}
		var n float64
		for _, x := range v {
			n += float64(x * x)
		}
		if n > 0 {
			for k := range v {
				v[k] /= float32(math.Sqrt(n))
			}
		}
		out[i] = v
	}
	return out, nil
}

func mustEncoder(t testing.TB, yaml string) *Encoder {
	t.Helper()
	s, err := ParseSchema([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(s, hashEmbedder{dim: 16})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestGoldenPriceOnly(t *testing.T) {
	e := mustEncoder(t, issueSchema)
	ctx := context.Background()
	docs := []map[string]any{
		{"title": "a", "price": 5.99, "review_rating": 4.0, "category": "Books"},
		{"title": "b", "price": 7.86, "review_rating": 3.0, "category": "Toys"},
		{"title": "c", "price": 9.01, "review_rating": 5.0, "category": "Books"},
	}
	vecs := make([][]float32, len(docs))
	for i := range vecs {
		vecs[i] = make([]float32, e.Dim())
	}
	for _, d := range docs {
		e.Learn(d)
	}
	if err := e.EncodeItems(ctx, docs, vecs, nil); err != nil {
		t.Fatal(err)
	}
	q, err := e.EncodeQuery(ctx, Query{Text: "anything", Weights: map[string]float64{"title": 0, "description": 0, "price": 1, "rating": 0, "category": 0}})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.999956, 0.999924, 0.999900}
	for i, v := range vecs {
		got := dot(q.Vector, v)
		if math.Abs(got-want[i]) > 5e-7 {
			t.Errorf("price %v: score %.6f, want %.6f", docs[i]["price"], got, want[i])
		}
	}
}

// TestScoreIsSumOfSpaces checks, for random weights and items, that the
// inner product equals the formula Σ wᵢ·simᵢ / (√(Σ_nz wᵢ²)·√n_nz) and that
// the per-space explanation sums to it.
func TestScoreIsSumOfSpaces(t *testing.T) {
	e := mustEncoder(t, issueSchema)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"usb", "cable", "shoe", "red", "fast", "charger", "lamp", "book"}
	cats := []string{"Books", "Toys", "Electronics"}
	text := func() string {
		return words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
	}
	for trial := 0; trial < 200; trial++ {
		doc := map[string]any{"title": text(), "description": text(), "price": rng.Float64() * 1000,
			"review_rating": rng.Float64()*6 - 1, "category": cats[rng.IntN(3)]}
		item := [][]float32{make([]float32, e.Dim())}
		e.Learn(doc)
		if err := e.EncodeItems(ctx, []map[string]any{doc}, item, nil); err != nil {
			t.Fatal(err)
		}
		w := map[string]float64{}
		for _, s := range e.Segments() {
			if rng.IntN(4) == 0 {
				w[s.Name] = 0
			} else {
				w[s.Name] = rng.Float64()*6 - 1
			}
		}
		qt := text()
		qcat := cats[rng.IntN(3)]
		q, err := e.EncodeQuery(ctx, Query{Text: qt, Weights: w, Values: map[string]any{"category": []string{qcat}}})
		if err != nil {
			t.Fatal(err)
		}
		score := dot(q.Vector, item[0])
		parts := e.Explain(q.Vector, item[0], nil)
		var sum float64
		for _, p := range parts {
			sum += p
		}
		if math.Abs(sum-score) > 1e-5 {
			t.Fatalf("Σ scores %.6f != score %.6f", sum, score)
		}
		// The formula, from raw similarities.
		emb := hashEmbedder{16}
		qe, _ := emb.Embed(ctx, []string{qt})
		de, _ := emb.Embed(ctx, []string{doc["title"].(string), doc["description"].(string)})
		theta := func(x, lo, hi float64) float64 { return math.Pi / 2 * (x - lo) / (hi - lo) }
		sims := map[string]float64{
			"title":       dot(qe[0], de[0]),
			"description": dot(qe[0], de[1]),
			"price":       math.Cos(theta(doc["price"].(float64), 0, 1000)),
			"rating":      math.Sin(theta(doc["review_rating"].(float64), -1, 5)),
			"category":    0,
		}
		if doc["category"] == qcat {
			sims["category"] = 1
		}
		var num, sq float64
		nz := 0
		for name, wi := range w {
			if wi == 0 {
				continue
			}
			num += wi * sims[name]
			sq += wi * wi
			nz++
		}
		want := 0.0
		if nz > 0 {
			want = num / (math.Sqrt(sq) * math.Sqrt(float64(nz)))
		}
		if math.Abs(want-score) > 1e-5 {
			t.Fatalf("trial %d: score %.6f, formula %.6f (weights %v)", trial, score, want, w)
		}
	}
}

func TestNumberOutOfRangeNegativeFilter(t *testing.T) {
	e := mustEncoder(t, strings.Replace(issueSchema, "mode: minimum}", "mode: minimum, negative_filter: -2}", 1))
	ctx := context.Background()
	item := [][]float32{make([]float32, e.Dim()), make([]float32, e.Dim())}
	if err := e.EncodeItems(ctx, []map[string]any{{"price": 1500.0}, {"price": -5.0}}, item, nil); err != nil {
		t.Fatal(err)
	}
	q, _ := e.EncodeQuery(ctx, Query{Weights: map[string]float64{"price": 1, "rating": 0}})
	if got := dot(q.Vector, item[0]); math.Abs(got-(-2)) > 1e-6 {
		t.Errorf("above max in minimum mode: score %v, want the raw negative filter -2", got)
	}
	// Below min is the best a minimum space can get: clamped, not filtered.
	if got := dot(q.Vector, item[1]); math.Abs(got-1) > 1e-6 {
		t.Errorf("below min in minimum mode: score %v, want 1", got)
	}
}

func TestCategoryLearnedAndQuery(t *testing.T) {
	e := mustEncoder(t, issueSchema)
	ctx := context.Background()
	docs := []map[string]any{{"category": "Books"}, {"category": "Toys"}, {"category": "Books"}}
	vecs := [][]float32{make([]float32, e.Dim()), make([]float32, e.Dim()), make([]float32, e.Dim())}
	for _, d := range docs {
		e.Learn(d)
	}
	if err := e.EncodeItems(ctx, docs, vecs, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Categories("category"); len(got) != 2 || got[0] != "Books" || got[1] != "Toys" {
		t.Fatalf("learned %v", got)
	}
	q, _ := e.EncodeQuery(ctx, Query{Weights: map[string]float64{"category": 1, "price": 0, "rating": 0}, Values: map[string]any{"category": []string{"Books"}}})
	if s := dot(q.Vector, vecs[0]); math.Abs(s-1) > 1e-6 {
		t.Errorf("matching category scores %v, want 1", s)
	}
	if s := dot(q.Vector, vecs[1]); s != 0 {
		t.Errorf("other category scores %v, want 0", s)
	}
}

func TestRecency(t *testing.T) {
	y := `
name: r
id: id
fields: {id: {type: text}, at: {type: time}}
spaces: [{name: recency, kind: recency, field: at, negative_filter: -1, periods: [{days: 14}]}]
`
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s, err := ParseSchema([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(s, nil, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	times := []time.Time{now.Add(-time.Hour), now.Add(-7 * 24 * time.Hour), now.Add(-30 * 24 * time.Hour)}
	vecs := make([][]float32, 3)
	docs := make([]map[string]any, 3)
	for i := range vecs {
		vecs[i] = make([]float32, e.Dim())
		docs[i] = map[string]any{"at": times[i]}
	}
	for _, d := range docs {
		e.Learn(d)
	}
	if err := e.EncodeItems(ctx, docs, vecs, nil); err != nil {
		t.Fatal(err)
	}
	q, _ := e.EncodeQuery(ctx, Query{})
	s0, s1, s2 := dot(q.Vector, vecs[0]), dot(q.Vector, vecs[1]), dot(q.Vector, vecs[2])
	if !(s0 > s1 && s1 > s2) {
		t.Fatalf("newer must score higher: %v %v %v", s0, s1, s2)
	}
	if s2 != -1 {
		t.Errorf("older than the period: %v, want the negative filter -1", s2)
	}
	// φ for an item at now equals the query's φ: similarity 1.
	end := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	phiQ := math.Pi / 2 * float64(now.Sub(end.Add(-14*24*time.Hour))) / float64(14*24*time.Hour)
	phi1 := math.Pi / 2 * float64(times[1].Sub(end.Add(-14*24*time.Hour))) / float64(14*24*time.Hour)
	if want := math.Cos(phiQ - phi1); math.Abs(s1-want) > 1e-6 {
		t.Errorf("7 days old: %v, want cos(Δφ) = %v", s1, want)
	}
}

func TestQueryErrorsNameTheField(t *testing.T) {
	e := mustEncoder(t, issueSchema)
	_, err := e.EncodeQuery(context.Background(), Query{Weights: map[string]float64{"pricee": 1}})
	var fe *FieldError
	if err == nil || !asFieldError(err, &fe) || fe.Field != "weights.pricee" {
		t.Fatalf("want a field error for weights.pricee, got %v", err)
	}
}

func asFieldError(err error, target **FieldError) bool {
	fe, ok := err.(*FieldError)
	if ok {
		*target = fe
	}
	return ok
}

func TestSchemaErrorsNameKeyAndLine(t *testing.T) {
	bad := strings.Replace(issueSchema, "mode: maximum", "mode: maximal", 1)
	_, err := ParseSchema([]byte(bad))
	if err == nil || !strings.Contains(err.Error(), "spaces.3.mode") || !strings.Contains(err.Error(), "line 15") {
		t.Fatalf("got %v", err)
	}
	_, err = ParseSchema([]byte(strings.Replace(issueSchema, "filters:", "filterz:", 1)))
	if err == nil || !strings.Contains(err.Error(), "filterz") || !strings.Contains(err.Error(), "line 17") {
		t.Fatalf("unknown key: got %v", err)
	}
}

type failingEmbedder struct{ hashEmbedder }

func (failingEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, fmt.Errorf("embedder down")
}

func TestQueryDegradesWhenEmbedderFails(t *testing.T) {
	s, _ := ParseSchema([]byte(issueSchema))
	e, err := NewEncoder(s, hashEmbedder{16}, WithQueryEmbedder(failingEmbedder{hashEmbedder{16}}))
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.EncodeQuery(context.Background(), Query{Text: "usb cable", Weights: map[string]float64{"rating": 0}})
	if err != nil {
		t.Fatalf("a failing embedder must degrade the query, not fail it: %v", err)
	}
	if fmt.Sprint(q.Degraded) != "[title description]" {
		t.Fatalf("degraded %v", q.Degraded)
	}
	// The price space still answers alone: weight renormalised to it.
	item := [][]float32{make([]float32, e.Dim())}
	e.EncodeItems(context.Background(), []map[string]any{{"price": 0.0}}, item, nil)
	if got := dot(q.Vector, item[0]); math.Abs(got-1) > 1e-6 {
		t.Fatalf("price-only score %v, want 1", got)
	}
}

func TestSchemaNullTokensUnquotedKey(t *testing.T) {
	y := strings.Replace(issueSchema, "review_rating: {type: number}", `review_rating: {type: number, null: ["|", "No rating"]}`, 1)
	s, err := ParseSchema([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Fields["review_rating"].Null; len(got) != 2 || got[0] != "|" {
		t.Fatalf("null tokens %v", got)
	}
}

func TestEncodeDoesNotLearnCategories(t *testing.T) {
	e := mustEncoder(t, issueSchema)
	v := [][]float32{make([]float32, e.Dim())}
	if err := e.EncodeItems(context.Background(), []map[string]any{{"category": "Junk"}}, v, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Categories("category"); len(got) != 0 {
		t.Fatalf("encoding learned %v; only Learn may", got)
	}
}
