// Package schemaplan compares two schemas and says what changing from one to
// the other costs: nothing but a new schema copy (weights, query templates),
// a rebuilt index over the stored vectors (filters, graph parameters, space
// order or removal), re-encoding some spaces from stored field values (a
// space's parameters, a new space), or the source rows themselves (a field's
// cleaning, the id). It is pure: it reads schemas and writes plans, and the
// root package applies them.
package schemaplan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/tessera-search/tessera/spaces"
)

// Cost is what one change needs, cheapest first: a plan costs its most
// expensive change.
type Cost int

const (
	// Metadata changes no stored vector or index structure: applying it
	// rewrites the saved schema (weights, query templates, names).
	Metadata Cost = iota + 1
	// Reindex rebuilds the index from the stored vectors and fields
	// without encoding anything (filters, graph parameters, a removed
	// space, the spaces' order).
	Reindex
	// Reencode encodes some spaces of every document again from its
	// stored field values (a space's parameters changed, a space added).
	Reencode
	// SourceRows cannot be applied from what is stored: the stored values
	// were cleaned by the old rule (or the field was never stored), so the
	// source files must be ingested again into a new data directory.
	SourceRows
)

func (c Cost) String() string {
	switch c {
	case Metadata:
		return "metadata"
	case Reindex:
		return "reindex"
	case Reencode:
		return "re-encode"
	case SourceRows:
		return "source rows"
	}
	return "none"
}

// MarshalText writes the cost's name in JSON.
func (c Cost) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a cost's name (a plan from the HTTP API).
func (c *Cost) UnmarshalText(b []byte) error {
	for k := Cost(0); k <= SourceRows; k++ {
		if k.String() == string(b) {
			*c = k
			return nil
		}
	}
	return fmt.Errorf("unknown cost %q", b)
}

// Change is one difference between the schemas, in Terraform's notation:
// Op "+" adds, "-" removes, "~" updates.
type Change struct {
	Op   string `json:"op"`
	Path string `json:"path"`
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
	Cost Cost   `json:"cost"`
	// Why says what the cost means for this change.
	Why string `json:"why"`
}

// Plan is the list of changes from the current schema to a new one.
type Plan struct {
	Changes []Change `json:"changes"`
	// Cost is the most expensive change's; 0 when nothing changes.
	Cost Cost `json:"cost"`
	// Reencode names the spaces whose parts are encoded again (Cost
	// Reencode); every other space's part is copied from the stored vector.
	Reencode []string `json:"reencode,omitempty"`
	// ID identifies the pair of schemas: an apply that names a plan is
	// refused when either schema has changed since.
	ID string `json:"id"`
}

// Empty reports whether the schemas are the same.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Applicable reports whether the plan can be applied from stored data.
func (p *Plan) Applicable() bool { return p.Cost < SourceRows }

// RefusalError is returned when a plan needs the source rows.
type RefusalError struct{ Changes []Change }

func (e *RefusalError) Error() string {
	msg := "the schema change needs the source rows, which are not stored: ingest the source files again into a new --data directory with the new schema ("
	for i, c := range e.Changes {
		if i > 0 {
			msg += "; "
		}
		msg += c.Path + ": " + c.Why
	}
	return msg + ")"
}

