package tessera_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/query"
)

// TestAccessoryForTheQueryStaysBelowIt: a cheap case whose title names the
// queried thing only as its target ("Case for Fire TV Remote, … Remote
// Cover") holds every word of "tv remote", and is filed with the remotes;
// a price weight must still not lift it above any remote. A remote that
// names its target after "Compatible for" stays a remote.
func TestAccessoryForTheQueryStaysBelowIt(t *testing.T) {
	rows := []map[string]any{
		{"id": "r-1", "title": "Tata Sky Digital TV HD Setup Box Remote", "price": 9.0},
		{"id": "r-2", "title": "LOHAYA Remote Compatible for Mi Smart LED TV 4A Remote Control", "price": 11.0},
		{"id": "r-3", "title": "Airtel Digital TV HD Setup Box Remote", "price": 8.0},
		{"id": "r-4", "title": "Universal Remote Control for All Sony TV, LCD and LED", "price": 12.0},
		{"id": "r-5", "title": "Samsung Smart TV Remote Control, Original", "price": 15.0},
		{"id": "r-6", "title": "TCL Smart TV Remote with Voice Button", "price": 10.0},
		{"id": "case-1", "title": "Smashtronics - Case for Firetv Remote, Fire Stick Remote Cover Case, Silicone Cover for TV Remote", "price": 2.0},
		{"id": "case-2", "title": "Pinowu Cover for TV Remote, Silicone Remote Protector Case, Blue", "price": 2.5},
		{"id": "case-3", "title": "Sleeve compatible with Samsung TV Remote, Shockproof Remote Cover", "price": 3.0},
	}
	for _, r := range rows {
		r["category"] = "Remote Controls"
	}
	for i, thing := range []string{"Soundbar", "Wall Mount", "HDMI Cable", "Antenna", "Streaming Stick", "Projector", "Speaker", "Set Top Box"} {
		rows = append(rows, map[string]any{"id": fmt.Sprintf("other-%d", i), "title": "Zebronics TV " + thing, "category": "TV Accessories", "price": 20.0})
	}
	db := openShopWith(t, shopSchema, rows)
	for _, w := range []float64{1, 3} {
		resp := search(t, db, query.Request{Text: "tv remote", Weights: query.Weights{"price": w}})
		ids := resultIDs(resp.Results)
		for i, id := range ids[:6] {
			if !strings.HasPrefix(id, "r-") {
				t.Fatalf("\"tv remote\" with price %v: #%d is %s; want the six remotes before any case: %v", w, i+1, id, ids)
			}
		}
		if ids[0] != "r-3" {
			t.Errorf("\"tv remote\" with price %v: #1 is %s, want the cheapest remote r-3: %v", w, ids[0], ids)
		}
	}
}
