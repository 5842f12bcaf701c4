package web

import (
	_ "embed"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// openapiDoc is the OpenAPI 3 description of every route. A test keeps it
// in sync with the routes gin registers and validates real traffic
// against it.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the server's OpenAPI 3 document (JSON). The slice is
// shared: callers must not modify it.
func openAPI() []byte { return openapiDoc }

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openapiDoc)
}

// Route is one registered endpoint. Path uses OpenAPI's template syntax:
// /v1/jobs/{id}, not gin's /v1/jobs/:id.
type route struct {
	Method string
	Path   string
}

// routeTable lists the endpoints the server registers, sorted by path then
// method. The UI's catch-all is not a route.
func (s *Server) routeTable() []route {
	infos := s.engine.Routes()
	out := make([]route, 0, len(infos))
	for _, ri := range infos {
		out = append(out, route{Method: ri.Method, Path: openapiPath(ri.Path)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// openapiPath turns gin's :param and *param segments into {param}.
func openapiPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) > 1 && (s[0] == ':' || s[0] == '*') {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}
