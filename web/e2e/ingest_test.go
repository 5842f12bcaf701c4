package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestIngestCSVThenSearchIt(t *testing.T) {
	e := setup(t)
	sch := e.schema(t)
	category := "Kitchen"
	for _, sp := range sch.Spaces {
		if sp.Kind == "category" && len(sp.Categories) > 0 {
			category = sp.Categories[0] // a category the catalogue knows
		}
	}
	// Row 2 of the data is fine; row 3 has a price that is not a number.
	csv := "id,title,description,category,brand,price,rating,review_count,added_at\n" +
		fmt.Sprintf(`ZQT-0001,Zephyrine Quantum Teapot,"A double-walled borosilicate teapot that keeps tea hot for hours, with a steel infuser",%s,Zephyrine,39.90,4.8,17,2026-01-15T10:00:00Z`, category) + "\n" +
		fmt.Sprintf(`ZQT-0002,Zephyrine Broken Kettle,"A row with a bad price",%s,Zephyrine,not-a-price,4.1,3,2026-01-15T10:00:00Z`, category) + "\n"
	file := filepath.Join(t.TempDir(), "zephyrine.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	tb := newTab(t, e)
	tb.open("/")
	tb.waitFor("rows in the status strip", `Number(document.querySelector('[data-testid="status-rows"]').dataset.value) > 0`, 10*time.Second)
	rowsBefore := eval[int](tb, `Number(document.querySelector('[data-testid="status-rows"]').dataset.value)`)

	// Before any upload the panel shows the columns a file needs and no
	// job (no zero counters).
	tb.do("open the ingest panel", chromedp.Click(testID("ingest-toggle")))
	if shown := eval[bool](tb, `getComputedStyle(document.querySelector('[data-testid="job"]')).display !== "none"`); shown {
		t.Errorf("the job panel shows before any upload\n%s", tb.diagnose())
	}
	cols := eval[string](tb, `document.querySelector('[data-testid="ingest-columns"]').textContent`)
	if !strings.HasPrefix(cols, "Columns: id, ") || !strings.Contains(cols, "title") || !strings.Contains(cols, "price") {
		t.Errorf("expected columns %q, want the id first and the schema's columns", cols)
	}

	tb.do("upload the CSV",
		chromedp.SetUploadFiles(testID("ingest-file"), []string{file}),
		chromedp.WaitEnabled(testID("ingest-submit")),
		chromedp.Click(testID("ingest-submit")))
	tb.waitFor("the ingest job to end",
		`["done", "failed"].includes(document.querySelector('[data-testid="job-status"]').dataset.status)`, 60*time.Second)
	if st := eval[string](tb, `document.querySelector('[data-testid="job-status"]').dataset.status`); st != "done" {
		t.Fatalf("ingest job %s\n%s", st, tb.diagnose())
	}
	counts := eval[map[string]string](tb, `Object.fromEntries(["read", "ingested", "rejected"].map(k =>
		[k, document.querySelector('[data-testid="job-' + k + '"]').textContent]))`)
	if counts["ingested"] != "1" || counts["rejected"] != "1" {
		t.Errorf("job counts = %v, want 1 ingested and 1 rejected", counts)
	}
	if p := eval[float64](tb, `document.querySelector('[data-testid="job-progress"]').value`); p != 1 {
		t.Errorf("progress bar at %v when done, want 1", p)
	}

	// The rejected row is listed with its column, value and reason.
	rejects := eval[[][]string](tb, `[...document.querySelectorAll('[data-testid="reject-row"]')].map(r => [...r.cells].map(c => c.textContent))`)
	if len(rejects) != 1 {
		t.Fatalf("rejects table has %d rows, want 1: %v", len(rejects), rejects)
	}
	if r := rejects[0]; r[1] != "price" || r[2] != "not-a-price" || r[3] == "" {
		t.Errorf("reject row = %q, want column price, value not-a-price and a reason", r)
	} else if n, err := strconv.Atoi(r[0]); err != nil || n < 2 {
		t.Errorf("reject row number = %q, want the data row's number", r[0])
	}

	// The rejects can be downloaded as CSV from the job's rejects route.
	link := eval[map[string]any](tb, `(() => { const a = document.querySelector('[data-testid="rejects-download"]');
		return { shown: getComputedStyle(a).display !== "none", href: a.getAttribute("href"), download: a.download }; })()`)
	if link["shown"] != true || !strings.HasPrefix(fmt.Sprint(link["href"]), "/v1/jobs/") || !strings.HasSuffix(fmt.Sprint(link["href"]), "/rejects") ||
		link["download"] != "zephyrine-rejects.csv" {
		t.Errorf("download link %v, want a shown link to /v1/jobs/{id}/rejects named zephyrine-rejects.csv", link)
	}
	csvBody, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('[data-testid="rejects-download"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch the rejects: %v", err)
	}
	if !strings.HasPrefix(csvBody, "row,id,column,value,reason\n") || !strings.Contains(csvBody, "ZQT-0002,price,not-a-price,") {
		t.Errorf("downloaded rejects:\n%s", csvBody)
	}

	// The status strip counts the new row once it refreshes.
	tb.waitFor("the status strip to count the new row", fmt.Sprintf(
		`Number(document.querySelector('[data-testid="status-rows"]').dataset.value) === %d`, rowsBefore+1), 10*time.Second)

	q := "Zephyrine Quantum Teapot"
	tb.do("search for the new product",
		chromedp.Clear(testID("search-input")),
		chromedp.SendKeys(testID("search-input"), q))
	tb.waitSearch("q", q)
	rs := tb.results()
	if len(rs) == 0 || !strings.Contains(rs[0].Title, q) {
		t.Fatalf("first result for %q = %+v, want the ingested product", q, rs[:min(3, len(rs))])
	}
	if rs[0].ID != "ZQT-0001" {
		t.Errorf("ingested product id = %q, want ZQT-0001", rs[0].ID)
	}
	for _, r := range rs {
		if strings.Contains(r.Title, "Broken Kettle") {
			t.Errorf("the rejected row was indexed: %+v", r)
		}
	}
}
