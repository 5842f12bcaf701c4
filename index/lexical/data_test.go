package lexical

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/internal/sharedtest"
)

// product is one row of the shared Amazon India products.csv.
type product struct {
	asin, category, title, description string
}

// products reads ../shared/datasets/amazon-india/products.csv, skipping t
// when it is absent (failing under CI=true).
func products(t testing.TB) []product {
	t.Helper()
	f, err := os.Open(sharedtest.Path(t, "amazon-india/products.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"asin", "category", "title", "description"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("products.csv has no %q column: %v", name, rows[0])
		}
	}
	out := make([]product, 0, len(rows)-1)
	for _, r := range rows[1:] {
		out = append(out, product{r[col["asin"]], r[col["category"]], r[col["title"]], r[col["description"]]})
	}
	return out
}

// doc is p as a row of the fields title, category and description.
func (p product) doc() map[string]any {
	return map[string]any{"title": p.title, "category": p.category, "description": p.description}
}

// fused ranks slots by the mean of q's scores in fields, the way a caller
// fuses per-field scores; ties by slot.
func fused(x *Index, q *Query, fields []string, k int) []Hit {
	seen := map[uint32]bool{}
	var out []Hit
	for _, f := range fields {
		for _, h := range x.Top(q, f, x.Len(), nil) {
			if seen[h.Slot] {
				continue
			}
			seen[h.Slot] = true
			s := 0.0
			for _, g := range fields {
				s += x.Score(q, g, h.Slot)
			}
			out = append(out, Hit{h.Slot, s / float64(len(fields))})
		}
	}
	slices.SortFunc(out, byRank)
	return out[:min(k, len(out))]
}

func TestAmazonProducts(t *testing.T) {
	ps := products(t)
	x := New([]string{"title", "category"})
	for i, p := range ps {
		x.Set(uint32(i), map[string]any{"title": p.title, "category": p.category})
	}
	show := func(q string, hits []Hit) {
		for _, h := range hits {
			t.Logf("%q %.3f %.60s | %s", q, h.Score, ps[h.Slot].title, ps[h.Slot].category)
		}
	}
	hits := fused(x, x.Prepare("smartphone"), []string{"title", "category"}, 10)
	show("smartphone", hits)
	phones := 0
	for _, h := range hits {
		if strings.Contains(ps[h.Slot].category, "Smartphones") {
			phones++
		}
	}
	if phones == 0 {
		t.Errorf("no phone in the top 10 for smartphone")
	}
	// Phones tie for the best score with the few cables whose title
	// says "Smartphone" outside a "for" phrase (scores saturate at 1);
	// no phone scores below any accessory.
	all := fused(x, x.Prepare("smartphone"), []string{"title", "category"}, x.Len())
	lowPhone, highOther := 1.0, 0.0
	for _, h := range all {
		if strings.Contains(ps[h.Slot].category, "|Smartphones") {
			lowPhone = min(lowPhone, h.Score)
		} else {
			highOther = max(highOther, h.Score)
		}
	}
	if lowPhone < highOther {
		t.Errorf("smartphone: a phone scores %.3f, below an accessory's %.3f", lowPhone, highOther)
	}
	hits = fused(x, x.Prepare("power bank"), []string{"title", "category"}, 5)
	show("power bank", hits)
	for _, h := range hits {
		if !strings.Contains(ps[h.Slot].category, "PowerBanks") {
			t.Errorf("power bank: %q (%s) in the top 5", ps[h.Slot].title, ps[h.Slot].category)
		}
	}
}
