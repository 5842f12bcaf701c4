package spaces

import "context"

// Embedder turns texts into dense vectors. Implementations must return one
// L2-normalised vector of Dim() float32s per input text, in input order, and
// must be safe for concurrent use.
type Embedder interface {
	// Embed encodes texts. An empty text yields the zero vector.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dim is the length of every vector Embed returns.
	Dim() int
	// Name identifies the model; it is part of the schema fingerprint so
	// vectors from different models are never mixed.
	Name() string
}
