package spaces

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tessera-search/tessera/internal/vec"
)

// Segment is one space's slice of the concatenated vector.
type Segment struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Offset  int    `json:"offset"`
	Dim     int    `json:"dim"`
	NegDims int    `json:"neg_dims"` // trailing negative-filter dimensions: raw, never weighted
}

// Encoder turns cleaned documents into item vectors and queries into query
// vectors, following Superlinked's combination:
//
//	item  = concat(vᵢ)/√n
//	query = concat(wᵢ·qᵢ)/√(Σ_nz wᵢ²)·√(n/n_nz)
//
// so that item·query = Σ wᵢ·simᵢ / (√(Σ_nz wᵢ²)·√n_nz). Negative-filter
// dimensions are copied raw on both sides and add as an offset. An Encoder
// holds no storage; learned category vocabularies are its only state.
type Encoder struct {
	schema   *Schema
	embedder Embedder
	queryEmb Embedder
	segments []Segment
	dim      int
	clock    func() time.Time

	numbers    map[int]*numberSpace
	categories map[int]*categorySpace
	recencies  map[int]*recencySpace
}

// EncoderOption configures an Encoder.
type EncoderOption func(*Encoder)

// WithClock sets the clock recency spaces read; tests inject a fixed one.
func WithClock(now func() time.Time) EncoderOption {
	return func(e *Encoder) { e.clock = now }
}

// WithQueryEmbedder embeds query texts with q instead of the item
// embedder, e.g. a caching wrapper around the same model.
func WithQueryEmbedder(q Embedder) EncoderOption {
	return func(e *Encoder) { e.queryEmb = q }
}

// NewEncoder builds the encoder for a schema. The embedder serves every text
// space and may be nil only if the schema has none.
func NewEncoder(s *Schema, emb Embedder, opts ...EncoderOption) (*Encoder, error) {
	e := &Encoder{
		schema: s, embedder: emb, clock: time.Now,
		numbers: map[int]*numberSpace{}, categories: map[int]*categorySpace{}, recencies: map[int]*recencySpace{},
	}
	for _, o := range opts {
		o(e)
	}
	if e.queryEmb == nil {
		e.queryEmb = emb
	}
	off := 0
	for i, sp := range s.Spaces {
		seg := Segment{Name: sp.Name, Kind: sp.Kind, Offset: off}
		switch sp.Kind {
		case KindText:
			if emb == nil {
				return nil, fmt.Errorf("space %s: a text space needs an embedder", sp.Name)
			}
			seg.Dim = emb.Dim()
		case KindNumber:
			n := newNumberSpace(sp)
			e.numbers[i] = n
			seg.Dim, seg.NegDims = n.dim(), n.negDims()
		case KindCategory:
			c := newCategorySpace(sp)
			e.categories[i] = c
			seg.Dim = c.dim()
		case KindRecency:
			r := newRecencySpace(sp)
			e.recencies[i] = r
			seg.Dim, seg.NegDims = r.dim(), r.negDims()
		default:
			return nil, fmt.Errorf("space %s: unknown kind %q", sp.Name, sp.Kind)
		}
		e.segments = append(e.segments, seg)
		off += seg.Dim
	}
	e.dim = off
	return e, nil
}

// Dim is the length of every item and query vector.
func (e *Encoder) Dim() int { return e.dim }

// Segments describes where each space lives in the vector.
func (e *Encoder) Segments() []Segment { return e.segments }

// Schema returns the schema the encoder was built for.
func (e *Encoder) Schema() *Schema { return e.schema }

// Fingerprint identifies the vectors this encoder produces.
func (e *Encoder) Fingerprint() string {
	name := ""
	if e.embedder != nil {
		name = e.embedder.Name()
	}
	return e.schema.fingerprint(name)
}

// SpaceIndex returns the position of a named space.
func (e *Encoder) SpaceIndex(name string) (int, bool) {
	for i, s := range e.segments {
		if s.Name == name {
			return i, true
		}
	}
	return 0, false
}

