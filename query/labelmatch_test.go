package query

import (
	"math"
	"testing"
)

func TestLabelCoverage(t *testing.T) {
	for _, tc := range []struct {
		query, label string
		want         float64
	}{
		{"smartphone", "Smartphones", 1},
		{"smartphone", "Smartphones&BasicMobiles", 1.0 / 3}, // basicmobile is the joined form, not a word
		{"cheap smartphone", "Smartphones", 0.5},            // half the query's words
		{"laptop charger", "LaptopChargers&PowerSupplies", 0.5},
		{"laptop charger", "WallChargers", 0.25},
		{"usb cable", "USBCables", 1},
		{"usb cable", "Electronics", 0},
		{"", "Electronics", 0},
	} {
		got := newLabelCoverage(tc.query).label(tc.label)
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%q against %q: %.3f, want %.3f", tc.query, tc.label, got, tc.want)
		}
	}
	lc := newLabelCoverage("smartphone")
	fields := map[string]any{"type": "Electronics", "category": []any{"Electronics", "Smartphones&BasicMobiles", "Smartphones"}}
	if got := lc.of(labelsOf(fields, []string{"type", "category"}, nil)); got != 1 {
		t.Fatalf("best label of a phone: %.3f, want 1", got)
	}
}

func TestJoined(t *testing.T) {
	terms := []string{"iphone", "13", "iphone13"}
	if !joined(terms[:2], "iphone13") || joined(terms[:1], "13") || joined(nil, "x") || joined([]string{"ab"}, "ab") {
		t.Fatal("joined misjudges")
	}
}

// A label that is a kind of what the query names (Smartphones for "phone")
// covers it at the head's weight.
func TestLabelCoverageCompoundHead(t *testing.T) {
	lc := newLabelCoverage("android phone")
	smart, phones, stands := lc.label("Smartphones"), lc.label("Phones"), lc.label("Stands")
	if want := 0.5 * 0.5 / 2; math.Abs(smart-want) > 1e-9 || phones != 0.5 || stands != 0 {
		t.Fatalf("android phone: Smartphones %.3f (want %.3f), Phones %.3f (want 0.5), Stands %.3f", smart, want, phones, stands)
	}
}
