package wordvec

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
)

type product struct{ title, category string }

func loadProducts(t testing.TB) []product {
	t.Helper()
	f, err := os.Open(sharedtest.Path(t, "amazon-india/products.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	ti, ok1 := col["title"]
	ci, ok2 := col["category"]
	if !ok1 || !ok2 {
		t.Fatalf("products.csv header %q lacks title/category", head)
	}
	var ps []product
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, product{rec[ti], rec[ci]})
	}
	return ps
}

// A relevance query: a hit is a title containing any of keywords
// (lower-cased) or, separately, a category path containing any of cats.
type relQuery struct {
	q        string
	keywords []string
	cats     []string
}

var relQueries = []relQuery{
	{"usb c charging cable", []string{"cable"}, []string{"Cables"}},
	{"bluetooth earphones", []string{"earphone", "earbud", "headphone", "neckband", "headset"}, []string{"Headphones"}},
	{"smart watch", []string{"watch"}, []string{"SmartWatches"}},
	{"led bulb", []string{"led", "light", "lamp", "bulb"}, []string{"Lamps", "Lighting"}},
	{"mixer grinder", []string{"mixer", "grinder"}, []string{"MixerGrinders"}},
	{"electric kettle", []string{"kettle"}, []string{"Kettles"}},
	{"steam iron", []string{"iron"}, []string{"Irons"}},
	{"room heater", []string{"heater"}, []string{"RoomHeaters"}},
	{"water purifier", []string{"purifier", "filter"}, []string{"WaterPurifiers"}},
	{"wireless mouse", []string{"mouse"}, []string{"Mice"}},
	{"power bank", []string{"power bank", "powerbank"}, []string{"PowerBanks"}},
	{"32 inch smart tv", []string{"tv", "television"}, []string{"Televisions"}},
	{"hdmi cable", []string{"hdmi"}, []string{"HDMICables"}},
	{"tv remote control", []string{"remote"}, []string{"RemoteControls"}},
	{"micro sd memory card", []string{"card", "microsd"}, []string{"MemoryCards"}},
	{"pen drive", []string{"pen drive", "flash drive", "pendrive"}, []string{"PenDrives"}},
	{"wifi router", []string{"router"}, []string{"Routers"}},
	{"ceiling fan", []string{"fan"}, []string{"Fans"}},
	{"instant water heater geyser", []string{"geyser", "water heater"}, []string{"WaterHeaters"}},
	{"lint remover", []string{"lint"}, []string{"LintShavers"}},
	{"hand blender", []string{"blender"}, []string{"HandBlenders"}},
	{"sandwich maker", []string{"sandwich"}, []string{"SandwichMakers"}},
	{"egg boiler", []string{"egg"}, []string{"EggBoilers"}},
	{"vacuum cleaner", []string{"vacuum"}, []string{"Vacuums"}},
	{"kitchen weighing scale", []string{"scale"}, []string{"KitchenScales"}},
	{"laundry basket", []string{"laundry", "basket"}, []string{"LaundryBaskets"}},
	{"5g smartphone 128gb", []string{"5g", "phone"}, []string{"Smartphones"}},
	{"boat earphones", []string{"boat"}, []string{"Headphones"}},
	{"redmi phone", []string{"redmi"}, []string{"Smartphones"}},
	{"type-c to lightning cable", []string{"lightning"}, []string{"Cables"}},
}

