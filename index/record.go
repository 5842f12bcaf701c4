// Package index stores documents and their vectors by id and answers
// nearest-neighbour queries over the vectors. It does not know what the
// fields or vector dimensions mean: the spaces package gives them meaning.
// A Collection is durable: every applied batch is in a write-ahead log
// before Apply returns, and snapshots bound the log's length.
package index

import (
	"encoding/gob"
	"github.com/tessera-search/tessera/index/lexical"
	"time"
)

func init() {
	// Field values travel through gob in the WAL and snapshots.
	gob.Register(time.Time{})
	gob.Register([]string{})
	gob.Register([]any{})
	gob.Register(map[string]any{})
}

// Record is one document with its vector, or a delete.
type Record struct {
	ID      string
	Fields  map[string]any
	Vector  []float32
	Version int64     // last-writer-wins order; 0 = unversioned (applies in arrival order)
	TS      time.Time // event time, the ordering fallback when Version is 0 on both sides
	Deleted bool
	// Text, when set, is Fields' lexical analysis from AnalyzeText, done
	// by the caller in parallel; Apply then only indexes it.
	Text *lexical.Analyzed
}

// Outcome says what Apply did with one record.
type Outcome int

// Outcomes of Apply.
const (
	Inserted  Outcome = iota // a new id
	Updated                  // replaced an existing document
	Deleted                  // removed a document (or recorded a tombstone for an unseen id)
	Stale                    // ignored: an equal or newer version is already applied
	Unchanged                // ignored: the stored document already has these fields and this vector
)

func (o Outcome) String() string {
	switch o {
	case Inserted:
		return "inserted"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	case Stale:
		return "stale"
	case Unchanged:
		return "unchanged"
	}
	return "unknown"
}

// Hit is a search result with its document.
type Hit struct {
	ID     string
	Score  float32
	Fields map[string]any
	Vector []float32
	// Lex holds SearchHybrid's lexical scores, in [0, 1].
	Lex []float64
}
