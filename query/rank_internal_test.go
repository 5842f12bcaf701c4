package query

import (
	"fmt"
	"math"
	"testing"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/spaces"
)

func TestRelevanceBand(t *testing.T) {
	for _, c := range []struct {
		rel, best float64
		want      int
	}{
		{1, 1, 0}, {0.81, 1, 0}, {0.8, 1, 1}, {0.65, 1, 1}, {0.63, 1, 2}, {0, 1, math.MaxInt32}, {0.3, 0, 0},
	} {
		if got := relevanceBand(c.rel, c.best); got != c.want {
			t.Errorf("relevanceBand(%v, %v) = %d, want %d", c.rel, c.best, got, c.want)
		}
	}
}

// tvPool: the best text matches for "led tv" are televisions; remote
// controls say "LED TV" too but are filed elsewhere.
func tvPool() []candidate {
	var cands []candidate
	add := func(id string, rel float64, cat []string) {
		cands = append(cands, candidate{hit: index.Hit{ID: id, Fields: map[string]any{"category": cat}}, rel: rel})
	}
	for i := range 9 {
		add(fmt.Sprintf("tv-%d", i), 0.82-float64(i)*0.005, []string{"Electronics", "HomeTheater,TV&Video", "Televisions", "SmartTelevisions"})
	}
	for i := range 6 {
		add(fmt.Sprintf("remote-%d", i), 0.80-float64(i)*0.01, []string{"Electronics", "HomeTheater,TV&Video", "Accessories", "RemoteControls"})
	}
	for i := range 10 {
		add(fmt.Sprintf("other-%d", i), 0.3, []string{"Home&Kitchen", fmt.Sprintf("Thing%d", i)})
	}
	return cands
}

func TestAffinityDemotesItemsFiledAwayFromTheBestMatches(t *testing.T) {
	cands := tvPool()
	before := map[string]float64{}
	for _, c := range cands {
		before[c.hit.ID] = c.rel
	}
	readLabels(cands, []string{"category"}, nil)
	applyAffinity(cands, 1)
	for _, c := range cands {
		lost := 1 - c.rel/before[c.hit.ID]
		switch c.hit.ID[:2] {
		case "tv":
			if lost > 0.05 {
				t.Errorf("%s, typical of the best matches, lost %.0f%% of its relevance", c.hit.ID, 100*lost)
			}
		case "re":
			if lost < 0.15 {
				t.Errorf("%s, filed away from the best matches, lost only %.0f%%", c.hit.ID, 100*lost)
			}
		}
	}
	// No label fields: nothing changes.
	cands = tvPool()
	applyAffinity(cands, 0)
	for _, c := range cands {
		if c.rel != before[c.hit.ID] {
			t.Fatalf("without label fields %s changed: %v → %v", c.hit.ID, before[c.hit.ID], c.rel)
		}
	}
}

func TestSteerToNamedCategory(t *testing.T) {
	mk := func(id string, rel, title, labels float64) candidate {
		return candidate{hit: index.Hit{ID: id, Lex: []float64{title, labels}}, rel: rel}
	}
	// Every label names the query exactly, but the keypad phone's.
	cover := func(_ textPlan, c *candidate) float64 {
		if c.hit.ID == "keypad" {
			return 1.0 / 3
		}
		return 1
	}
	plans := []textPlan{{space: 0, share: 0.5, own: 0, labels: 1, dynamic: true}}
	weights := []float64{1}
	// "smartphone": the cable's title says it, the phone is filed under
	// Smartphones, the keypad phone under Smartphones&BasicMobiles (the
	// same BM25 label match, a third of the precision).
	keypad := mk("keypad", 0.70, 0.3, 1)
	cands := []candidate{mk("cable", 0.70, 0.9, 0), mk("phone", 0.55, 0, 1), keypad}
	steerToNamedCategory(cands, plans, weights, 1, cover)
	if cands[0].rel >= 0.70 || cands[1].rel != 0.55 {
		t.Errorf("named category: cable %.3f (want < 0.70), phone %.3f (want 0.55 kept)", cands[0].rel, cands[1].rel)
	}
	if cands[2].rel >= 0.70 || cands[2].rel <= cands[0].rel {
		t.Errorf("union category: keypad %.3f, want below 0.70 and above the cable's %.3f", cands[2].rel, cands[0].rel)
	}
	// No label holds the query: nothing is steered.
	cands = []candidate{mk("a", 0.7, 0.9, 0.2), mk("b", 0.5, 0.4, 0)}
	steerToNamedCategory(cands, plans, weights, 1, cover)
	if cands[0].rel != 0.7 || cands[1].rel != 0.5 {
		t.Errorf("no named category, yet relevance moved: %v %v", cands[0].rel, cands[1].rel)
	}
}

