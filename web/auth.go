package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// APIKey is a bearer token and whether it may write (ingest, events,
// admin). Every key may read.
type APIKey struct {
	Key   string
	Write bool
}

// access levels an endpoint requires.
type access int

const (
	accessRead access = iota + 1
	accessWrite
)

// keyring holds the configured keys as SHA-256 digests, so that every
// comparison is between equal-length values in constant time and the
// length of a key leaks nothing.
type keyring struct {
	digests [][sha256.Size]byte
	write   []bool
	ids     []string // short, non-secret names for logs and rate limits
}

func newKeyring(keys []APIKey) *keyring {
	if len(keys) == 0 {
		return nil
	}
	k := &keyring{}
	for _, key := range keys {
		d := sha256.Sum256([]byte(key.Key))
		k.digests = append(k.digests, d)
		k.write = append(k.write, key.Write)
		// The digest of the digest names the key without revealing it.
		id := sha256.Sum256(d[:])
		k.ids = append(k.ids, hex.EncodeToString(id[:4]))
	}
	return k
}

// lookup finds token's key. It compares against every key whatever the
// outcome, so timing says nothing about which key, or how much of one,
// matched.
func (k *keyring) lookup(token string) (int, bool) {
	d := sha256.Sum256([]byte(token))
	found := -1
	for i := range k.digests {
		if subtle.ConstantTimeCompare(d[:], k.digests[i][:]) == 1 {
			found = i
		}
	}
	return found, found >= 0
}

// principal is who a request authenticated as.
type principal struct {
	given bool   // an Authorization header was sent
	valid bool   // and it named a configured key
	write bool   // that may write
	id    string // the key's non-secret name
}

const principalKey = "tessera.principal"

func principalOf(c *gin.Context) principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(principal)
	return pr
}

// authenticate resolves the bearer token, if any, without rejecting
// anything: rate limiting needs the key, and each route decides what
// access it requires.
func (s *Server) authenticate(c *gin.Context) {
	if s.keys == nil {
		c.Next()
		return
	}
	h := c.GetHeader("Authorization")
	if h == "" {
		c.Next()
		return
	}
	p := principal{given: true}
	if scheme, token, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		if i, ok := s.keys.lookup(strings.TrimSpace(token)); ok {
			p.valid, p.write, p.id = true, s.keys.write[i], s.keys.ids[i]
		}
	}
	c.Set(principalKey, p)
	c.Next()
}

// require rejects requests whose key does not grant level: 401 without a
// (valid) key, 403 with a read key on a write endpoint. Without
// configured keys everything is allowed; with PublicRead, reads need no
// key.
func (s *Server) require(level access) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.keys == nil {
			c.Next()
			return
		}
		p := principalOf(c)
		switch {
		case p.given && !p.valid:
			c.Header("WWW-Authenticate", `Bearer realm="tessera", error="invalid_token"`)
			abort(c, http.StatusUnauthorized, "unauthorized", "", "the API key is not valid")
		case !p.given && level == accessRead && s.cfg.PublicRead:
			c.Next()
		case !p.given:
			c.Header("WWW-Authenticate", `Bearer realm="tessera"`)
			abort(c, http.StatusUnauthorized, "unauthorized", "", "an API key is required: send Authorization: Bearer KEY")
		case level == accessWrite && !p.write:
			abort(c, http.StatusForbidden, "forbidden", "", "this API key is read-only")
		default:
			c.Next()
		}
	}
}
