package lexical

import (
	"math"
	"slices"
	"testing"
)

// corpus is a small catalogue: the filler rows give the idf statistics
// something to work with.
func corpus() *Index {
	x := New([]string{"title", "category"})
	rows := []map[string]any{
		{"title": "Redmi smartphone 5G", "category": "Electronics|Mobiles&Accessories|Smartphones"},
		{"title": "Charging cable for smartphone", "category": "Computers&Accessories|Cables|USBCables"},
		{"title": "Wooden dining table", "category": "Home&Kitchen|Furniture"},
		{"title": "Steel water bottle 1 litre", "category": "Home&Kitchen|Kitchen&Dining"},
		{"title": "Cotton bath towel set", "category": "Home&Kitchen|Bath"},
		{"title": "LED desk lamp with USB port", "category": "Home&Kitchen|Lighting"},
		{"title": "Mechanical keyboard RGB", "category": "Computers&Accessories|Keyboards"},
		{"title": "Wireless optical mouse", "category": "Computers&Accessories|Mice"},
	}
	for i, r := range rows {
		x.Set(uint32(i), r)
	}
	return x
}

func TestScoreRange(t *testing.T) {
	x := corpus()
	for _, text := range []string{"smartphone", "Redmi smartphone 5G", "usb cable", "kitchen table", "xyzzy", "steel bottle xyzzy"} {
		q := x.Prepare(text)
		for slot := uint32(0); slot < 8; slot++ {
			for _, f := range []string{"title", "category"} {
				if s := x.Score(q, f, slot); s < 0 || s > 1 || math.IsNaN(s) {
					t.Errorf("Score(%q, %s, %d) = %v, not in [0,1]", text, f, slot, s)
				}
			}
		}
	}
	if s := x.Score(x.Prepare("Redmi smartphone 5G"), "title", 0); s < 0.99 {
		t.Errorf("exact title scores %v, want ≈1", s)
	}
	if s := x.Score(x.Prepare("Wooden dining-table!"), "title", 2); s < 0.99 {
		t.Errorf("exact title with punctuation scores %v, want ≈1", s)
	}
	// A word absent from the corpus weighs as the rarest term.
	if s := x.Score(x.Prepare("steel xyzzy"), "title", 3); s > 0.5 {
		t.Errorf("half-nonsense query scores %v, want < 0.5", s)
	}
	for _, text := range []string{"xyzzy", "", "the of and", "zzqx plonk"} {
		q := x.Prepare(text)
		if hits := x.Top(q, "title", 10, nil); len(hits) != 0 {
			t.Errorf("Top(%q) = %v, want none", text, hits)
		}
		if s := x.Score(q, "title", 0); s != 0 {
			t.Errorf("Score(%q) = %v, want 0", text, s)
		}
	}
	if x.Top(x.Prepare("smartphone"), "nosuchfield", 10, nil) != nil || x.Score(x.Prepare("smartphone"), "nosuchfield", 0) != 0 {
		t.Error("unknown field scored")
	}
}

func TestBM25Order(t *testing.T) {
	x := New([]string{"title"})
	filler := "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron"
	x.Set(0, map[string]any{"title": "cable cable"})                    // twice, short
	x.Set(1, map[string]any{"title": "cable " + filler + " " + filler}) // once, long
	x.Set(2, map[string]any{"title": "cable rare"})
	x.Set(3, map[string]any{"title": "cable common"})
	x.Set(4, map[string]any{"title": "common words here"})
	x.Set(5, map[string]any{"title": "common things there"})
	x.Set(6, map[string]any{"title": "common stuff"})
	q := x.Prepare("cable")
	if s0, s1 := x.Score(q, "title", 0), x.Score(q, "title", 1); !(s0 > s1) {
		t.Errorf("twice in a short field %v, not above once in a long one %v", s0, s1)
	}
	// Rarer terms weigh more: "rare" (df 1) beats "common" (df 4).
	q = x.Prepare("rare common")
	if s2, s3 := x.Score(q, "title", 2), x.Score(q, "title", 3); !(s2 > s3) {
		t.Errorf("rare match %v, not above common match %v", s2, s3)
	}
	hits := x.Top(q, "title", 10, nil)
	if len(hits) != 5 || hits[0].Slot != 2 {
		t.Errorf("Top(rare common) = %v, want slot 2 first of 5", hits)
	}
	for i := 1; i < len(hits); i++ {
		if worse(hits[i-1], hits[i]) {
			t.Errorf("Top not best first: %v", hits)
		}
	}
}

