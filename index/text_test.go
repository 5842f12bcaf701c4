package index

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// lexScores runs one hybrid search and returns each hit's lexical scores
// by id.
func lexScores(t *testing.T, c *Collection, text string) map[string][]float64 {
	t.Helper()
	got, err := c.SearchHybrid(context.Background(), []DenseQuery{{Vector: make([]float32, c.Dim())}}, 50,
		[]TextQuery{{Text: text, Fields: []string{"title", LabelsField}, Seek: []string{"title", LabelsField}}}, SearchOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for _, h := range got.Hits {
		if h.Lex[0] > 0 || h.Lex[1] > 0 {
			out[h.ID] = slices.Clone(h.Lex)
		}
	}
	return out
}

// TestLexicalIndexFollowsTheApplyPathAndRestarts: the lexical index is kept
// by Apply (inserts, updates, deletes, slot reuse) and is the same after a
// restart from the WAL alone and from a snapshot.
func TestLexicalIndexFollowsTheApplyPathAndRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{NoSync: true, SnapshotEvery: -1, TextFields: []string{"title"}, LabelFields: []string{"category"}}
	open := func() *Collection {
		c, err := Open(dir, 4, opts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open()
	vec := []float32{1, 0, 0, 0}
	var recs []Record
	for i := range 40 {
		title, cat := fmt.Sprintf("Steel water bottle %d", i), "Kitchen"
		if i%4 == 0 {
			title, cat = fmt.Sprintf("Redmi Note %d", i), "Smartphones"
		}
		recs = append(recs, Record{ID: fmt.Sprintf("r%02d", i), Fields: map[string]any{"title": title, "category": []string{"Electronics", cat}}, Vector: vec})
	}
	if _, err := c.Apply(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	// An update changes the text, a delete frees a slot that an insert reuses.
	if _, err := c.Apply(ctx, []Record{
		{ID: "r01", Fields: map[string]any{"title": "Smartphone stand", "category": []string{"Accessories"}}, Vector: vec},
		{ID: "r02", Deleted: true},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(ctx, []Record{{ID: "new", Fields: map[string]any{"title": "Redmi 12C smartphone"}, Vector: vec}}, nil); err != nil {
		t.Fatal(err)
	}
	before := lexScores(t, c, "smartphone")
	if len(before) != 12 { // 10 filed under Smartphones, the stand, the new phone
		t.Fatalf("smartphone matched %d rows, want 12: %v", len(before), before)
	}
	if _, ok := before["r02"]; ok {
		t.Error("a deleted row still matches")
	}
	if s := before["new"]; s[0] == 0 {
		t.Errorf("the row in a reused slot does not match its own title: %v", s)
	}
	if s := before["r04"]; s[0] != 0 || s[1] == 0 {
		t.Errorf("a phone filed under Smartphones: title %v, labels %v; want 0 and > 0", s[0], s[1])
	}
	bottles := lexScores(t, c, "water bottle")
	if _, ok := bottles["r01"]; ok {
		t.Error("the updated row still matches its old title")
	}
	c.Close()

	// From the WAL alone.
	c = open()
	if got := lexScores(t, c, "smartphone"); !equalScores(got, before) {
		t.Errorf("after WAL replay: %v, before: %v", got, before)
	}
	if err := c.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// From the snapshot.
	c = open()
	defer c.Close()
	if got := lexScores(t, c, "smartphone"); !equalScores(got, before) {
		t.Errorf("after a snapshot: %v, before: %v", got, before)
	}
}

func equalScores(a, b map[string][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