// Refusal is the error a plan that needs the source rows is refused with;
// nil when it can be applied.
func (p *Plan) Refusal() error {
	var cs []Change
	for _, c := range p.Changes {
		if c.Cost == SourceRows {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return &RefusalError{Changes: cs}
}

// Diff plans the change from old to next. oldRaw and nextRaw are the
// schema files' bytes, which the plan's ID digests.
func Diff(old, next *spaces.Schema, oldRaw, nextRaw []byte) *Plan {
	p := &Plan{}
	add := func(c Change) {
		p.Changes = append(p.Changes, c)
		p.Cost = max(p.Cost, c.Cost)
	}
	if old.Name != next.Name {
		add(Change{Op: "~", Path: "name", From: old.Name, To: next.Name, Cost: Metadata, Why: "renames the table; no vector changes"})
	}
	if old.ID != next.ID {
		add(Change{Op: "~", Path: "id", From: old.ID, To: next.ID, Cost: SourceRows, Why: "documents are stored by the old id: re-ingest the source files"})
	}
	diffFields(old, next, add)
	reencode := diffSpaces(old, next, add)
	if !slices.Equal(old.Filters, next.Filters) {
		add(Change{Op: "~", Path: "filters", From: old.Filters, To: next.Filters, Cost: Reindex, Why: "filter columns are rebuilt from stored fields; no re-encode"})
	}
	if old.Index != next.Index {
		add(Change{Op: "~", Path: "index", From: old.Index, To: next.Index, Cost: Reindex, Why: "the graph is rebuilt from the stored vectors; no re-encode"})
	}
	diffQueries(old, next, add)
	if old.Ingest != next.Ingest {
		add(Change{Op: "~", Path: "ingest", From: old.Ingest, To: next.Ingest, Cost: Metadata, Why: "changes how future files are read; nothing stored changes"})
	}
	p.Reencode = reencode
	sum := sha256.New()
	sum.Write(oldRaw)
	sum.Write([]byte{0})
	sum.Write(nextRaw)
	p.ID = hex.EncodeToString(sum.Sum(nil)[:8])
	return p
}

func diffFields(old, next *spaces.Schema, add func(Change)) {
	for _, name := range sortedKeys(old.Fields, next.Fields) {
		a, inOld := old.Fields[name]
		b, inNext := next.Fields[name]
		path := "fields." + name
		switch {
		case !inOld:
			add(Change{Op: "+", Path: path, To: b, Cost: SourceRows, Why: "its values were never read from the source files: re-ingest them"})
		case !inNext:
			add(Change{Op: "-", Path: path, From: a, Cost: Reindex, Why: "its stored values are dropped; no re-encode"})
		case !reflect.DeepEqual(a, b):
			ac, bc := *a, *b
			ac.Column, bc.Column = "", ""
			if reflect.DeepEqual(&ac, &bc) {
				add(Change{Op: "~", Path: path + ".column", From: a.SourceColumn(name), To: b.SourceColumn(name), Cost: Metadata, Why: "changes only which column future files are read from"})
				continue
			}
			from, to := changedKeys(a, b)
			add(Change{Op: "~", Path: path, From: from, To: to, Cost: SourceRows, Why: "its cleaning changed and the stored values were cleaned by the old rule: re-ingest the source files"})
		}
	}
}

// vectorSpec is the part of a space spec that its vectors depend on: not
// its default weight, and not its lexical share (which changes the lexical
// index's fields only when it turns matching on or off).
func vectorSpec(sp *spaces.SpaceSpec) spaces.SpaceSpec {
	c := *sp
	c.Weight, c.Lexical = nil, nil
	return c
}

func diffSpaces(old, next *spaces.Schema, add func(Change)) []string {
	var reencode []string
	oldNames := make([]string, 0, len(old.Spaces))
	for _, sp := range old.Spaces {
		oldNames = append(oldNames, sp.Name)
		if _, ok := next.Space(sp.Name); !ok {
			add(Change{Op: "-", Path: "spaces." + sp.Name, From: sp, Cost: Reindex, Why: "its part of every vector is dropped; no re-encode"})
		}
	}
	var kept []string
	for _, b := range next.Spaces {
		path := "spaces." + b.Name
		a, ok := old.Space(b.Name)
		if !ok {
			add(Change{Op: "+", Path: path, To: b, Cost: Reencode, Why: fmt.Sprintf("encodes field %s of every document from its stored values", b.Field)})
			reencode = append(reencode, b.Name)
			continue
		}
		kept = append(kept, b.Name)
		if av, bv := vectorSpec(a), vectorSpec(b); !reflect.DeepEqual(av, bv) {
			from, to := changedKeys(av, bv)
			add(Change{Op: "~", Path: path, From: from, To: to, Cost: Reencode, Why: fmt.Sprintf("re-encodes this space only, from stored %s values; other spaces keep their parts", b.Field)})
			reencode = append(reencode, b.Name)
		}
		if !reflect.DeepEqual(a.Weight, b.Weight) {
			add(Change{Op: "~", Path: path + ".weight", From: deref(a.Weight), To: deref(b.Weight), Cost: Metadata, Why: "a query-time default; no re-encode"})
		}
		if !reflect.DeepEqual(a.Lexical, b.Lexical) {
			c := Change{Op: "~", Path: path + ".lexical", From: a.LexicalShare(), To: b.LexicalShare(), Cost: Metadata, Why: "a query-time share; no re-encode"}
			if (a.LexicalShare() > 0) != (b.LexicalShare() > 0) {
				c.Cost, c.Why = Reindex, "turns lexical matching of the field on or off: the lexical index is rebuilt from stored fields; no re-encode"
			}
			add(c)
		}
	}
	var oldKept []string
	for _, n := range oldNames {
		if slices.Contains(kept, n) {
			oldKept = append(oldKept, n)
		}
	}
	if !slices.Equal(oldKept, kept) {
		add(Change{Op: "~", Path: "spaces", From: oldKept, To: kept, Cost: Reindex, Why: "the spaces' order is the vectors' layout: parts are moved; no re-encode"})
	}
	return reencode
}

func diffQueries(old, next *spaces.Schema, add func(Change)) {
	for _, name := range sortedKeys(old.Queries, next.Queries) {
		a, inOld := old.Queries[name]
		b, inNext := next.Queries[name]
		path := "queries." + name
		switch {
		case !inOld:
			add(Change{Op: "+", Path: path, To: b, Cost: Metadata, Why: "a query template; no re-encode"})
		case !inNext:
			add(Change{Op: "-", Path: path, From: a, Cost: Metadata, Why: "a query template; no re-encode"})
		case !equalJSON(a, b):
			add(Change{Op: "~", Path: path, From: a, To: b, Cost: Metadata, Why: "a query template; no re-encode"})
		}
	}
}

// changedKeys returns the keys whose values differ between two specs, as
// they are written in the schema file.
func changedKeys(a, b any) (from, to map[string]any) {
	var ma, mb map[string]any
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	_ = json.Unmarshal(x, &ma)
	_ = json.Unmarshal(y, &mb)
	from, to = map[string]any{}, map[string]any{}
	for k, v := range ma {
		if !equalJSON(v, mb[k]) {
			from[k] = v
		}
	}
	for k, v := range mb {
		if !equalJSON(v, ma[k]) {
			to[k] = v
		}
	}
	return from, to
}

func deref(p *float64) any {
	if p == nil {
		return "default (1)"
	}
	return *p
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func sortedKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// Errors an apply is refused with (besides a *RefusalError), for callers
// such as the HTTP API to tell apart.
var (
	// ErrPlanChanged: the plan the caller reviewed is not the plan now
	// (the saved schema or the new one changed since).
	ErrPlanChanged = errors.New("the plan changed since it was reviewed: run plan again")
	// ErrBusy: another schema change is being applied.
	ErrBusy = errors.New("another schema change is being applied")
	// ErrBadSchema: the new schema does not parse or validate.
	ErrBadSchema = errors.New("bad schema")
	// ErrUnsupported: this deployment cannot apply schema changes.
	ErrUnsupported = errors.New("schema changes cannot be applied here")
)