// TestTopMatchesScore: Top's scores are Score's, and Top keeps the k best.
func TestTopMatchesScore(t *testing.T) {
	x := corpus()
	for _, text := range []string{"smartphone", "usb cable", "Home Kitchen", "wi-fi USBCable", "accessories"} {
		q := x.Prepare(text)
		for _, f := range []string{"title", "category"} {
			all := x.Top(q, f, 100, nil)
			for _, h := range all {
				if s := x.Score(q, f, h.Slot); s != h.Score || s <= 0 {
					t.Errorf("%q %s slot %d: Top %v, Score %v", text, f, h.Slot, h.Score, s)
				}
			}
			for slot := uint32(0); slot < 8; slot++ {
				in := slices.ContainsFunc(all, func(h Hit) bool { return h.Slot == slot })
				if s := x.Score(q, f, slot); (s > 0) != in {
					t.Errorf("%q %s slot %d: Score %v but in Top %v", text, f, slot, s, in)
				}
			}
			if len(all) > 2 {
				if top2 := x.Top(q, f, 2, nil); !slices.Equal(top2, all[:2]) {
					t.Errorf("%q %s: Top 2 %v, want %v", text, f, top2, all[:2])
				}
			}
		}
	}
}

func TestAccessoryScore(t *testing.T) {
	x := corpus()
	q := x.Prepare("smartphone")
	phone, cable := x.Score(q, "title", 0), x.Score(q, "title", 1)
	if !(phone > cable) || cable <= 0 {
		t.Errorf("smartphone: phone %v, cable for smartphone %v; want phone higher, cable > 0", phone, cable)
	}
	// The query is not damped: "cable for smartphone" finds the cable.
	hits := x.Top(x.Prepare("cable for smartphone"), "title", 1, nil)
	if len(hits) != 1 || hits[0].Slot != 1 {
		t.Errorf("Top(cable for smartphone) = %v, want slot 1", hits)
	}
}

func TestSetDelete(t *testing.T) {
	x := corpus()
	q := x.Prepare("keyboard")
	if x.Len() != 8 {
		t.Fatalf("Len %d", x.Len())
	}
	// Set replaces.
	x.Set(6, map[string]any{"title": "Gaming headset", "category": "Electronics"})
	if x.Len() != 8 || x.Score(q, "title", 6) != 0 || len(x.Top(q, "title", 5, nil)) != 0 {
		t.Error("Set did not replace the old keyboard row")
	}
	if hits := x.Top(x.Prepare("headset"), "title", 5, nil); len(hits) != 1 || hits[0].Slot != 6 {
		t.Errorf("new row not found: %v", hits)
	}
	// Delete removes; deleting twice or an unknown slot is harmless.
	x.Delete(0)
	x.Delete(0)
	x.Delete(1000)
	if x.Len() != 7 {
		t.Errorf("Len after Delete %d", x.Len())
	}
	sq := x.Prepare("smartphone")
	if hits := x.Top(sq, "title", 5, nil); len(hits) != 1 || hits[0].Slot != 1 {
		t.Errorf("after Delete(0): %v", hits)
	}
	if x.Score(sq, "title", 0) != 0 || x.Matched(sq, 0) != nil {
		t.Error("deleted slot still scores")
	}
	// Slot reuse.
	x.Set(0, map[string]any{"title": "Keyboard and mouse combo"})
	if hits := x.Top(q, "title", 5, nil); len(hits) != 1 || hits[0].Slot != 0 {
		t.Errorf("reused slot: %v", hits)
	}
	if x.Score(sq, "category", 0) != 0 {
		t.Error("reused slot kept its old category")
	}
	// A slot far beyond the others, and values of other types.
	x.Set(100000, map[string]any{"title": []any{"Keyboard", 42, nil, 2.5}, "category": []string{"Computers", "Keyboards"}})
	if hits := x.Top(x.Prepare("42 keyboard"), "title", 1, nil); len(hits) != 1 || hits[0].Slot != 100000 {
		t.Errorf("[]any row: %v", hits)
	}
	if got := x.Top(x.Prepare("keyboards"), "category", 5, nil); len(got) != 1 || got[0].Slot != 100000 {
		t.Errorf("[]string category: %v", got)
	}
}

// TestDeleteKeepsPostings deletes rows in an order that moves postings
// around and checks each term's list against a fresh index.
func TestDeleteKeepsPostings(t *testing.T) {
	words := []string{"red", "green", "blue", "cable", "phone", "case", "usb", "lamp"}
	row := func(i int) map[string]any {
		var s []string
		for j, w := range words {
			if (i>>j)&1 == 1 || (i*7+j)%5 == 0 {
				s = append(s, w)
			}
		}
		return map[string]any{"title": s}
	}
	x := New([]string{"title"})
	for i := range 200 {
		x.Set(uint32(i), row(i))
	}
	for i := 0; i < 200; i += 3 {
		x.Delete(uint32(i))
	}
	for i := 0; i < 200; i += 6 {
		x.Set(uint32(i), row(i+1))
	}
	want := New([]string{"title"})
	for i := range 200 {
		switch {
		case i%6 == 0:
			want.Set(uint32(i), row(i+1))
		case i%3 != 0:
			want.Set(uint32(i), row(i))
		}
	}
	if x.Len() != want.Len() {
		t.Fatalf("Len %d, want %d", x.Len(), want.Len())
	}
	for _, w := range words {
		q := x.Prepare(w)
		got, exp := x.Top(q, "title", 1000, nil), want.Top(q, "title", 1000, nil)
		if !slices.Equal(got, exp) {
			t.Errorf("%s: %d hits, want %d", w, len(got), len(exp))
		}
	}
	// Every forward entry points at its posting.
	f := &x.fields[0]
	for slot, fw := range f.fwd {
		for _, e := range fw {
			if p := f.post[e.term][e.pos]; p.slot != f.lead[slot] || p.tf != e.tf {
				t.Fatalf("slot %d term %d: posting %v at %d", slot, e.term, p, e.pos)
			}
		}
	}
}

