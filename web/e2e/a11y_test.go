package e2e

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestPhoneWidthHasNoSidewaysScroll(t *testing.T) {
	e := setup(t)
	tb := newTab(t, e)
	tb.do("emulate a 375 px phone", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	tb.open("/?q=" + url.QueryEscape(query))
	if n := len(tb.results()); n == 0 {
		t.Fatalf("no results at 375 px\n%s", tb.diagnose())
	}
	if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("page is %d px wide at a 375 px viewport", w)
	}
	wide := eval[[]string](tb, `[...document.querySelectorAll('body *')].filter(el => {
		const r = el.getBoundingClientRect();
		return r.width > 0 && r.right > 375.5 && getComputedStyle(el).position !== "absolute";
	}).slice(0, 5).map(el => el.tagName + "." + el.className + " right=" + el.getBoundingClientRect().right)`)
	if len(wide) > 0 {
		t.Errorf("elements overflow the 375 px viewport: %v", wide)
	}
	tb.screenshot("phone.png", false)
	// The panels start closed so that results come first on a phone.
	if open := eval[int](tb, `document.querySelectorAll('.sidebar details[open]').length`); open != 0 {
		t.Errorf("%d sidebar panels open on a phone, want 0", open)
	}
}

func TestAccessibility(t *testing.T) {
	e := setup(t)
	tb := newTab(t, e)
	tb.do("set the viewport", chromedp.EmulateViewport(viewW, viewH))
	tb.open("/?q=" + url.QueryEscape(query))

	// Keyboard: the first Tab reaches the skip link, with a visible outline.
	tb.do("press Tab", chromedp.KeyEvent(kb.Tab))
	focus := eval[[]string](tb, `[document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]`)
	if focus[0] != "skip-link" || focus[1] == "none" {
		t.Errorf("after Tab: focused %q with outline %q, want the skip link with an outline", focus[0], focus[1])
	}

	tb.do("open the ingest panel", chromedp.Click(testID("ingest-toggle")))

	unlabelled := eval[[]string](tb, `[...document.querySelectorAll("input, select, textarea, button")].filter(el =>
		!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby") &&
		!(el.tagName === "BUTTON" && el.textContent.trim())).map(el => el.outerHTML.slice(0, 120))`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}

	// Text contrast, WCAG AA: 4.5:1, or 3:1 for large text, against the
	// first opaque background behind each text node, in both colour schemes.
	for _, scheme := range []string{"light", "dark"} {
		_, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		if err != nil {
			t.Fatalf("emulate %s scheme: %v", scheme, err)
		}
		if got := eval[bool](tb, `matchMedia("(prefers-color-scheme: `+scheme+`)").matches`); !got {
			t.Fatalf("the page does not see the %s scheme", scheme)
		}
		if low := eval[[]string](tb, contrastJS); len(low) > 0 {
			t.Errorf("%s scheme: text below WCAG AA contrast: %v", scheme, low)
		}
	}

	// A slider moves with the arrow keys and re-runs the search.
	sch := e.schema(t)
	price := sch.priceSpace(t)
	from := eval[float64](tb, `Number(document.querySelector('[data-testid="slider-`+price+`"]').value)`)
	want := strconv.FormatFloat(math.Round(from*10+1)/10, 'f', -1, 64)
	tb.do("press ArrowRight on the price slider",
		chromedp.Focus(testID("slider-"+price)),
		chromedp.KeyEvent(kb.ArrowRight))
	tb.waitSearch("w."+price, want)
	if vt := eval[string](tb, `document.querySelector('[data-testid="slider-`+price+`"]').getAttribute("aria-valuetext")`); vt != fmt.Sprintf("%.1f", math.Round(from*10+1)/10) {
		t.Errorf("aria-valuetext = %q after ArrowRight from %v", vt, from)
	}
}

// contrastJS lists visible text whose contrast is below WCAG AA.
const contrastJS = `(() => {
	const parse = (c) => { const m = c.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number).concat(m.length === 3 ? [1] : []); };
	const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
	const bgOf = (el) => {
		for (let e = el; e; e = e.parentElement) {
			const s = getComputedStyle(e);
			if (s.backgroundImage !== "none") return null; // a gradient or image: not measurable here
			const c = parse(s.backgroundColor);
			if (c[3] >= 0.99) return c;
		}
		return [255, 255, 255, 1];
	};
	const out = [];
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const el = n.parentElement;
		if (!n.textContent.trim() || !el || el.closest("[hidden], .sr-only, :disabled, [aria-hidden=true]")) continue;
		const r = el.getBoundingClientRect();
		if (!r.width || !r.height) continue;
		const s = getComputedStyle(el);
		if (s.visibility === "hidden" || Number(s.opacity) === 0) continue;
		const bg = bgOf(el);
		if (!bg) continue;
		const fg = parse(s.color);
		const a = fg[3];
		const mix = fg.slice(0, 3).map((v, i) => v * a + bg[i] * (1 - a));
		const [l1, l2] = [lum(mix), lum(bg)].sort((x, y) => y - x);
		const ratio = (l1 + 0.05) / (l2 + 0.05);
		const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need) out.push(n.textContent.trim().slice(0, 30) + " (" + ratio.toFixed(2) + ":1 " + s.color + " on rgb(" + bg.slice(0, 3) + "))");
	}
	return out.slice(0, 10);
})()`