// Vocabulary returns the learned categories of every category space.
func (e *Encoder) Vocabulary() map[string][]string {
	out := map[string][]string{}
	for i, c := range e.categories {
		out[e.segments[i].Name] = c.vocabulary()
	}
	return out
}

// RestoreVocabulary re-learns saved category vocabularies so slots keep
// their meaning across restarts.
func (e *Encoder) RestoreVocabulary(v map[string][]string) error {
	for i, c := range e.categories {
		if names, ok := v[e.segments[i].Name]; ok {
			if err := c.restore(names); err != nil {
				return err
			}
		}
	}
	return nil
}

// Categories lists the known categories of a category space.
func (e *Encoder) Categories(space string) []string {
	if i, ok := e.SpaceIndex(space); ok {
		if c, ok := e.categories[i]; ok {
			return c.vocabulary()
		}
	}
	return nil
}

// EncodeItems encodes documents (cleaned field values) into dst, which must
// hold len(docs) vectors of Dim() floats. It learns no categories: call
// Learn first for documents that are being stored. Text spaces are embedded in one
// batch per space. Only the spaces in only (by index) are written when only
// is non-nil, so a partial update re-encodes just what changed.
func (e *Encoder) EncodeItems(ctx context.Context, docs []map[string]any, dst [][]float32, only []bool) error {
	if len(dst) != len(docs) {
		return fmt.Errorf("encode: %d docs but %d destination vectors", len(docs), len(dst))
	}
	now := e.clock()
	inv := float32(1 / math.Sqrt(float64(len(e.segments))))
	texts := make([]string, len(docs))
	for si, seg := range e.segments {
		if only != nil && !only[si] {
			continue
		}
		field := e.schema.Spaces[si].Field
		if seg.Kind == KindText {
			for di, d := range docs {
				texts[di] = textOf(d[field])
			}
			vecs, err := e.embedder.Embed(ctx, texts)
			if err != nil {
				return fmt.Errorf("encode space %s: %w", seg.Name, err)
			}
			if len(vecs) != len(docs) {
				return fmt.Errorf("encode space %s: embedder returned %d vectors for %d texts", seg.Name, len(vecs), len(docs))
			}
			for di := range docs {
				part := dst[di][seg.Offset : seg.Offset+seg.Dim]
				if len(vecs[di]) != seg.Dim {
					return fmt.Errorf("encode space %s: embedder returned %d dims, want %d", seg.Name, len(vecs[di]), seg.Dim)
				}
				for k, x := range vecs[di] {
					part[k] = x * inv
				}
			}
			continue
		}
		for di, d := range docs {
			part := dst[di][seg.Offset : seg.Offset+seg.Dim]
			var err error
			switch seg.Kind {
			case KindNumber:
				err = e.numbers[si].item(d[field], part)
			case KindCategory:
				err = e.categories[si].item(d[field], part)
			case KindRecency:
				err = e.recencies[si].item(d[field], now, part)
			}
			if err != nil {
				return fmt.Errorf("encode %s: %w", field, err)
			}
			for k := 0; k < seg.Dim-seg.NegDims; k++ {
				part[k] *= inv
			}
		}
	}
	return nil
}

// Learn registers the categories of doc in every learning category space,
// and its time in every recency space with as_of: newest, and reports
// whether a vocabulary grew or a newest value moved. Callers learn rows in source order
// before encoding them in parallel, so slots do not depend on scheduling and
// the bulk and stream paths produce identical vectors.
func (e *Encoder) Learn(doc map[string]any) bool {
	grew := false
	for i, c := range e.categories {
		if !c.learn {
			continue
		}
		cats, err := categoryValues(doc[e.schema.Spaces[i].Field])
		if err != nil {
			continue // EncodeItems reports it
		}
		for _, name := range cats {
			if c.learnName(name) {
				grew = true
			}
		}
	}
	for i, r := range e.recencies {
		if t, ok := doc[e.schema.Spaces[i].Field].(time.Time); ok && r.learn(t) {
			grew = true
		}
	}
	return grew
}

