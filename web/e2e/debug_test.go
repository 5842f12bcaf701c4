package e2e

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestDebugSlider(t *testing.T) {
	e := setup(t)
	tb := newTab(t, e)
	tb.do("vp", chromedp.EmulateViewport(viewW, viewH))
	tb.open("/?q=" + url.QueryEscape(query))
	t.Log(eval[string](tb, `JSON.stringify(document.querySelector('[data-testid="ingest-toggle"]').getBoundingClientRect()) + " inner " + innerWidth + "x" + innerHeight + " doc " + document.documentElement.scrollHeight`))
	tb.do("open the ingest panel", chromedp.Click(testID("ingest-toggle")))
	t.Log(eval[string](tb, `JSON.stringify(document.querySelector('[data-testid="ingest-toggle"]').getBoundingClientRect()) + " scrollY " + scrollY + " open " + document.getElementById("ingest-panel").open + " " + location.search`))
	tb.do("focus", chromedp.Focus(testID("slider-price")))
	t.Log(eval[[]string](tb, `[document.activeElement.dataset.testid, document.activeElement.value, String(window.scrollY)]`))
	tb.do("key", chromedp.KeyEvent(kb.ArrowRight))
	t.Log(eval[[]string](tb, `[document.activeElement.dataset.testid, document.activeElement.value, String(window.scrollY)]`))
	time.Sleep(300 * time.Millisecond)
	t.Log(eval[string](tb, `location.search`))
}
