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
// LLM parser in front of it when a chat endpoint is configured. The roles
// (which space is the price, the rating, the recency) come from what the
// fields hold, by format and name (nl.RolesFromSchema), never from a
// space's position or mode alone.
func (a *DB) nlParser() query.Parser {
	v := nlVocab(a.Schema, a.Encoder.Categories)
	var p query.Parser = nl.NewOffline(v)
	if cfg := a.llm; cfg.BaseURL != "" && cfg.Model != "" {
		llm, err := nl.NewLLM(cfg, v, p)
		if err != nil {
			slog.Warn("LLM query parser disabled", "err", err)
		} else {
			p = llm
		}
	}
	return p
}

// nlVocab describes schema s to the parsers; categories lists the known
// values of a category space.
func nlVocab(s *spaces.Schema, categories func(space string) []string) nl.Vocab {
	v := nl.Vocab{Categories: map[string][]string{}}
	filterable := map[string]bool{}
	for _, f := range s.Filters {
		filterable[f] = true
	}
	fields := make([]nl.SchemaField, 0, len(s.Fields))
	for _, name := range s.FieldNames() {
		f := s.Fields[name]
		fields = append(fields, nl.SchemaField{Name: name, Type: f.Type, Format: f.Format, Filterable: filterable[name]})
	}
	sps := make([]nl.SchemaSpace, 0, len(s.Spaces))
	for _, sp := range s.Spaces {
		sps = append(sps, nl.SchemaSpace{Name: sp.Name, Kind: sp.Kind, Field: sp.Field, Mode: sp.Mode})
		switch sp.Kind {
		case spaces.KindText:
			v.TextSpaces = append(v.TextSpaces, sp.Name)
		case spaces.KindCategory:
			if filterable[sp.Field] {
				v.Categories[sp.Field] = categories(sp.Name)
			}
		}
	}
	nl.RolesFromSchema(fields, sps).Apply(&v)
	return v
}