func TestAllow(t *testing.T) {
	x := corpus()
	q := x.Prepare("accessories")
	even := func(slot uint32) bool { return slot%2 == 0 }
	hits := x.Top(q, "category", 10, even)
	if len(hits) == 0 {
		t.Fatal("no hits")
	}
	for _, h := range hits {
		if h.Slot%2 != 0 {
			t.Errorf("disallowed slot %d returned", h.Slot)
		}
	}
	if all := x.Top(q, "category", 10, nil); len(all) <= len(hits) {
		t.Errorf("allow removed nothing: %v vs %v", all, hits)
	}
}

func TestMatched(t *testing.T) {
	x := corpus()
	x.Set(9, map[string]any{"title": "TP-Link WiFi router with USB-C", "category": "Networking"})
	for _, c := range []struct {
		query string
		slot  uint32
		want  []string
	}{
		{"Smartphones USB cables", 1, []string{"smartphones", "usb", "cables"}},
		{"redmi phone", 0, []string{"redmi"}},
		{"Wi-Fi routers networking", 9, []string{"wi-fi", "routers", "networking"}},
		{"USBC tplink", 9, []string{"usbc", "tplink"}},
		{"kitchen", 0, nil},
		{"the", 0, nil},
	} {
		if got := x.Matched(x.Prepare(c.query), c.slot); !slices.Equal(got, c.want) {
			t.Errorf("Matched(%q, %d) = %q, want %q", c.query, c.slot, got, c.want)
		}
	}
}

func TestBytes(t *testing.T) {
	x := corpus()
	if b := x.Bytes(); b <= 0 {
		t.Errorf("Bytes %d", b)
	}
}

// TestConcurrentReaders runs Top, Score and Matched from many goroutines
// at once (meant for -race): readers share no mutable state.
func TestConcurrentReaders(t *testing.T) {
	x := corpus()
	queries := []*Query{x.Prepare("smartphone"), x.Prepare("usb cable"), x.Prepare("Home-Kitchen table")}
	want := make([][]Hit, len(queries))
	for i, q := range queries {
		want[i] = x.Top(q, "title", 5, nil)
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			defer func() { done <- true }()
			for i := range 200 {
				n := (g + i) % len(queries)
				q := queries[n]
				if got := x.Top(q, "title", 5, nil); !slices.Equal(got, want[n]) {
					t.Errorf("concurrent Top: %v, want %v", got, want[n])
					return
				}
				x.Score(q, "category", uint32(i%8))
				x.Matched(q, uint32(i%8))
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestCompoundWords: a multi-part query word scores the better of its
// joined form and its parts, weighed as its parts.
func TestCompoundWords(t *testing.T) {
	x := New([]string{"title"})
	x.Set(0, map[string]any{"title": "Apple iPhone 13"})
	x.Set(1, map[string]any{"title": "Apple iPhone13"})
	x.Set(2, map[string]any{"title": "Zotac RTX3060 card"})
	x.Set(3, map[string]any{"title": "Zotac RTX 3060 card"})
	x.Set(4, map[string]any{"title": "Router with WiFi"})
	x.Set(5, map[string]any{"title": "Router with wifi"})
	x.Set(6, map[string]any{"title": "Apple iPhone 12"})
	// Long rows, so that the short ones above are no longer than average
	// and a full match saturates.
	x.Set(7, map[string]any{"title": "one two three four five six seven eight nine ten eleven twelve"})
	x.Set(8, map[string]any{"title": "one two three four five six seven eight nine ten eleven twelve"})
	for _, c := range []struct {
		query string
		slots []uint32
	}{
		{"iPhone13", []uint32{0, 1}},
		{"iphone 13", []uint32{0, 1}},
		{"RTX-3060", []uint32{2, 3}},
		{"rtx3060", []uint32{2, 3}},
		{"Wi-Fi", []uint32{4, 5}},
		{"wifi", []uint32{4, 5}},
	} {
		q := x.Prepare(c.query)
		for _, slot := range c.slots {
			if s := x.Score(q, "title", slot); s < 0.99 {
				t.Errorf("%q scores slot %d %v, want ≈1", c.query, slot, s)
			}
		}
	}
	// Half a model number is half a match.
	if s := x.Score(x.Prepare("iPhone13"), "title", 6); s <= 0 || s >= 0.9 {
		t.Errorf("iPhone13 scores iPhone 12 %v", s)
	}
}
