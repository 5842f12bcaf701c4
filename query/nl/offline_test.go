package nl

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// w is shorthand for an expected weights map.
type w = map[string]float64

func TestOfflinePhrasings(t *testing.T) {
	tests := []struct {
		q       string
		text    string
		weights w
		filter  string // JSON; "" means no filter
	}{
		// The brief's own example.
		{"wireless earbuds under 2000 with rating above 4", "wireless earbuds", w{"price": 1},
			`{"price":{"lte":2000},"review_rating":{"gte":4}}`},
		// Upper bounds with currency symbols, words and operators.
		{"below ₹500", "", w{"price": 1}, `{"price":{"lte":500}}`},
		{"less than $50 headphones", "headphones", w{"price": 1}, `{"price":{"lt":50}}`},
		{"earbuds < 100", "earbuds", w{"price": 1}, `{"price":{"lt":100}}`},
		{"headphones<=1999", "headphones", w{"price": 1}, `{"price":{"lte":1999}}`},
		{"mouse at most 300", "mouse", w{"price": 1}, `{"price":{"lte":300}}`},
		{"cheaper than 999 trimmer", "trimmer", w{"price": 1}, `{"price":{"lt":999}}`},
		{"kettle up to 1,499 rs", "kettle", w{"price": 1}, `{"price":{"lte":1499}}`},
		{"wi-fi router rs.1,499/-", "wi-fi router", w{"price": 1}, `{"price":{"lte":1499}}`},
		{"smartwatch under 5 thousand", "smartwatch", w{"price": 1}, `{"price":{"lte":5000}}`},
		{"₹800 earbuds", "earbuds", w{"price": 1}, `{"price":{"lte":800}}`},
		{"phone within a budget of 15000", "phone", w{"price": 1}, `{"price":{"lte":15000}}`},
		// A resolution after "top rated" is text, not a rating of 4,000.
		{"top rated 4k television", "4k television", w{"rating": 1}, ""},
		// Lower bounds and multipliers.
		{"television over 1k", "television", nil, `{"price":{"gte":1000}}`},
		{"laptop more than 1.5 lakh", "laptop", nil, `{"price":{"gt":150000}}`},
		{"geyser 5000 rupees or more", "geyser", nil, `{"price":{"gte":5000}}`},
		// Ranges.
		{"between 500 and 1500", "", nil, `{"and":[{"price":{"gte":500}},{"price":{"lte":1500}}]}`},
		{"500-1500 rupees speaker", "speaker", nil, `{"and":[{"price":{"gte":500}},{"price":{"lte":1500}}]}`},
		{"from 100 to 200 usb cable", "usb cable", nil, `{"and":[{"price":{"gte":100}},{"price":{"lte":200}}]}`},
		{"iron $20 - $10", "iron", nil, `{"and":[{"price":{"gte":10}},{"price":{"lte":20}}]}`},
		{"between 3.5 and 5 stars", "", nil, `{"and":[{"review_rating":{"gte":3.5}},{"review_rating":{"lte":5}}]}`},
		// Ratings.
		{"above 4 stars", "", nil, `{"review_rating":{"gte":4}}`},
		{"rating 4+ mixer grinder", "mixer grinder", nil, `{"review_rating":{"gte":4}}`},
		{"4 stars and up", "", nil, `{"review_rating":{"gte":4}}`},
		{"4.5+ rated earbuds", "earbuds", nil, `{"review_rating":{"gte":4.5}}`},
		{"keyboard with a rating of at least 3.8", "keyboard", nil, `{"review_rating":{"gte":3.8}}`},
		{"four star headphones", "headphones", nil, `{"review_rating":{"gte":4}}`},
		{"rated better than 4 cables", "cables", nil, `{"review_rating":{"gt":4}}`},
		{"above 4", "", nil, `{"review_rating":{"gte":4}}`},
		// Price and rating together, in either order.
		{"under 500 rating 4+", "", w{"price": 1}, `{"price":{"lte":500},"review_rating":{"gte":4}}`},
		{"4 star trimmer below rs 700", "trimmer", w{"price": 1}, `{"price":{"lte":700},"review_rating":{"gte":4}}`},
		// Weight words.
		{"cheap wireless mouse", "wireless mouse", w{"price": 1}, ""},
		{"affordable budget-friendly blender", "blender", w{"price": 1}, ""},
		{"best rated power bank", "power bank", w{"rating": 1}, ""},
		{"top-rated well reviewed webcam", "webcam", w{"rating": 1}, ""},
		{"newest smart watches", "smart watches", w{"recency": 1}, ""},
		{"latest arrivals", "arrivals", w{"recency": 1}, ""},
		{"premium headphones", "headphones", w{"price": -1}, ""},
		{"not expensive printer", "printer", w{"price": 1}, ""},
		{"luxury watch, top rated", "watch", w{"price": -1, "rating": 1}, ""},
		// Categories: whole names and parts stay in the text, where the
		// ranking matches them against the category labels; no filter.
		{"cheap electronics", "electronics", w{"price": 1}, ""},
		{"Home & Kitchen appliances under 3000", "Home Kitchen appliances", w{"price": 1}, `{"price":{"lte":3000}}`},
		{"home and kitchen", "home kitchen", nil, ""},
		{"office products", "office", nil, ""},
		{"musical instrument", "musical instrument", nil, ""},
		{"toysgames", "toysgames", nil, ""},
		{"newest toys for kids", "toys for kids", w{"recency": 1}, ""}, // "for" marks what the toys are for
		{"kitchen", "kitchen", nil, ""},
		// A category word that modifies another noun is only text.
		{"car charger under 1.5k", "car charger", w{"price": 1}, `{"price":{"lte":1500}}`},
		{"kitchen knife set", "kitchen knife set", nil, ""},
		// Stop-words and filler.
		{"show me i want a power bank", "power bank", nil, ""},
		{"I need something for my car", "car", nil, ""},
		// Numbers that are not prices or ratings stay text.
		{"power bank above 10000 mah", "power bank above 10000 mah", nil, ""},
		{"iphone 15 plus", "iphone 15 plus", nil, ""},
		{"toys for ages 4 and up", "toys for ages 4 up", nil, ""},
		{"1-2 years warranty", "1-2 years warranty", nil, ""},
		{"3-in-1 charger 500gb", "3-in-1 charger 500gb", nil, ""},
		{"4k tv", "4k tv", nil, ""},
		{"over-ear headphones", "over-ear headphones", nil, ""},
		{"over 1000 reviews", "over 1000 reviews", nil, ""},
		// Two upper bounds on one field keep the tighter one.
		{"under 2000 below 1500", "", w{"price": 1}, `{"price":{"lte":1500}}`},
	}
	p := NewOffline(amazonVocab())
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			got, err := p.Parse(context.Background(), tc.q)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.Source != SourceOffline {
				t.Errorf("source = %q, want offline", got.Source)
			}
			if got.Text != tc.text {
				t.Errorf("text = %q, want %q", got.Text, tc.text)
			}
			if !maps.Equal(got.Weights, tc.weights) {
				t.Errorf("weights = %v, want %v", got.Weights, tc.weights)
			}
			if g, want := normJSON(t, got.Filter), wantFilter(t, tc.filter); !reflect.DeepEqual(g, want) {
				t.Errorf("filter = %s, want %s", mustJSON(t, got.Filter), tc.filter)
			}
			if (tc.filter != "" || tc.weights != nil) && len(got.Understood) == 0 {
				t.Errorf("no notes for an understood query")
			}
		})
	}
}

