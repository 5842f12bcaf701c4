package tessera

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/spaces"
)

// vocabParser is the natural-language parser for a DB. Category spaces
// may learn new categories at ingest, so it rebuilds the parser whenever a
// vocabulary has grown; building one takes well under a millisecond.
type vocabParser struct {
	db *DB

	mu  sync.Mutex
	sig string
	p   query.Parser
}

// Parse interprets q with a parser that knows the current categories.
func (v *vocabParser) Parse(ctx context.Context, q string) (nl.Interpretation, error) {
	sig := ""
	for _, sp := range v.db.Schema.Spaces {
		if sp.Kind == spaces.KindCategory {
			sig += fmt.Sprintf("%s:%d;", sp.Name, len(v.db.Encoder.Categories(sp.Name)))
		}
	}
	v.mu.Lock()
	if v.p == nil || sig != v.sig {
		v.p, v.sig = v.db.nlParser(), sig
	}
	p := v.p
	v.mu.Unlock()
	return p.Parse(ctx, q)
}

// nlParser builds the offline parser from the schema's roles, and the
// LLM parser in front of it when a chat endpoint is configured.
func (a *DB) nlParser() query.Parser {
	v := nl.Vocab{Categories: map[string][]string{}}
	for _, sp := range a.Schema.Spaces {
		switch sp.Kind {
		case spaces.KindText:
			v.TextSpaces = append(v.TextSpaces, sp.Name)
		case spaces.KindNumber:
			switch {
			case sp.Mode == "minimum" && v.PriceSpace == "":
				v.PriceSpace, v.PriceField = sp.Name, sp.Field
			case sp.Mode == "maximum" && v.RatingSpace == "":
				v.RatingSpace, v.RatingField = sp.Name, sp.Field
			}
		case spaces.KindRecency:
			v.RecencySpace = sp.Name
		case spaces.KindCategory:
			v.Categories[sp.Field] = a.Encoder.Categories(sp.Name)
		}
	}
	filterable := map[string]bool{}
	for _, f := range a.Schema.Filters {
		filterable[f] = true
	}
	if !filterable[v.PriceField] {
		v.PriceField = ""
	}
	if !filterable[v.RatingField] {
		v.RatingField = ""
	}
	for f := range v.Categories {
		if !filterable[f] {
			delete(v.Categories, f)
		}
	}
	var p query.Parser = nl.NewOffline(v)
	if cfg := nl.LLMConfigFromEnv(); cfg.BaseURL != "" && cfg.Model != "" {
		llm, err := nl.NewLLM(cfg, v, p)
		if err != nil {
			slog.Warn("LLM query parser disabled", "err", err)
		} else {
			p = llm
		}
	}
	return p
}
