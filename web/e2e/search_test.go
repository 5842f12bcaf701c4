package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const query = "wireless earbuds"

// apiSchema is the part of GET /v1/schema the tests check the page against.
type apiSchema struct {
	Spaces []struct {
		Name       string   `json:"name"`
		Kind       string   `json:"kind"`
		Field      string   `json:"field"`
		Categories []string `json:"categories"`
		Weight     *float64 `json:"weight"`
	} `json:"spaces"`
	Filters []string `json:"filters"`
}

func (e *env) schema(t *testing.T) apiSchema {
	t.Helper()
	res, err := http.Get(e.base + "/v1/schema")
	if err != nil {
		t.Fatalf("GET /v1/schema: %v", err)
	}
	defer res.Body.Close()
	var s apiSchema
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatalf("decode /v1/schema: %v", err)
	}
	if len(s.Spaces) == 0 {
		t.Fatal("/v1/schema lists no spaces")
	}
	return s
}

// priceSpace is the name of the number space over the price field.
func (s apiSchema) priceSpace(t *testing.T) string {
	t.Helper()
	for _, sp := range s.Spaces {
		if sp.Kind == "number" && (sp.Field == "price" || sp.Name == "price") {
			return sp.Name
		}
	}
	t.Fatalf("the schema has no number space over price: %+v", s.Spaces)
	return ""
}

// categoryFilter is the filter field that has a category space, or "".
func (s apiSchema) categoryFilter() string {
	for _, sp := range s.Spaces {
		if sp.Kind == "category" && slices.Contains(s.Filters, sp.Field) {
			return sp.Field
		}
	}
	return ""
}

