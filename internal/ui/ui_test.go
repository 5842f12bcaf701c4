package ui

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, srv *httptest.Server, path string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var versioned = regexp.MustCompile(`(?:src|href)="(/static/[^"?]+)\?v=([0-9a-f]{16})"`)

func TestIndexLinksVersionedAssets(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	res := get(t, srv, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("index Cache-Control = %q, want no-cache so new assets show at once", cc)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	page := body(t, res)
	links := versioned.FindAllStringSubmatch(page, -1)
	if len(links) < 3 { // favicon, stylesheet, script
		t.Fatalf("index has %d versioned static links, want >= 3:\n%s", len(links), page)
	}
	if strings.Contains(page, `"/static/js/app.js"`) {
		t.Error("index still links app.js without a version")
	}

	for _, l := range links {
		path, hash := l[1], l[2]
		res := get(t, srv, path+"?v="+hash, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, res.StatusCode)
			continue
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s with its hash: Cache-Control = %q, want immutable", path, cc)
		}
		if etag := res.Header.Get("ETag"); etag != `"`+hash+`"` {
			t.Errorf("%s: ETag = %q, want the linked hash %q", path, etag, hash)
		}
		// A stale or missing version must not be cached for long.
		stale := get(t, srv, path+"?v=0000000000000000", nil)
		if cc := stale.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s with a stale hash: Cache-Control = %q, want no-cache", path, cc)
		}
	}
}

func TestContentTypes(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for path, want := range map[string]string{
		"/index.html":         "text/html; charset=utf-8",
		"/static/css/app.css": "text/css; charset=utf-8",
		"/static/js/app.js":   "text/javascript; charset=utf-8",
		"/static/js/api.js":   "text/javascript; charset=utf-8",
		"/static/favicon.svg": "image/svg+xml",
	} {
		res := get(t, srv, path, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type = %q, want %q", path, got, want)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q", path, got)
		}
	}
}

func TestETagRevalidation(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, path := range []string{"/", "/static/js/app.js"} {
		first := get(t, srv, path, nil)
		etag := first.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", path)
		}
		again := get(t, srv, path, map[string]string{"If-None-Match": etag})
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %s = %d, want 304", path, etag, again.StatusCode)
		}
		other := get(t, srv, path, map[string]string{"If-None-Match": `"deadbeef"`})
		if other.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a wrong ETag = %d, want 200", path, other.StatusCode)
		}
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, path := range []string{"/static/nope.js", "/static/", "/other", "/static/../ui.go"} {
		if res := get(t, srv, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
	res, err := srv.Client().Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST / = %d Allow %q, want 405 with Allow: GET, HEAD", res.StatusCode, res.Header.Get("Allow"))
	}
	head, err := srv.Client().Head(srv.URL + "/static/css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != http.StatusOK || head.ContentLength <= 0 {
		t.Errorf("HEAD app.css = %d, length %d", head.StatusCode, head.ContentLength)
	}
}

// Every module the page imports must be embedded, or the page breaks in
// the browser with nothing but a console error.
func TestModuleImportsResolve(t *testing.T) {
	imp := regexp.MustCompile(`(?m)^import .* from "\./([^"]+)";`)
	err := fs.WalkDir(staticFS, "static/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(staticFS, p)
		if err != nil {
			return err
		}
		for _, m := range imp.FindAllStringSubmatch(string(src), -1) {
			if _, err := fs.Stat(staticFS, "static/js/"+m[1]); err != nil {
				t.Errorf("%s imports ./%s, which is not embedded", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBrokenLinkIsAnError(t *testing.T) {
	fsys := fstest.MapFS{
		"static/index.html": {Data: []byte(`<script src="/static/js/missing.js"></script>`)},
		"static/js/app.js":  {Data: []byte(`;`)},
	}
	if _, err := newSite(fsys); err == nil || !strings.Contains(err.Error(), "js/missing.js") {
		t.Fatalf("newSite with a broken link: err = %v, want one naming js/missing.js", err)
	}
	if _, err := newSite(fstest.MapFS{"static/app.js": {Data: []byte(`;`)}}); err == nil {
		t.Fatal("newSite without index.html: want an error")
	}
}