// rank returns the indices of the k titles closest to q by brute-force
// cosine.
func rankTitles(e *Embedder, titles [][]float32, q string, k int) []int {
	qv := make([]float32, e.Dim())
	e.embedOne(q, qv)
	idx := make([]int, len(titles))
	score := make([]float64, len(titles))
	for i, v := range titles {
		idx[i] = i
		score[i] = cosine(qv, v)
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	return idx[:k]
}

func embedTitles(t testing.TB, e *Embedder, ps []product) [][]float32 {
	titles := make([]string, len(ps))
	for i, p := range ps {
		titles[i] = p.title
	}
	vs, err := e.Embed(context.Background(), titles)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// precision returns mean precision@k over relQueries by title keyword
// and by category.
func precision(e *Embedder, ps []product, vs [][]float32, k int, verbose func(string)) (kw, cat float64) {
	for _, q := range relQueries {
		top := rankTitles(e, vs, q.q, k)
		var nk, nc int
		for _, i := range top {
			if containsAny(strings.ToLower(ps[i].title), q.keywords) {
				nk++
			}
			if containsAny(ps[i].category, q.cats) {
				nc++
			}
		}
		if verbose != nil {
			verbose(fmt.Sprintf("%-30q kw %2d/%d cat %2d/%d  top: %.60s", q.q, nk, k, nc, k, ps[top[0]].title))
		}
		kw += float64(nk) / float64(k)
		cat += float64(nc) / float64(k)
	}
	n := float64(len(relQueries))
	return kw / n, cat / n
}

func TestUSBCableTop5(t *testing.T) {
	ps := loadProducts(t)
	e := defaultEmbedder(t)
	vs := embedTitles(t, e, ps)
	for _, i := range rankTitles(e, vs, "usb c charging cable", 5) {
		if !strings.Contains(strings.ToLower(ps[i].title), "cable") || !strings.Contains(ps[i].category, "Cables") {
			t.Errorf("top 5 for %q holds %q (%s)", "usb c charging cable", ps[i].title, ps[i].category)
		}
	}
	kw, cat := precision(e, ps, vs, 10, nil)
	t.Logf("P@10 over %d queries: keyword %.3f, category %.3f", len(relQueries), kw, cat)
	if kw < 0.7 {
		t.Errorf("mean keyword P@10 %.3f, want ≥ 0.7", kw)
	}
}

// TestRelevanceReport compares embedder settings on the amazon titles;
// run it with WORDVEC_EVAL=1 -v. It produced the numbers in NOTICE.md
// that chose defaultConfig.
func TestRelevanceReport(t *testing.T) {
	if os.Getenv("WORDVEC_EVAL") == "" {
		t.Skip("set WORDVEC_EVAL=1 to compare settings")
	}
	ps := loadProducts(t)
	m, err := parseModel(glove)
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][3]string{
		{"running shoes", "sneakers for jogging", "cast iron skillet"},
		{"bluetooth earphones", "wireless headphones", "stainless steel pressure cooker"},
		{"mixer grinder", "kitchen blender for smoothies", "smartphone screen protector"},
		{"laptop bag", "notebook computer backpack", "ceiling fan"},
		{"electric kettle", "boil water for tea", "hdmi cable"},
	}
	base := config{a: 1e-3, oovWeight: 1, numWeight: 0.5}
	var cfgs []config
	for _, a := range []float64{1e-3, 1e-4} {
		for _, unit := range []bool{false, true} {
			c := base
			c.a, c.unitWords = a, unit
			cfgs = append(cfgs, c)
		}
	}
	for _, td := range []int{32, 64, 128} {
		for _, sh := range []float64{0.1, 0.2, 0.3, 0.4} {
			c := base
			c.triDims, c.triShare = td, sh
			cfgs = append(cfgs, c)
		}
	}
	for _, td := range []int{128, 256} {
		for _, sh := range []float64{0.1, 0.15} {
			for _, unit := range []bool{false, true} {
				c := base
				c.triDims, c.triShare, c.unitWords = td, sh, unit
				cfgs = append(cfgs, c)
			}
		}
	}
	for _, nw := range []float32{0.25, 1} {
		c := base
		c.triDims, c.triShare, c.numWeight = 64, 0.2, nw
		cfgs = append(cfgs, c)
	}
	for _, c := range cfgs {
		e, err := newEmbedder(m, c)
		if err != nil {
			t.Fatal(err)
		}
		vs := embedTitles(t, e, ps)
		kw, cat := precision(e, ps, vs, 10, nil)
		var gap, near float64
		for _, p := range pairs {
			q := make([][]float32, 3)
			for i := range q {
				q[i] = make([]float32, e.Dim())
				e.embedOne(p[i], q[i])
			}
			n := cosine(q[0], q[1])
			near += n
			gap += n - cosine(q[0], q[2])
		}
		t.Logf("%-60s P@10 kw %.3f cat %.3f | near %.3f gap %.3f", e.Name(), kw, cat, near/5, gap/5)
	}
	if testing.Verbose() {
		e, _ := newEmbedder(m, defaultConfig)
		precision(e, ps, embedTitles(t, e, ps), 10, func(s string) { t.Log(s) })
	}
}
