package query

import (
	"testing"

	"github.com/tessera-search/tessera/index"
)

// "5g phone": the phones are titled "Redmi Note 11T 5G …" and filed under
// Smartphones, a stand titled "Phone Stand" under Stands, a keypad phone
// under Smartphones&BasicMobiles and BasicMobiles. No label holds "5g",
// so the query names no category as a whole, but its head, phone, names
// Smartphones: the stand falls below the phone, the keypad phone (whose
// best label names phone a third as precisely) between the two.
func TestHeadCategorySteersToLabelsNamingTheHead(t *testing.T) {
	mk := func(id string, rel, labelLex float64, labels ...string) candidate {
		return candidate{hit: index.Hit{ID: id, Lex: []float64{0.5, labelLex}, Fields: map[string]any{"category": labels}}, rel: rel}
	}
	pool := func(keypadRel, phoneRel float64) []candidate {
		return []candidate{
			mk("stand", 0.76, 0, "Electronics", "MobileAccessories", "Stands"),
			mk("keypad", keypadRel, 0.3, "Electronics", "Smartphones&BasicMobiles", "BasicMobiles"),
			mk("phone", phoneRel, 0.6, "Electronics", "Smartphones&BasicMobiles", "Smartphones"),
		}
	}
	plans := []textPlan{{space: 0, share: 0.5, own: 0, labels: 1, dynamic: true}}
	hl := newHeadLabels("5g phone")
	named := func(_ textPlan, c *candidate) float64 {
		return hl.of(c.labels)
	}
	cands := pool(0.70, 0.62)
	readLabels(cands, []string{"category"}, nil)
	steerToHeadCategory(cands, plans, []float64{1}, 1, named, []bool{false})
	stand, keypad, phone := cands[0].rel, cands[1].rel, cands[2].rel
	if phone != 0.62 {
		t.Errorf("the phone filed under Smartphones moved: %.3f, want 0.62 kept", phone)
	}
	if !(stand < phone && keypad < phone && stand < keypad) {
		t.Errorf("after steering: phone %.3f, keypad phone %.3f, stand %.3f; want them in that order", phone, keypad, stand)
	}

	// The items the head names are far below the best text match: the
	// filing does not drag them up (nothing moves).
	cands = pool(0.58, 0.55)
	readLabels(cands, []string{"category"}, nil)
	steerToHeadCategory(cands, plans, []float64{1}, 1, named, []bool{false})
	if cands[0].rel != 0.76 || cands[1].rel != 0.58 || cands[2].rel != 0.55 {
		t.Errorf("named items below the top band, yet relevance moved: %.3f %.3f %.3f", cands[0].rel, cands[1].rel, cands[2].rel)
	}
	// The query already named a category as a whole: steered once only.
	cands = pool(0.70, 0.62)
	readLabels(cands, []string{"category"}, nil)
	steerToHeadCategory(cands, plans, []float64{1}, 1, named, []bool{true})
	if cands[0].rel != 0.76 {
		t.Errorf("steered twice: stand %.3f", cands[0].rel)
	}
	// A one-word query has no head apart from itself.
	if n := newHeadLabels("phone").of(cands[2].labels); n != 0 {
		t.Errorf("one-word query: head match %v, want 0", n)
	}
}

// Label precision for the head: the label's words that are the head (1)
// or end in it (HeadWeight), over the label's words.
func TestHeadLabelsPrecision(t *testing.T) {
	hl := newHeadLabels("tv remote")
	for _, c := range []struct {
		label string
		want  float64
	}{
		{"Remote", 1},
		{"RemoteControls", 0.5}, // remote, control: the joined form is the same words again
		{"Remotes&Covers", 0.5},
		{"Televisions", 0},        // tv is not the head
		{"Universalremotes", 0.5}, // a compound ending in the head
		{"Accessories", 0},
	} {
		if got := hl.label(c.label); got != c.want {
			t.Errorf("label %q: %v, want %v", c.label, got, c.want)
		}
	}
}
