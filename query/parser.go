package query

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tessera-search/tessera/query/nl"
	"github.com/tessera-search/tessera/spaces"
)

// NewParser returns the natural-language parser for enc's schema: the
// offline parser, with the LLM parser in front of it when llm names a chat
// endpoint (BaseURL and Model). Category spaces may learn new categories at
// ingest, so the parser rebuilds itself whenever a vocabulary has grown;
// building one takes well under a millisecond.
func NewParser(enc *spaces.Encoder, llm nl.LLMConfig) Parser {
	return &vocabParser{enc: enc, llm: llm}
}

// vocabParser is the parser NewParser returns.
type vocabParser struct {
	enc *spaces.Encoder
	llm nl.LLMConfig

	mu  sync.Mutex
	sig string
	p   Parser
}

// Parse interprets q with a parser that knows the current categories.
func (v *vocabParser) Parse(ctx context.Context, q string) (nl.Interpretation, error) {
	sig := ""
	for _, sp := range v.enc.Schema().Spaces {
		if sp.Kind == spaces.KindCategory {
			sig += fmt.Sprintf("%s:%d;", sp.Name, len(v.enc.Categories(sp.Name)))
		}
	}
	v.mu.Lock()
	if v.p == nil || sig != v.sig {
		v.p, v.sig = v.build(), sig
	}
	p := v.p
	v.mu.Unlock()
	return p.Parse(ctx, q)
}

// build builds the offline parser from the schema's roles, and the LLM
// parser in front of it when a chat endpoint is configured. The roles
// (which space is the price, the rating, the recency) come from what the
// fields hold, by format and name (nl.RolesFromSchema), never from a
// space's position or mode alone.
func (v *vocabParser) build() Parser {
	voc := nlVocab(v.enc.Schema(), v.enc.Categories)
	var p Parser = nl.NewOffline(voc)
	if v.llm.BaseURL != "" && v.llm.Model != "" {
		llm, err := nl.NewLLM(v.llm, voc, p)
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
