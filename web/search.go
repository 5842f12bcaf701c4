package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/spaces"
)

type schemaSpace struct {
	*spaces.SpaceSpec
	Dim        int      `json:"dim"`
	Categories []string `json:"categories,omitempty"`
}

func (s *Server) schema(c *gin.Context) {
	enc := s.cfg.Engine.Encoder()
	sch := enc.Schema()
	out := make([]schemaSpace, len(sch.Spaces))
	for i, sp := range sch.Spaces {
		out[i] = schemaSpace{SpaceSpec: sp, Dim: enc.Segments()[i].Dim}
		if sp.Kind == spaces.KindCategory {
			out[i].Categories = enc.Categories(sp.Name)
		}
	}
	fields := make(map[string]*spaces.Field, len(sch.Fields))
	for k, v := range sch.Fields {
		fields[k] = v
	}
	c.JSON(http.StatusOK, gin.H{
		"name": sch.Name, "id": sch.ID, "fields": fields, "field_order": sch.FieldNames(),
		"spaces": out, "filters": sch.Filters, "queries": sch.Queries, "dim": enc.Dim(),
	})
}

func (s *Server) search(c *gin.Context) {
	var req query.Request
	if !decodeJSON(c, &req) {
		return
	}
	s.runSearch(c, req)
}

func (s *Server) runSearch(c *gin.Context, req query.Request) {
	resp, err := s.cfg.Engine.Search(c.Request.Context(), req)
	if err != nil {
		fail(c, err)
		return
	}
	s.qps.add(time.Now())
	c.JSON(http.StatusOK, resp)
}

// namedSearch fills a saved query template from the schema with the
// request's values: request fields win, weights merge.
func (s *Server) namedSearch(c *gin.Context) {
	name := c.Param("name")
	tmpl, ok := s.cfg.Engine.Encoder().Schema().Queries[name]
	if !ok {
		abort(c, http.StatusNotFound, "not_found", "name", "no saved query named "+name)
		return
	}
	var req query.Request
	if c.Request.ContentLength != 0 {
		if !decodeJSON(c, &req) {
			return
		}
	}
	if req.Text == "" {
		req.Text = tmpl.Text
	}
	if req.Limit == 0 {
		req.Limit = tmpl.Limit
	}
	req.Weights = query.MergeWeights(tmpl.Weights, req.Weights)
	req.Filter = query.AndFilters(tmpl.Filter, req.Filter)
	s.runSearch(c, req)
}

func (s *Server) document(c *gin.Context) {
	rec, ok := s.cfg.Applier.Collection().Get(c.Param("id"))
	if !ok {
		abort(c, http.StatusNotFound, "not_found", "id", "no document with id "+c.Param("id"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": rec.ID, "version": rec.Version, "fields": rec.Fields})
}