func TestOfflineNotes(t *testing.T) {
	got, _ := NewOffline(amazonVocab()).Parse(context.Background(), "cheap electronics under 2000 with rating above 4 toys")
	want := []string{
		`"cheap" → price weight 1 (cheaper first)`,
		`"electronics" → ranks category [Electronics] first`,
		`"under 2000" → price ≤ 2000`,
		`"rating above 4" → review_rating ≥ 4`,
	}
	if !reflect.DeepEqual(got.Understood, want) {
		t.Errorf("notes =\n%q\nwant\n%q", got.Understood, want)
	}
	b := mustJSON(t, Interpretation{Understood: []string{}})
	if !strings.Contains(b, `"understood":[]`) {
		t.Errorf("empty notes marshal as %s, want []", b)
	}
	if got, _ := NewOffline(amazonVocab()).Parse(context.Background(), "usb cable"); got.Understood == nil {
		t.Errorf("Understood is nil; the JSON would be null")
	}
}

// A catalogue without a recency space or rating field keeps the words as
// text and says why, instead of emitting a weight or filter for a space that
// does not exist.
func TestOfflineMissingVocab(t *testing.T) {
	v := amazonVocab()
	v.RecencySpace, v.RatingField = "", ""
	got, _ := NewOffline(v).Parse(context.Background(), "newest earbuds rating above 4")
	if got.Text != "newest earbuds" {
		t.Errorf("text = %q, want %q", got.Text, "newest earbuds")
	}
	if got.Weights != nil || got.Filter != nil {
		t.Errorf("weights %v filter %v, want none", got.Weights, got.Filter)
	}
	want := []string{
		`"newest" → kept as text: this catalogue has no recency space`,
		`"rating above 4" → ignored: this catalogue has no rating filter`,
	}
	if !reflect.DeepEqual(got.Understood, want) {
		t.Errorf("notes = %q, want %q", got.Understood, want)
	}
}

