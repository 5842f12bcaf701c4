package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
)

type encodeRequest struct {
	// Rows are item-side documents (raw field values by field name).
	Rows []map[string]any `json:"rows,omitempty"`
	// Query is a search body to encode on the query side, weights applied.
	Query *query.Request `json:"query,omitempty"`
}

type encodedVector struct {
	ID       string               `json:"id,omitempty"`
	Vector   []float32            `json:"vector"`
	Parts    map[string][]float32 `json:"parts"`
	Weights  map[string]float64   `json:"weights,omitempty"`
	Problems []ingest.Problem     `json:"problems,omitempty"`
}

// encode returns vectors without storing anything, so users can keep them
// in a store of their own.
func (s *Server) encode(c *gin.Context) {
	var req encodeRequest
	if !decodeJSON(c, &req) {
		return
	}
	if (len(req.Rows) == 0) == (req.Query == nil) {
		abort(c, http.StatusBadRequest, "bad_request", "rows", "give either rows (item side) or query (query side)")
		return
	}
	enc := s.cfg.Engine.Encoder()
	parts := func(v []float32) map[string][]float32 {
		m := make(map[string][]float32, len(enc.Segments()))
		for i, seg := range enc.Segments() {
			m[seg.Name] = enc.Part(v, i)
		}
		return m
	}
	if req.Query != nil {
		p, err := s.cfg.Engine.Prepare(c.Request.Context(), *req.Query)
		if err != nil {
			fail(c, err)
			return
		}
		w := map[string]float64{}
		for i, seg := range enc.Segments() {
			w[seg.Name] = p.Vector.Weights[i]
		}
		c.JSON(http.StatusOK, gin.H{"dim": enc.Dim(), "query": encodedVector{Vector: p.Vector.Vector, Parts: parts(p.Vector.Vector), Weights: w}})
		return
	}
	vecs, problems, err := s.cfg.Applier.EncodeOnly(c.Request.Context(), req.Rows)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]encodedVector, len(req.Rows))
	for i := range req.Rows {
		out[i].Problems = problems[i]
		if vecs[i] != nil {
			out[i].Vector, out[i].Parts = vecs[i], parts(vecs[i])
		}
	}
	c.JSON(http.StatusOK, gin.H{"dim": enc.Dim(), "rows": out})
}
