// Package ui serves Tessera's demo web page: one static HTML page with its
// CSS and JavaScript, embedded in the binary, that talks to the REST API
// under /v1. It needs no bundler and no Node at run time.
package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	name  string // base name, for http.ServeContent
	body  []byte
	ctype string
	hash  string // first 16 hex digits of the SHA-256 of body
	etag  string // quoted hash
}

// site holds every asset and the index page, whose asset URLs carry
// the assets' hashes.
type site struct {
	index  *asset
	assets map[string]*asset // keyed by the path below static/
}

// contentTypes pins the types of the files the page uses, so that the
// answer does not depend on the host's mime database.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
}

// contentSecurityPolicy allows only same-origin scripts, styles and
// requests: the page has no inline script or style attribute.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; " +
	"style-src 'self'; script-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var loadSite = sync.OnceValues(func() (*site, error) { return newSite(staticFS) })

// Handler returns the handler for the demo page. It serves index.html at
// "/" (and "/index.html") and the embedded assets under "/static/". Every
// answer has an ETag; an asset requested with ?v=<its hash>, as the index
// page links it, is cacheable for a year, everything else is revalidated.
// Other paths answer 404, methods other than GET and HEAD answer 405.
func Handler() http.Handler {
	s, err := loadSite()
	if err != nil {
		// Only a broken build can get here; answer 500 rather than panic.
		slog.Error("ui: loading embedded assets", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "ui: embedded assets are broken", http.StatusInternalServerError)
		})
	}
	return s
}

// newSite reads every file below static/ in fsys and rewrites the asset
// links in index.html to carry the assets' content hashes.
func newSite(fsys fs.FS) (*site, error) {
	root, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, fmt.Errorf("ui: open static: %w", err)
	}
	s := &site{assets: make(map[string]*asset)}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		s.assets[p] = newAsset(p, body)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ui: walk static: %w", err)
	}
	idx, ok := s.assets["index.html"]
	if !ok {
		return nil, fmt.Errorf("ui: static/index.html is missing")
	}
	delete(s.assets, "index.html")
	body, err := versionLinks(idx.body, s.assets)
	if err != nil {
		return nil, err
	}
	s.index = newAsset("index.html", body)
	return s, nil
}

func newAsset(p string, body []byte) *asset {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:8])
	ct, ok := contentTypes[path.Ext(p)]
	if !ok {
		ct = mime.TypeByExtension(path.Ext(p))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &asset{name: path.Base(p), body: body, ctype: ct, hash: h, etag: `"` + h + `"`}
}

// staticLink matches src="/static/…" and href="/static/…" in index.html.
var staticLink = regexp.MustCompile(`(src|href)="/static/([^"?#]+)"`)

// versionLinks appends ?v=<hash> to every static link in an HTML page, and
// fails on a link to an asset that does not exist, so a typo breaks the
// build's tests rather than the page.
func versionLinks(page []byte, assets map[string]*asset) ([]byte, error) {
	var missing []string
	out := staticLink.ReplaceAllFunc(page, func(m []byte) []byte {
		sub := staticLink.FindSubmatch(m)
		a, ok := assets[string(sub[2])]
		if !ok {
			missing = append(missing, string(sub[2]))
			return m
		}
		return fmt.Appendf(nil, `%s="/static/%s?v=%s"`, sub[1], sub[2], a.hash)
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("ui: index.html links missing assets: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// ServeHTTP serves the index page and the static assets.
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	switch p := r.URL.Path; {
	case p == "/" || p == "/index.html":
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "same-origin")
		s.serve(w, r, s.index, false)
	case strings.HasPrefix(p, "/static/"):
		a, ok := s.assets[strings.TrimPrefix(p, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.serve(w, r, a, r.URL.Query().Get("v") == a.hash)
	default:
		http.NotFound(w, r)
	}
}

// serve writes a with its validators; ServeContent answers conditional
// and range requests.
func (s *site) serve(w http.ResponseWriter, r *http.Request, a *asset, immutable bool) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	if immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}