// Newest returns the newest learned value of every recency space with
// as_of: newest that has learned one, by space name, for the collection to
// persist.
func (e *Encoder) Newest() map[string]time.Time {
	out := map[string]time.Time{}
	for i, r := range e.recencies {
		if r.newest {
			if n := r.newestNanos.Load(); n != noNewest {
				out[e.segments[i].Name] = time.Unix(0, n).UTC()
			}
		}
	}
	return out
}

// RestoreNewest re-learns saved newest values, so a restart keeps the
// reference the stored vectors were encoded against.
func (e *Encoder) RestoreNewest(v map[string]time.Time) {
	for i, r := range e.recencies {
		if t, ok := v[e.segments[i].Name]; ok {
			r.learn(t)
		}
	}
}

// SpacesOfFields marks the spaces that read any of the given fields.
func (e *Encoder) SpacesOfFields(fields map[string]any) []bool {
	mask := make([]bool, len(e.segments))
	for i, sp := range e.schema.Spaces {
		_, mask[i] = fields[sp.Field]
	}
	return mask
}

// RecencySpaces marks the recency spaces, whose item parts go stale as time
// passes and are re-encoded on a schedule.
func (e *Encoder) RecencySpaces() []bool {
	mask := make([]bool, len(e.segments))
	any := false
	for i := range e.recencies {
		mask[i], any = true, true
	}
	if !any {
		return nil
	}
	return mask
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, ", ")
	default:
		return fmt.Sprint(x)
	}
}

// Query is what a search asks of the spaces.
type Query struct {
	// Text is compared against every text space unless Values overrides it.
	Text string
	// Weights per space name; a missing space weighs its schema default
	// (weight: in the space spec) or 1; 0 turns a space off.
	Weights map[string]float64
	// Values holds per-space query values: a number for similar-mode number
	// spaces, category names for category spaces, text for text spaces.
	Values map[string]any
	// Parts, when set, supplies a space's query part directly (already
	// unit-scaled item parts, e.g. from a stored item for more-like-this).
	Parts map[string][]float32
}

// QueryVector is an encoded query with what it means.
type QueryVector struct {
	Vector []float32
	// Weights are the effective weights; spaces with nothing to compare
	// (empty text, similar mode without a value) are 0.
	Weights []float64
	// Degraded names text spaces left out because the embedder failed;
	// DegradedErr is the last such failure.
	Degraded    []string
	DegradedErr error
	// Scale is the factor every weighted part was multiplied by
	// (√(n/n_nz)/√(Σ wᵢ²)); Similarities divides it back out.
	Scale float64
}