func TestSearchShowsResultCards(t *testing.T) {
	e := setup(t)
	tb := newTab(t, e)
	tb.do("set the viewport", chromedp.EmulateViewport(viewW, viewH))
	tb.open("/")

	// One slider per space of the schema, each with a visible value.
	sch := e.schema(t)
	got := eval[[]string](tb, `[...document.querySelectorAll('#sliders input[type=range]')].map(s => s.dataset.space)`)
	var want []string
	for _, sp := range sch.Spaces {
		want = append(want, sp.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("sliders = %v, want one per space %v", got, want)
	}
	for _, sp := range sch.Spaces {
		def := 1.0
		if sp.Weight != nil {
			def = *sp.Weight
		}
		wantText := fmt.Sprintf("%.1f", def)
		if def == 0 {
			wantText = "off"
		}
		if v := eval[string](tb, `document.querySelector('[data-testid="slider-`+sp.Name+`-value"]').textContent`); v != wantText {
			t.Errorf("slider %s shows %q, want its default %s", sp.Name, v, wantText)
		}
	}

	tb.do("type a query", chromedp.SendKeys(testID("search-input"), query))
	tb.waitSearch("q", query)
	rs := tb.results()
	if len(rs) == 0 {
		t.Fatalf("no result cards for %q\n%s", query, tb.diagnose())
	}
	relevant := false
	for _, r := range rs[:min(5, len(rs))] {
		relevant = relevant || containsFold(r.Title, "earbud") || containsFold(r.Title, "wireless")
	}
	if !relevant {
		t.Errorf("no earbuds or wireless product in the top 5 for %q: %+v", query, rs[:min(5, len(rs))])
	}
	// Relevance first: the on-topic cards lead, best score first.
	for i := 1; i < len(rs); i++ {
		if rs[i].OnTopic && !rs[i-1].OnTopic {
			t.Errorf("on-topic card #%d after an off-topic one", i+1)
		}
		if rs[i].OnTopic && rs[i].Score > rs[i-1].Score+1e-9 {
			t.Errorf("on-topic cards out of score order: #%d %.4f > #%d %.4f", i+1, rs[i].Score, i, rs[i-1].Score)
		}
	}

	// The bars of each card are the per-space scores, which sum to the total.
	sums := eval[[][2]float64](tb, `[...document.querySelectorAll('[data-testid="result-card"]')].map(c => [
		[...c.querySelectorAll('.bar-row')].reduce((a, b) => a + Number(b.dataset.value), 0),
		Number(c.querySelector('[data-testid="result-score"]').dataset.value)])`)
	for i, s := range sums {
		if math.Abs(s[0]-s[1]) > 1e-3*math.Max(1, math.Abs(s[1])) {
			t.Errorf("card #%d: bars sum to %.4f, score is %.4f", i+1, s[0], s[1])
		}
	}
	if bars := eval[int](tb, `document.querySelectorAll('[data-testid="result-card"]:first-child .bar-row').length`); bars < 2 {
		t.Errorf("first card has %d score bars, want one per contributing space", bars)
	}

	count := eval[string](tb, `document.querySelector('[data-testid="result-count"]').textContent`)
	if !strings.Contains(count, "matching") {
		t.Errorf("result count reads %q", count)
	}
	if live := eval[string](tb, `document.querySelector('[data-testid="result-count"]').getAttribute("aria-live")`); live != "polite" {
		t.Errorf("result count aria-live = %q, want polite", live)
	}
	// The picture shows the page at rest: no caret, no focus ring.
	eval[bool](tb, `(document.activeElement.blur(), true)`)
	tb.screenshot("screenshot.png", true)

	// "Show more" appends the next page under the first.
	firstPage := ids(rs)
	tb.waitFor("the Show more button", `!document.querySelector('[data-testid="load-more"]').hidden`, 5*time.Second)
	tb.do("click Show more", chromedp.Click(testID("load-more")))
	tb.waitFor("a second page of cards", fmt.Sprintf(
		`document.querySelectorAll('[data-testid="result-card"]').length > %d && document.getElementById("results").dataset.state === "done"`, len(rs)), 10*time.Second)
	both := ids(tb.results())
	if !slices.Equal(both[:len(firstPage)], firstPage) {
		t.Errorf("Show more changed the first page:\nbefore: %v\nafter:  %v", firstPage, both[:len(firstPage)])
	}
	if dup := len(both) - len(slices.Compact(slices.Sorted(slices.Values(both)))); dup != 0 {
		t.Errorf("%d duplicate cards after Show more: %v", dup, both)
	}
}

func TestPriceWeightReordersResults(t *testing.T) {
	e := setup(t)
	sch := e.schema(t)
	price := sch.priceSpace(t)
	tb := newTab(t, e)
	tb.open("/?q=" + url.QueryEscape(query))
	before := tb.results()
	if len(before) < 2 {
		t.Fatalf("want at least 2 results for %q, got %d", query, len(before))
	}

	for _, sp := range sch.Spaces {
		if sp.Name != price {
			tb.setSlider(sp.Name, 0.1)
		}
	}
	// The price slider goes to its maximum from the keyboard, as a user would.
	tb.do("press End on the price slider",
		chromedp.Focus(testID("slider-"+price)),
		chromedp.KeyEvent(kb.End))
	tb.waitSearch("w."+price, "3")

	if v := eval[string](tb, `document.querySelector('[data-testid="slider-`+price+`-value"]').textContent`); v != "3.0" {
		t.Errorf("price slider shows %q, want 3.0", v)
	}
	after := tb.results()
	if len(after) == 0 {
		t.Fatalf("no results after raising the price weight\n%s", tb.diagnose())
	}
	if slices.Equal(ids(before), ids(after)) {
		t.Errorf("raising the price weight did not change the order: %v", ids(after))
	}
	// The schema's own price and rating weights may already put a cheap
	// pair first; price 3 must make the first result the cheapest of the
	// on-topic ones.
	if !after[0].OnTopic {
		t.Fatalf("first result %s is off topic with price weight 3: %v", after[0].ID, ids(after))
	}
	for _, r := range after {
		if r.OnTopic && r.Price < after[0].Price {
			t.Errorf("first result costs %.2f with price weight 3, but on-topic %s costs %.2f: %v", after[0].Price, r.ID, r.Price, ids(after))
		}
	}
}

func TestSharedURLRestoresSearch(t *testing.T) {
	e := setup(t)
	sch := e.schema(t)
	price := sch.priceSpace(t)
	tb := newTab(t, e)
	tb.open("/?q=" + url.QueryEscape(query))
	tb.setSlider(price, 2.5)
	tb.waitSearch("w."+price, "2.5")

	// Narrow to the first result's category by ticking its box.
	cat := sch.categoryFilter()
	var picked string
	if cat != "" {
		picked = eval[string](tb, `(document.querySelector('[data-testid="result-card"] [data-testid="result-category"]') || {}).textContent || ""`)
		if picked == "" {
			t.Fatalf("the first card shows no category\n%s", tb.diagnose())
		}
		clicked := eval[bool](tb, fmt.Sprintf(`(() => {
			const box = [...document.querySelectorAll('[data-testid="filter-%s-option"]')].find(b => b.value === %s);
			if (!box) return false;
			box.click();
			return true;
		})()`, cat, js(picked)))
		if !clicked {
			t.Fatalf("no %s checkbox for %q", cat, picked)
		}
		tb.waitSearch("f."+cat, picked)
	}

	first := tb.results()
	if len(first) == 0 {
		t.Fatalf("no results before sharing\n%s", tb.diagnose())
	}
	href := eval[string](tb, `location.href`)
	if !strings.Contains(href, "w."+price+"=2.5") {
		t.Errorf("the URL %s does not hold the price weight", href)
	}

	other := newTab(t, e)
	other.do("open the shared URL", chromedp.Navigate(href))
	other.waitSettled("the shared URL's search")
	again := other.results()
	if !slices.Equal(ids(first), ids(again)) {
		t.Errorf("the shared URL shows other results:\nfirst tab: %v\nnew tab:   %v", ids(first), ids(again))
	}
	if v := eval[string](other, `document.querySelector('[data-testid="search-input"]').value`); v != query {
		t.Errorf("search box in the new tab = %q, want %q", v, query)
	}
	if v := eval[string](other, `document.querySelector('[data-testid="slider-`+price+`"]').value`); v != "2.5" {
		t.Errorf("price slider in the new tab = %q, want 2.5", v)
	}
	if cat != "" {
		checked := eval[[]string](other, `[...document.querySelectorAll('[data-testid="filter-`+cat+`-option"]:checked')].map(b => b.value)`)
		if !slices.Equal(checked, []string{picked}) {
			t.Errorf("checked categories in the new tab = %v, want [%s]", checked, picked)
		}
	}
}

func TestAPIErrorShownInline(t *testing.T) {
	e := setup(t)
	tb := newTab(t, e)
	// A hand-edited link with a misspelt space: the server refuses it, and
	// the page must say so instead of showing nothing.
	tb.open("/?q=earbuds&w.nosuchspace=2")
	tb.waitFor("the search error", `!document.querySelector('[data-testid="search-error"]').hidden`, 10*time.Second)
	msg := eval[string](tb, `document.querySelector('[data-testid="search-error"]').textContent`)
	if !strings.Contains(msg, "nosuchspace") {
		t.Errorf("error reads %q, want it to name the field nosuchspace", msg)
	}
	if role := eval[string](tb, `document.querySelector('[data-testid="search-error"]').getAttribute("role")`); role != "alert" {
		t.Errorf("error role = %q, want alert", role)
	}
	if n := len(tb.results()); n != 0 {
		t.Errorf("%d result cards next to an error, want none", n)
	}
}

// TestNaturalLanguageShowsInterpretation: natural language is on by
// default (no nl in the address); what the server understood is shown and
// applied, and the price slider shows the weight the query set ("under 50"
// prefers the cheaper end); unticked, the box sends plain text (nl=0), the
// interpretation goes and the slider returns to the schema's weight.
func TestNaturalLanguageShowsInterpretation(t *testing.T) {
	e := setup(t)
	price := e.schema(t).priceSpace(t)
	tb := newTab(t, e)
	tb.open("/")
	if !eval[bool](tb, `document.querySelector('[data-testid="nl-toggle"]').checked`) {
		t.Fatal("natural language is off on a fresh page, want it on by default")
	}
	q := "wireless earbuds under 50"
	tb.do("type a query", chromedp.SendKeys(testID("search-input"), q+"\n"))
	tb.waitSearch("q", q)
	if has := eval[bool](tb, `new URLSearchParams(location.search).has("nl")`); has {
		t.Errorf("URL %q carries nl, want the default left out", eval[string](tb, `location.search`))
	}
	tb.waitFor("the interpretation", `!document.querySelector('[data-testid="interpreted"]').hidden`, 5*time.Second)
	text := eval[string](tb, `document.querySelector('[data-testid="interpreted"]').textContent`)
	if !strings.Contains(text, "50") {
		t.Errorf("interpretation %q does not mention the price bound 50", text)
	}
	// What the server understood also applies: no card costs more than 50.
	for _, r := range tb.results() {
		if r.Price > 50 {
			t.Errorf("%s costs %.2f, above the 50 the query asked for", r.ID, r.Price)
		}
	}
	sliderReads := func() (value, from string) {
		return eval[string](tb, `document.querySelector('[data-testid="slider-`+price+`-value"]').textContent`),
			eval[string](tb, `document.querySelector('[data-testid="space-`+price+`"]').dataset.from || ""`)
	}
	if v, from := sliderReads(); v != "1.0" || from != "query" {
		t.Errorf("price slider reads %q (from %q) after %q, want 1.0 set by the query", v, from, q)
	}
	tb.screenshot("natural-language.png", false)

	tb.do("switch natural language off", chromedp.Click(testID("nl-toggle")))
	tb.waitSearch("nl", "0")
	tb.waitFor("the interpretation to go", `document.querySelector('[data-testid="interpreted"]').hidden`, 5*time.Second)
	if v, from := sliderReads(); v == "1.0" || from != "schema" {
		t.Errorf("price slider reads %q (from %q) with plain text, want the schema's weight", v, from)
	}
	schemaValue, _ := sliderReads()

	// Back to natural language, the user moves the price slider to the
	// schema's own weight: it is theirs and is sent, over the query's 1.
	tb.do("switch natural language on", chromedp.Click(testID("nl-toggle")))
	tb.waitFor("the query's price weight", `document.querySelector('[data-testid="space-`+price+`"]').dataset.from === "query"`, 10*time.Second)
	tb.setSlider(price, mustFloat(t, schemaValue))
	tb.waitSearch("w."+price, schemaValue)
	if v, from := sliderReads(); v != schemaValue || from != "user" {
		t.Errorf("price slider reads %q (from %q) after the user set it to %s, want theirs", v, from, schemaValue)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number: %v", s, err)
	}
	return f
}

func TestStatusStrip(t *testing.T) {
	e := setup(t)
	tb := newTab(t, e)
	tb.open("/")
	tb.waitFor("rows in the status strip", `Number(document.querySelector('[data-testid="status-rows"]').dataset.value) > 0`, 10*time.Second)
	fresh := eval[string](tb, `document.querySelector('[data-testid="status-fresh"]').textContent`)
	if !strings.HasSuffix(fresh, " ago") {
		t.Errorf("freshness reads %q, want a time ago", fresh)
	}
	qps := eval[string](tb, `document.querySelector('[data-testid="status-qps"]').textContent`)
	if _, err := fmt.Sscanf(qps, "%g", new(float64)); err != nil {
		t.Errorf("queries/s reads %q, want a number", qps)
	}
}

func TestFiltersNarrowResults(t *testing.T) {
	e := setup(t)
	sch := e.schema(t)
	if !slices.Contains(sch.Filters, "price") {
		t.Skip("the demo schema has no price filter")
	}
	tb := newTab(t, e)
	tb.open("/?q=" + url.QueryEscape(query))
	tb.do("type a maximum price", chromedp.SendKeys(testID("filter-price-max"), "30"))
	tb.waitSearch("f.price_max", "30")
	rs := tb.results()
	if len(rs) == 0 {
		t.Fatalf("no results under 30\n%s", tb.diagnose())
	}
	for _, r := range rs {
		if r.Price > 30 {
			t.Errorf("%s costs %.2f with a maximum of 30", r.ID, r.Price)
		}
	}

	rating := ""
	for _, f := range sch.Filters {
		if strings.Contains(f, "rating") {
			rating = f
		}
	}
	if rating == "" {
		return
	}
	tb.do("pick a minimum rating", chromedp.SetValue(testID("filter-"+rating+"-min"), "4"))
	eval[bool](tb, `document.querySelector('[data-testid="filter-`+rating+`-min"]').dispatchEvent(new Event("change", {bubbles: true}))`)
	tb.waitSearch("f."+rating+"_min", "4")
	ratings := eval[[]float64](tb, `[...document.querySelectorAll('[data-testid="result-card"] [data-testid="result-rating"]')].map(r => Number(r.dataset.rating))`)
	if len(ratings) == 0 {
		t.Fatalf("no rated results at 4 or more\n%s", tb.diagnose())
	}
	for _, r := range ratings {
		if r < 4 {
			t.Errorf("a result rated %.1f with a minimum of 4", r)
		}
	}
	if n := len(tb.results()); n > len(rs) {
		t.Errorf("adding a rating filter grew the results from %d to %d", len(rs), n)
	}
}
