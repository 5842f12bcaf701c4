package lexical

import (
	"slices"
	"testing"
)

// The head word of a query (the last one before any "for …" phrase) names
// the thing asked for: "computer monitor" is a monitor, and a bike computer
// matching "computer" must score below a monitor matching "monitor" when
// both words are equally rare.
func TestHeadWordWeighsMore(t *testing.T) {
	x := New([]string{"title"})
	x.Set(1, map[string]any{"title": "GPS bike computer with colour screen"})
	x.Set(2, map[string]any{"title": "27 inch IPS monitor with thin bezel"})
	x.Set(3, map[string]any{"title": "Yoga mat, non-slip"})
	q := x.Prepare("computer monitor")
	bike, monitor := x.Score(q, "title", 1), x.Score(q, "title", 2)
	if monitor <= bike {
		t.Errorf("computer monitor: monitor %.3f, bike computer %.3f; want the head word to weigh more", monitor, bike)
	}
	// Before a "for" phrase: "case for phone" asks for a case.
	q = x.Prepare("screen for monitor")
	if s1, s2 := x.Score(q, "title", 1), x.Score(q, "title", 2); s1 <= s2 {
		t.Errorf("screen for monitor: the screen %.3f should beat the monitor %.3f", s1, s2)
	}
}

// Words of a "for …" phrase in the query are context: "weights for home
// gym" asks for weights, not for anything with "home" in its name.
func TestQueryForPhraseIsContext(t *testing.T) {
	x := New([]string{"title"})
	x.Set(1, map[string]any{"title": "Brisa Home robot vacuum"})
	x.Set(2, map[string]any{"title": "Adjustable dumbbell weights, pair"})
	x.Set(3, map[string]any{"title": "Yoga mat, non-slip"})
	x.Set(4, map[string]any{"title": "Garden hose"})
	q := x.Prepare("weights for home gym")
	if home, weights := x.Score(q, "title", 1), x.Score(q, "title", 2); weights <= 2*home {
		t.Errorf("weights for home gym: dumbbell weights %.3f, a vacuum named Home %.3f; want the thing asked for far ahead", weights, home)
	}
}

// Head gives the head word's terms as the query reads it, nil for a query
// of one word.
func TestHead(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"tv remote", []string{"remote"}},
		{"android phones", []string{"phone"}},
		{"case for iPhone 13", []string{"case"}},
		{"usb c cable", []string{"cable"}},
		{"smartphone", nil},
		{"", nil},
	} {
		if got := Head(c.text); !slices.Equal(got, c.want) {
			t.Errorf("Head(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
