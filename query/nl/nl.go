package nl

import "context"

// Vocab tells a parser what the catalogue holds, so that words in a query can
// be mapped onto real spaces, filter fields and category values. The lead
// builds it from the schema and the ingested data.
type Vocab struct {
	// Categories maps a filterable category field to its known values,
	// e.g. "category": ["Electronics", "Home&Kitchen"].
	Categories map[string][]string
	// PriceField is the filter field holding the price ("" if none).
	PriceField string
	// RatingField is the filter field holding the review rating ("" if none).
	RatingField string
	// PriceSpace is the number space over price ("" if none).
	PriceSpace string
	// PriceMode is PriceSpace's mode: "minimum" (the default when empty)
	// ranks cheap items first, "maximum" expensive ones. "cheap" weights the
	// space +1 under minimum and -1 under maximum.
	PriceMode string
	// RatingSpace is the number space over the review rating ("" if none).
	RatingSpace string
	// RatingMode is RatingSpace's mode: "maximum" (the default when empty)
	// or "minimum".
	RatingMode string
	// RecencySpace is the recency space ("" if none).
	RecencySpace string
	// TextSpaces are the text spaces that Interpretation.Text is matched against.
	TextSpaces []string
}

// Interpretation is a natural-language query turned into the structured
// search request, plus the notes shown to the user about how it was read.
type Interpretation struct {
	// Text is what is left for the text spaces.
	Text string `json:"text"`
	// Weights are per-space weights, e.g. "cheap" sets the price space to 1
	// (or -1 when that space ranks expensive items first).
	Weights map[string]float64 `json:"weights,omitempty"`
	// Filter has the JSON shape of the search API filter: one top-level key per
	// field (implicit AND), or {"and": [...]} when a field has two conditions.
	Filter map[string]any `json:"filter,omitempty"`
	// Understood holds human-readable notes, e.g. `"under 2000" → price ≤ 2000`.
	Understood []string `json:"understood"`
	// Source is SourceOffline or SourceLLM.
	Source string `json:"source"`
}

// Values of Interpretation.Source.
const (
	SourceOffline = "offline"
	SourceLLM     = "llm"
)

// Parser turns a natural-language query into an Interpretation.
type Parser interface {
	Parse(ctx context.Context, q string) (Interpretation, error)
}
