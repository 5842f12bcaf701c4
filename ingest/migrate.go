package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/tessera-search/tessera/index"
)

// Migration carries every document of an applier's collection into a
// successor built for a new schema (its own encoder and collection), from
// the stored field values: a space whose spec is unchanged keeps its part
// of each stored vector, the others are encoded again. Writes keep
// committing to the old applier meanwhile; they are recorded and carried
// over again by Finish, under the commit lock, before the switch.
type Migration struct {
	from, to *Applier
	copyFrom []int  // per space of to: the same space's index in from, or -1
	encode   []bool // to's spaces encoded from stored values
	anyEnc   bool
	scale    float32 // item parts are scaled by 1/√n: √(n_from/n_to)

	mu    sync.Mutex
	dirty map[string]struct{}
	stop  func()
}

// migrateBatch is how many documents a migration encodes and commits at once.
const migrateBatch = 512

// NewMigration prepares the move from `from` (or the applier that now
// answers for it) to `to`, whose collection must be empty. reencode names
// to's spaces that are encoded again; every other space of to must exist
// in from with the same vector spec. From now on writes to from are
// recorded for Finish.
func NewMigration(from, to *Applier, reencode []string) (*Migration, error) {
	from = from.current()
	if to.coll.Len() != 0 {
		return nil, fmt.Errorf("ingest: migration target holds %d documents, want an empty collection", to.coll.Len())
	}
	segs := to.enc.Segments()
	m := &Migration{from: from, to: to, copyFrom: make([]int, len(segs)), encode: make([]bool, len(segs)), dirty: map[string]struct{}{}}
	m.scale = float32(math.Sqrt(float64(len(from.enc.Segments())) / float64(len(segs))))
	vocab := map[string][]string{}
	oldVocab := from.enc.Vocabulary()
	newest := from.enc.Newest()
	for i, seg := range segs {
		j, ok := from.enc.SpaceIndex(seg.Name)
		if slices.Contains(reencode, seg.Name) || !ok {
			m.copyFrom[i], m.encode[i], m.anyEnc = -1, true, true
			delete(newest, seg.Name)
			continue
		}
		if old := from.enc.Segments()[j]; old.Dim != seg.Dim || old.Kind != seg.Kind {
			return nil, fmt.Errorf("ingest: space %s changed shape (%d → %d dims) but is not re-encoded", seg.Name, old.Dim, seg.Dim)
		}
		m.copyFrom[i] = j
		if v, ok := oldVocab[seg.Name]; ok {
			vocab[seg.Name] = v
		}
	}
	// Copied parts keep their category slots and recency reference.
	if err := to.enc.RestoreVocabulary(vocab); err != nil {
		return nil, fmt.Errorf("ingest: carry vocabulary: %w", err)
	}
	to.enc.RestoreNewest(newest)
	m.stop = from.Observe(func(items []Item, _ []Result) {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i := range items {
			m.dirty[items[i].ID] = struct{}{}
		}
	})
	return m, nil
}

// Run carries every document over, in batches, reporting progress after
// each. Searches and writes on the old applier go on meanwhile.
func (m *Migration) Run(ctx context.Context, progress func(done, total int)) error {
	var ids []string
	m.from.coll.Each(func(r index.Record) bool {
		ids = append(ids, r.ID)
		return true
	})
	sort.Strings(ids)
	if m.anyEnc {
		// Re-encoded category spaces learn their slots first, in one
		// order, so slots do not depend on batching.
		for _, id := range ids {
			if r, ok := m.from.coll.Get(id); ok {
				m.to.enc.Learn(m.keep(r.Fields))
			}
		}
	}
	// Deletions carry over first, so a stale write for a deleted
	// document is refused by the new collection too.
	if tombs := m.from.coll.Tombstones(); len(tombs) > 0 {
		if _, err := m.to.coll.Apply(ctx, tombs, nil); err != nil {
			return err
		}
	}
	for start := 0; start < len(ids); start += migrateBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := m.carry(ctx, ids[start:min(start+migrateBatch, len(ids))]); err != nil {
			return err
		}
		if progress != nil {
			progress(min(start+migrateBatch, len(ids)), len(ids))
		}
	}
	return nil
}

// Finish carries over what was written since Run started and switches:
// under the old applier's commit lock it applies the recorded writes,
// copies the collection metadata (stream positions, vocabularies),
// snapshots the new collection and calls commit, the caller's durable
// switch (a pointer file); only when commit succeeds do calls on the old
// applier start forwarding to the new one.
func (m *Migration) Finish(ctx context.Context, commit func() error) (*Applier, error) {
	defer m.Stop()
	return m.from.Switch(ctx, func(ctx context.Context) (*Applier, error) {
		m.mu.Lock()
		ids := slices.Sorted(maps.Keys(m.dirty))
		m.mu.Unlock()
		for start := 0; start < len(ids); start += migrateBatch {
			if err := m.carry(ctx, ids[start:min(start+migrateBatch, len(ids))]); err != nil {
				return nil, err
			}
		}
		meta := m.from.coll.MetaAll()
		delete(meta, metaVocabulary)
		delete(meta, metaNewest)
		vocab, _ := json.Marshal(m.to.enc.Vocabulary())
		meta[metaVocabulary] = vocab
		m.to.vocabSeen = string(vocab)
		if n := m.to.enc.Newest(); len(n) > 0 {
			v, _ := json.Marshal(n)
			meta[metaNewest] = v
			m.to.newestSeen = string(v)
		}
		if _, err := m.to.coll.Apply(ctx, nil, meta); err != nil {
			return nil, err
		}
		if err := m.to.coll.Snapshot(); err != nil {
			return nil, fmt.Errorf("snapshot the new index: %w", err)
		}
		if err := commit(); err != nil {
			return nil, err
		}
		return m.to, nil
	})
}

// Stop stops recording writes (an abandoned migration).
func (m *Migration) Stop() { m.stop() }

// carry copies documents (or their deletion) from the old collection into
// the new one.
func (m *Migration) carry(ctx context.Context, ids []string) error {
	recs := make([]index.Record, 0, len(ids))
	var docs []map[string]any
	var vecs [][]float32
	for _, id := range ids {
		r, ok := m.from.coll.Get(id)
		if !ok {
			if v, gone := m.from.coll.Version(id); gone {
				recs = append(recs, index.Record{ID: id, Deleted: true, Version: v})
			}
			continue
		}
		vec := make([]float32, m.to.enc.Dim())
		for i, seg := range m.to.enc.Segments() {
			j := m.copyFrom[i]
			if j < 0 {
				continue
			}
			part := vec[seg.Offset : seg.Offset+seg.Dim]
			copy(part, m.from.enc.Part(r.Vector, j))
			for k := 0; k < seg.Dim-seg.NegDims; k++ {
				part[k] *= m.scale
			}
		}
		fields := m.keep(r.Fields)
		recs = append(recs, index.Record{ID: r.ID, Fields: fields, Vector: vec, Version: r.Version, TS: r.TS})
		docs = append(docs, fields)
		vecs = append(vecs, vec)
	}
	if m.anyEnc && len(docs) > 0 {
		if err := m.to.enc.EncodeItems(ctx, docs, vecs, m.encode); err != nil {
			return err
		}
	}
	_, err := m.to.coll.Apply(ctx, recs, nil)
	return err
}

// keep drops the stored values of fields the new schema no longer has.
func (m *Migration) keep(fields map[string]any) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		if _, ok := m.to.schema.Fields[k]; ok {
			out[k] = v
		}
	}
	return out
}