// Path-valued categories (the raw amazon file's category column): the top
// level names a department and filters; a lower level or the head noun of a
// CamelCase piece is a product noun, so it stays in the text and adds no
// filter.
func TestOfflinePathCategories(t *testing.T) {
	v := amazonVocab()
	v.Categories = map[string][]string{"category": {
		"Electronics|Headphones,Earbuds&Accessories|Headphones|In-Ear",
		"Electronics|WearableTechnology|SmartWatches",
		"Electronics|Mobiles&Accessories|Smartphones&BasicMobiles|Smartphones",
		"Computers&Accessories|Accessories&Peripherals|Cables&Accessories|Cables|USBCables",
		"Electronics|HomeTheater,TV&Video|Accessories|Cables|HDMICables",
	}}
	p := NewOffline(v)
	cases := []struct{ q, text, filter string }{
		{"noise cancelling headphones", "noise cancelling headphones", ""},
		{"fitbit smart watch", "fitbit smart watch", ""},
		{"braided cables", "braided cables", ""},
		{"usb cables", "usb cables", ""},
		{"smartphone", "smartphone", ""},
		{"accessories", "accessories", ""},
		{"headphones stand", "headphones stand", ""},
		{"electronics", "electronics", ""},
		{"computers and accessories cables", "computers accessories cables", ""},
	}
	for _, tc := range cases {
		got, _ := p.Parse(context.Background(), tc.q)
		if got.Text != tc.text {
			t.Errorf("%q: text = %q, want %q", tc.q, got.Text, tc.text)
		}
		if g, want := normJSON(t, got.Filter), wantFilter(t, tc.filter); !reflect.DeepEqual(g, want) {
			t.Errorf("%q: filter = %s, want %s", tc.q, mustJSON(t, got.Filter), tc.filter)
		}
	}
}

func TestOfflineLongInput(t *testing.T) {
	q := strings.Repeat("cheap ", 1000) + "under 500"
	got, _ := NewOffline(amazonVocab()).Parse(context.Background(), q)
	if len(got.Understood) == 0 || !strings.HasPrefix(got.Understood[0], "query cut to its first") {
		t.Errorf("notes = %q, want a note about the cut", got.Understood)
	}
	if got.Filter != nil {
		t.Errorf("filter from beyond the cut: %v", got.Filter)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}

// normJSON round-trips v through JSON so that []string and []any compare equal.
func normJSON(t testing.TB, v map[string]any) any {
	t.Helper()
	if v == nil {
		return nil
	}
	var out any
	if err := json.Unmarshal([]byte(mustJSON(t, v)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantFilter(t testing.TB, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("bad expected filter %s: %v", s, err)
	}
	return out
}

// TestForPhraseSurvives: a "for" between kept words stays in the text, so
// the ranking still reads the words after it as what the item is for
// ("case for iphone" is a case); at either end it is dropped like any
// lone stop word.
func TestForPhraseSurvives(t *testing.T) {
	p := NewOffline(amazonVocab())
	for q, want := range map[string]string{
		"top rated heater for winter": "heater for winter",
		"cheap case for iphone 13":    "case for iphone 13",
		"for kids cheap toys":         "kids toys",
		"cheap toys for":              "toys",
		"best for":                    "",
	} {
		got, _ := p.Parse(context.Background(), q)
		if got.Text != want {
			t.Errorf("%q: text %q, want %q", q, got.Text, want)
		}
	}
}