func TestCalibrateDividesBySpread(t *testing.T) {
	segs := []spaces.Segment{{Name: "title", Kind: spaces.KindText}, {Name: "price", Kind: spaces.KindNumber}}
	var cands []candidate
	var titles, prices []float64
	for i := range 10 {
		// Title similarities spread over 0.1–1.0, prices over 0.5–0.68:
		// a fifth of the spread.
		titles = append(titles, 0.1+0.1*float64(i))
		prices = append(prices, 0.5+0.02*float64(i))
		cands = append(cands, candidate{sims: []float64{titles[i], prices[i]}})
	}
	eff := calibrate([]float64{1, 1}, segs, cands, 1)
	if math.Abs(math.Abs(eff[0])+math.Abs(eff[1])-1) > 1e-12 {
		t.Fatalf("Σ|w| = %v, want 1", math.Abs(eff[0])+math.Abs(eff[1]))
	}
	// Equal weights give equal say: weight × spread is the same (text's
	// spread is its standard deviation, an attribute's absSpread).
	if sayT, sayP := eff[0]*stddev(titles), eff[1]*absSpread(prices); math.Abs(sayT-sayP) > 1e-9 {
		t.Errorf("effective weights %v: title's say %v, price's %v", eff, sayT, sayP)
	}
	// A space whose similarities do not move at all is bounded by its
	// spread floor instead of dividing by zero.
	for i := range cands {
		cands[i].sims[1] = 0.5
	}
	eff = calibrate([]float64{1, 1}, segs, cands, 1)
	want := (1 / attributeSpreadFloor) / (1/attributeSpreadFloor + 1/stddev(titles))
	if math.IsNaN(eff[1]) || math.Abs(eff[1]-want) > 1e-9 {
		t.Errorf("a flat space's effective weight is %v, want %v (bounded by attributeSpreadFloor)", eff[1], want)
	}
}

// One outlier in the top band (a keypad phone among smartphones) widens an
// attribute's spread less than it widens the standard deviation, so the
// attribute keeps more of its say over the typical items.
func TestAbsSpreadAndAnOutlier(t *testing.T) {
	typical := []float64{0.20, 0.21, 0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28, 0.29, 0.30, 0.31}
	with := append(append([]float64{}, typical...), 0.60)
	sd := stddev(with) / stddev(typical)
	abs := absSpread(with) / absSpread(typical)
	if sd < 2.5 || abs > 2 {
		t.Errorf("the outlier widens the standard deviation %.2f×, absSpread %.2f×: want absSpread far less moved", sd, abs)
	}
	// On evenly spread values it is close to the standard deviation.
	if r, s := absSpread(typical), stddev(typical); math.Abs(r-s)/s > 0.15 {
		t.Errorf("absSpread %v, stddev %v: want them close on evenly spread values", r, s)
	}
	if absSpread([]float64{0.5}) != 0 || absSpread(nil) != 0 {
		t.Error("absSpread of fewer than 2 values is not 0")
	}
}
