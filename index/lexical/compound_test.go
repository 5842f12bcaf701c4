package lexical

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
)

func labelled(heads ...string) *Index {
	x := New([]string{"title", "labels"}, heads...)
	for i, r := range []map[string]any{
		{"title": "Redmi Note 12 (4GB RAM)", "labels": "Smartphones"},
		{"title": "Nokia 105 keypad", "labels": "Phones"},
		{"title": "Boat Rockerz 450", "labels": "Headphones"},
		{"title": "Smartphone stand for desk", "labels": "Stands"},
		{"title": "Steel water bottle", "labels": "Bottles"},
	} {
		x.Set(uint32(i), r)
	}
	return x
}

// A label field that indexes compound heads lets "phone" find a phone
// filed under Smartphones, below one filed under Phones; a title field
// does not split compounds, and neither does a field not asked to.
func TestCompoundHeads(t *testing.T) {
	x := labelled("labels")
	q := x.Prepare("phone")
	phones, smart, stand := x.Score(q, "labels", 1), x.Score(q, "labels", 0), x.Score(q, "labels", 3)
	if !(phones > smart && smart > 0) || stand != 0 {
		t.Fatalf("labels for \"phone\": Phones %.3f, Smartphones %.3f, Stands %.3f; want Phones > Smartphones > 0 = Stands", phones, smart, stand)
	}
	if s := x.Score(q, "title", 3); s != 0 {
		t.Fatalf("title \"Smartphone stand\" scores %.3f for \"phone\": titles must not split compounds", s)
	}
	if s := labelled().Score(q, "labels", 0); s != 0 {
		t.Fatalf("without compound heads Smartphones scores %.3f for \"phone\"", s)
	}
	top := x.Top(q, "labels", 3, nil)
	if len(top) != 3 || top[0].Slot != 1 {
		t.Fatalf("top label matches for \"phone\": %v, want Phones first then the two compounds", top)
	}
	if !IsHead("phone", "smartphone") || IsHead("phone", "phone") || IsHead("one", "smartphone") || IsHead("phone", "iphone") {
		t.Fatal("IsHead misjudges")
	}
}

// An index saved with another analysis of a field (without compound heads)
// is refused on load, so the caller re-analyses instead of mixing.
func TestCompoundHeadsSavedAnalysis(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := labelled().WriteTo(w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	saved := buf.Bytes()
	err := New([]string{"title", "labels"}, "labels").ReadFrom(bufio.NewReader(bytes.NewReader(saved)))
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("loading an index saved without compound heads: %v, want ErrMismatch", err)
	}
	buf.Reset()
	w.Reset(&buf)
	if err := labelled("labels").WriteTo(w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	y := New([]string{"title", "labels"}, "labels")
	if err := y.ReadFrom(bufio.NewReader(&buf)); err != nil {
		t.Fatal(err)
	}
	if !y.fields[1].heads || y.fields[0].heads {
		t.Fatal("the loaded index lost which field indexes compound heads")
	}
	y.Set(9, map[string]any{"labels": "Smartwatches"})
	if y.Score(y.Prepare("watch"), "labels", 9) == 0 {
		t.Fatal("a loaded index stopped splitting new labels' compounds")
	}
}

func TestHeldCore(t *testing.T) {
	x := labelled("labels")
	for _, tc := range []struct {
		query, field string
		slot         uint32
		want         int
	}{
		{"redmi note", "title", 0, 2},
		{"redmi note for winter", "title", 0, 2}, // "for …" words are context
		{"redmi phone", "title", 0, 1},
		{"redmi phone", "labels", 0, 1}, // Smartphones holds phone as its head
		{"redmi redmi", "title", 0, 1},
		{"redmi", "nosuchfield", 0, 0},
		{"redmi", "title", 99, 0},
	} {
		if got := x.HeldCore(x.Prepare(tc.query), tc.slot, tc.field); got != tc.want {
			t.Errorf("HeldCore(%q, %d, %s) = %d, want %d", tc.query, tc.slot, tc.field, got, tc.want)
		}
	}
	// Core is what a field holding every core word counts.
	for query, want := range map[string]int{"redmi note": 2, "redmi note for winter": 2, "redmi redmi": 1, "for winter": 0, "": 0} {
		if got := x.Prepare(query).Core(); got != want {
			t.Errorf("Core(%q) = %d, want %d", query, got, want)
		}
	}
	q := x.Prepare("redmi note")
	if n := testing.AllocsPerRun(100, func() { x.HeldCore(q, 0, "title") }); n != 0 {
		t.Errorf("HeldCore allocates %v times per call", n)
	}
}