// EncodeQuery builds the weighted query vector. Unknown spaces and bad
// values are errors naming the space.
func (e *Encoder) EncodeQuery(ctx context.Context, q Query) (*QueryVector, error) {
	for name := range q.Weights {
		if _, ok := e.SpaceIndex(name); !ok {
			return nil, &FieldError{Field: "weights." + name, Err: ErrUnknownSpace}
		}
	}
	for name := range q.Values {
		if _, ok := e.SpaceIndex(name); !ok {
			return nil, &FieldError{Field: "similar." + name, Err: ErrUnknownSpace}
		}
	}
	now := e.clock()
	vec := make([]float32, e.dim)
	weights := make([]float64, len(e.segments))
	textCache := map[string][]float32{}
	var degraded []string
	var degradedErr error
	n := float64(len(e.segments))
	for si, seg := range e.segments {
		w := 1.0
		if d := e.schema.Spaces[si].Weight; d != nil {
			w = *d
		}
		if x, ok := q.Weights[seg.Name]; ok {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, &FieldError{Field: "weights." + seg.Name, Err: fmt.Errorf("weight must be a finite number")}
			}
			w = x
		}
		if w == 0 {
			continue
		}
		part := vec[seg.Offset : seg.Offset+seg.Dim]
		val, hasVal := q.Values[seg.Name]
		active := true
		var err error
		if p, ok := q.Parts[seg.Name]; ok && !hasVal {
			copy(part, p)
			active = false
			for _, x := range p[:seg.Dim-seg.NegDims] {
				if x != 0 {
					active = true
					break
				}
			}
		} else {
			switch seg.Kind {
			case KindText:
				text := q.Text
				if hasVal {
					s, ok := val.(string)
					if !ok {
						return nil, &FieldError{Field: "similar." + seg.Name, Err: fmt.Errorf("a text space takes a string, got %T", val)}
					}
					text = s
				}
				text = strings.TrimSpace(text)
				if text == "" {
					active = false
					break
				}
				emb, ok := textCache[text]
				if !ok {
					vs, err := e.queryEmb.Embed(ctx, []string{text})
					if err != nil {
						if ctx.Err() != nil {
							return nil, ctx.Err()
						}
						// Degrade instead of failing: the other spaces still
						// answer, and the response says which sat out.
						degraded = append(degraded, seg.Name)
						degradedErr = err
						active = false
						break
					}
					emb = vs[0]
					textCache[text] = emb
				}
				copy(part, emb)
				active = !allZero(emb)
			case KindNumber:
				active, err = e.numbers[si].query(val, part)
			case KindCategory:
				active, err = e.categories[si].query(val, part)
			case KindRecency:
				if hasVal {
					return nil, &FieldError{Field: "similar." + seg.Name, Err: fmt.Errorf("a recency space takes no query value")}
				}
				e.recencies[si].query(now, part)
			}
		}
		if err != nil {
			return nil, &FieldError{Field: "similar." + seg.Name, Err: err}
		}
		if !active {
			clear(part)
			continue
		}
		weights[si] = w
	}
	var sumSq float64
	nz := 0
	for _, w := range weights {
		if w != 0 {
			sumSq += w * w
			nz++
		}
	}
	if nz == 0 {
		return &QueryVector{Vector: vec, Weights: weights, Degraded: degraded, DegradedErr: degradedErr}, nil
	}
	scale := math.Sqrt(n/float64(nz)) / math.Sqrt(sumSq)
	for si, seg := range e.segments {
		f := float32(weights[si] * scale)
		part := vec[seg.Offset : seg.Offset+seg.Dim]
		for k := 0; k < seg.Dim-seg.NegDims; k++ {
			part[k] *= f
		}
	}
	return &QueryVector{Vector: vec, Weights: weights, Degraded: degraded, DegradedErr: degradedErr, Scale: scale}, nil
}

// Similarities writes each active space's own similarity between the query
// and an item into sims: the cosine of its parts (in [−1, 1]) before any
// weighting, 0 for spaces the query leaves out. penalties gets each space's
// negative-filter dimensions (out-of-range values the mode penalises),
// which add to a score unweighted.
func (e *Encoder) Similarities(qv *QueryVector, item []float32, sims, penalties []float64) {
	rootN := math.Sqrt(float64(len(e.segments)))
	for si, seg := range e.segments {
		sims[si], penalties[si] = 0, 0
		w := qv.Weights[si]
		if w == 0 {
			continue
		}
		var pen float64
		end := seg.Offset + seg.Dim - seg.NegDims
		s := float64(vec.Dot(qv.Vector[seg.Offset:end], item[seg.Offset:end]))
		for k := end; k < seg.Offset+seg.Dim; k++ {
			pen += float64(qv.Vector[k]) * float64(item[k])
		}
		sims[si], penalties[si] = s*rootN/(w*qv.Scale), pen
	}
}

// Explain splits query·item into each space's contribution; they sum to the
// score.
func (e *Encoder) Explain(query, item []float32, dst []float64) []float64 {
	dst = dst[:0]
	for _, seg := range e.segments {
		var s float64
		for k := seg.Offset; k < seg.Offset+seg.Dim; k++ {
			s += float64(query[k]) * float64(item[k])
		}
		dst = append(dst, s)
	}
	return dst
}

// Part returns a space's slice of a vector.
func (e *Encoder) Part(vec []float32, space int) []float32 {
	seg := e.segments[space]
	return vec[seg.Offset : seg.Offset+seg.Dim]
}

func allZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// FieldError ties an error to the request or document field that caused it.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }
