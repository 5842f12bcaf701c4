package ingest

import (
	"context"
	"errors"
	"sync/atomic"
)

// observer is one Observe registration.
type observer struct {
	fn      func([]Item, []Result)
	stopped atomic.Bool
}

// current is the applier that answers for a: a itself, or the last
// successor a schema change switched to.
func (a *Applier) current() *Applier {
	for {
		n := a.next.Load()
		if n == nil {
			return a
		}
		a = n
	}
}

// ErrSwitched is returned by Switch on an applier that has already been
// replaced.
var ErrSwitched = errors.New("ingest: the applier was already switched to a new schema")

// Switch replaces a by the applier build returns, atomically for writers:
// build runs under a's commit lock, so no batch commits to a while it
// catches up, and every call on a afterwards forwards to the successor
// (items a prepared are encoded again there). The successor takes over a's
// sink and observers. Readers holding a's collection keep it; a's owner
// closes it when nothing reads it any more.
func (a *Applier) Switch(ctx context.Context, build func(ctx context.Context) (*Applier, error)) (*Applier, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next.Load() != nil {
		return nil, ErrSwitched
	}
	n, err := build(ctx)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.sink = a.sink
	for _, o := range a.observers {
		if !o.stopped.Load() {
			n.observers = append(n.observers, o)
		}
	}
	n.mu.Unlock()
	a.next.Store(n)
	return n, nil
}

// adopt learns and encodes again, for a's schema, the items a replaced
// applier prepared. a.mu is held.
func (a *Applier) adopt(ctx context.Context, items []Item) error {
	var docs []map[string]any
	var idx []int
	for i := range items {
		it := &items[i]
		if it.by == nil || it.by == a || it.rejected() || it.Op == OpDelete {
			continue
		}
		it.by = a
		a.enc.Learn(it.doc)
		if it.partial {
			continue // mergePartial encodes with a's encoder
		}
		docs = append(docs, it.doc)
		idx = append(idx, i)
	}
	if len(docs) == 0 {
		return nil
	}
	vecs := make([][]float32, len(docs))
	for i := range vecs {
		vecs[i] = make([]float32, a.enc.Dim())
	}
	if err := a.enc.EncodeItems(ctx, docs, vecs, nil); err != nil {
		return err
	}
	for j, i := range idx {
		items[i].vec, items[i].encoded, items[i].text = vecs[j], true, nil
	}
	return nil
}
