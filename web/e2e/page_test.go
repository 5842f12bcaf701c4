package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tab is one browser tab of a test, with the page's uncaught exceptions.
type tab struct {
	t   *testing.T
	e   *env
	ctx context.Context

	mu         sync.Mutex
	exceptions []string
}

// newTab opens a tab and fails the test at its end if the page threw.
func newTab(t *testing.T, e *env) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, no deadline
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{t: t, e: e}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				tb.mu.Lock()
				tb.exceptions = append(tb.exceptions, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m.Text))
				tb.mu.Unlock()
			}
		}
	}()
	tctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	tb.ctx = tctx
	t.Cleanup(func() {
		tcancel()
		cancel()
		<-done
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, ex := range tb.exceptions {
			t.Errorf("uncaught exception in the page: %s", ex)
		}
	})
	return tb
}

// do runs actions and fails the test with the page's state on error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v\n%s", what, err, tb.diagnose())
	}
}

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v\n%s", expr, err, tb.diagnose())
	}
	return v
}

// waitFor polls a JavaScript predicate until it is truthy.
func (tb *tab) waitFor(what, predicate string, timeout time.Duration) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v\n%s", what, err, tb.diagnose())
	}
}

// diagnose describes the page and the server's last output, for failures.
func (tb *tab) diagnose() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		url: location.href,
		ready: document.body && document.body.dataset.ready,
		list: document.getElementById("results") && document.getElementById("results").dataset.state,
		count: document.getElementById("result-count") && document.getElementById("result-count").textContent,
		error: document.getElementById("search-error") && document.getElementById("search-error").textContent,
		job: document.getElementById("job-status") && document.getElementById("job-status").textContent,
		jobError: document.getElementById("job-error") && document.getElementById("job-error").textContent,
	})`))
	if err != nil {
		state = "(page state unavailable: " + err.Error() + ")"
	}
	return fmt.Sprintf("page: %s\nserver output:\n%s", state, tb.e.log.tail(3000))
}

// open navigates to a path of the server and waits for the first search.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do("navigate to "+path, chromedp.Navigate(tb.e.base+path))
	tb.waitSettled("the page's first search")
}

// waitSettled waits until the page has loaded its schema and its latest
// search has an answer (results or an error).
func (tb *tab) waitSettled(what string) {
	tb.t.Helper()
	tb.waitFor(what, `document.body.dataset.ready === "true" &&
		["done", "error"].includes(document.getElementById("results").dataset.state)`, 30*time.Second)
}

// waitSearch waits until the URL holds param=value and the search it
// started has an answer. The page writes the URL as it starts a search and
// drops the answers of older ones, so this is the answer for that state.
func (tb *tab) waitSearch(param, value string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf("a finished search with %s=%s", param, value), fmt.Sprintf(
		`new URLSearchParams(location.search).get(%s) === %s && document.getElementById("results").dataset.state === "done"`,
		js(param), js(value)), 30*time.Second)
}

// result is what a test reads from one result card.
type result struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Price float64 `json:"price"`
	Score float64 `json:"score"`
	// OnTopic is false only where the response said on_topic: false.
	OnTopic bool `json:"onTopic"`
}

func (tb *tab) results() []result {
	tb.t.Helper()
	return eval[[]result](tb, `[...document.querySelectorAll('[data-testid="result-card"]')].map(c => ({
		id: c.dataset.id,
		title: c.querySelector('[data-testid="result-title"]').textContent,
		price: Number((c.querySelector('[data-testid="result-price"]') || {dataset: {price: "NaN"}}).dataset.price),
		score: Number(c.querySelector('[data-testid="result-score"]').dataset.value),
		onTopic: c.dataset.onTopic !== "false",
	}))`)
}

func ids(rs []result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// testID is a CSS selector for a data-testid.
func testID(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id)) }

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// setSlider moves a weight slider the way the browser does when a user
// drags it: set the value, fire "input".
func (tb *tab) setSlider(space string, v float64) {
	tb.t.Helper()
	ok := eval[bool](tb, fmt.Sprintf(`(() => {
		const s = document.querySelector('[data-testid="slider-' + %s + '"]');
		if (!s) return false;
		s.value = %s;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		return true;
	})()`, js(space), js(fmt.Sprint(v))))
	if !ok {
		tb.t.Fatalf("no slider for space %q", space)
	}
}

// screenshot saves a PNG of the viewport to $TESSERA_ARTIFACTS (when set)
// and, for the main view with -update-screenshot, to the repository's two
// copies.
func (tb *tab) screenshot(name string, mainView bool) {
	tb.t.Helper()
	dirs := []string{}
	if d := os.Getenv("TESSERA_ARTIFACTS"); d != "" {
		dirs = append(dirs, d)
	}
	if mainView && *updateScreenshot {
		dirs = append(dirs, filepath.Join(tb.e.root, "web", "e2e", "testdata"), filepath.Join(tb.e.root, "docs"))
	}
	if len(dirs) == 0 {
		return
	}
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.t.Fatalf("screenshot dir: %v", err)
		}
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			tb.t.Fatalf("write screenshot: %v", err)
		}
		tb.t.Logf("wrote %s (%d bytes)", p, len(png))
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
