package query

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// publicAPI is every exported name of package query, methods as
// Type.Method. The package is imported by the root, web, cmd and mongo;
// anything else it declares is unexported, so that a name here is one a
// caller uses or a deliberate part of the API (the request and response
// types, their limits and rank modes, Compile for filters, the parser and
// searcher interfaces). Before the exports audit it also held
// CachedEmbedder (with a Len nobody called), MinWeight, MaxWeight and
// Engine.Run (Search is Prepare then run; callers prepare, never run).
// Adding a name means adding it here, on purpose.
var publicAPI = []string{
	"AndFilters", "Compile", "Engine", "Engine.Encoder", "Engine.Prepare", "Engine.Search", "Engine.Searches", "Engine.Switch",
	"Engine.UseVectorSearcher", "Filter", "Filter.Match", "Filter.Select", "LexicalFields",
	"MaxLimit", "MergeWeights", "NewCachedEmbedder", "NewEngine", "NewParser", "Parser", "Prepared", "Prepared.IndexOptions",
	"RankLinear", "RankRelevance", "Request", "Response", "Result", "Sort", "VectorSearcher",
	"Weights", "Weights.UnmarshalJSON",
}

func TestPublicAPI(t *testing.T) {
	apitest.Check(t, publicAPI)
}
