package query

import (
	"context"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/tessera-search/tessera/spaces"
)

// cachedEmbedder remembers the embeddings of recent texts, so a repeated
// query costs only the search. It wraps the model that embeds items.
type cachedEmbedder struct {
	spaces.Embedder
	cache *lru.Cache[string, []float32]
}

// NewCachedEmbedder wraps e with a cache of up to size texts' embeddings.
func NewCachedEmbedder(e spaces.Embedder, size int) spaces.Embedder {
	c, _ := lru.New[string, []float32](max(size, 1))
	return &cachedEmbedder{Embedder: e, cache: c}
}

// Embed returns cached vectors and embeds the rest in one call.
func (c *cachedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var miss []string
	var at []int
	for i, t := range texts {
		if v, ok := c.cache.Get(t); ok {
			out[i] = v
			continue
		}
		miss = append(miss, t)
		at = append(at, i)
	}
	if len(miss) == 0 {
		return out, nil
	}
	vs, err := c.Embedder.Embed(ctx, miss)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		out[i] = vs[j]
		c.cache.Add(miss[j], vs[j])
	}
	return out, nil
}
