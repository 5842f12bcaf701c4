package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/schemaplan"
)

// SchemaAdmin plans and applies schema changes; the root package's DB
// implements it. Nil in Config leaves the routes answering 501.
type SchemaAdmin interface {
	PlanSchema(raw []byte) (*schemaplan.Plan, error)
	StartSchemaApply(ctx context.Context, raw []byte, planID string) (schemaplan.Status, error)
	SchemaApplyStatus() schemaplan.Status
	Documents() int
}

// schemaChangeRequest is the body of POST /v1/schema/plan and
// /v1/schema/apply: the new schema's YAML, and for apply the id of the
// plan the caller reviewed.
type schemaChangeRequest struct {
	Schema string `json:"schema"`
	PlanID string `json:"plan_id,omitempty"`
}

// planResponse is a plan with the number of documents it touches and its
// Terraform-style rendering.
type planResponse struct {
	*schemaplan.Plan
	Documents  int    `json:"documents"`
	Applicable bool   `json:"applicable"`
	Text       string `json:"text"`
}

func (s *Server) schemaChange(c *gin.Context) (schemaChangeRequest, bool) {
	var req schemaChangeRequest
	if s.cfg.Schema == nil {
		abort(c, http.StatusNotImplemented, "not_implemented", "", "this server cannot change its schema")
		return req, false
	}
	if !decodeJSON(c, &req) {
		return req, false
	}
	if strings.TrimSpace(req.Schema) == "" {
		abort(c, http.StatusBadRequest, "bad_request", "schema", "schema is required: the new schema's YAML as a string")
		return req, false
	}
	return req, true
}

func (s *Server) planSchema(c *gin.Context) {
	req, ok := s.schemaChange(c)
	if !ok {
		return
	}
	plan, err := s.cfg.Schema.PlanSchema([]byte(req.Schema))
	if err != nil {
		s.schemaFail(c, err)
		return
	}
	n := s.cfg.Schema.Documents()
	var text strings.Builder
	plan.Write(&text, n)
	c.JSON(http.StatusOK, planResponse{Plan: plan, Documents: n, Applicable: plan.Applicable(), Text: text.String()})
}

func (s *Server) applySchema(c *gin.Context) {
	req, ok := s.schemaChange(c)
	if !ok {
		return
	}
	st, err := s.cfg.Schema.StartSchemaApply(s.cfg.Context, []byte(req.Schema), req.PlanID)
	if err != nil {
		s.schemaFail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, st)
}

func (s *Server) schemaApplyStatus(c *gin.Context) {
	if s.cfg.Schema == nil {
		abort(c, http.StatusNotImplemented, "not_implemented", "", "this server cannot change its schema")
		return
	}
	c.JSON(http.StatusOK, s.cfg.Schema.SchemaApplyStatus())
}

// schemaFail maps a plan or apply error: a bad schema is a 400 naming
// its key, a stale plan (in store mode also one another instance's change
// made stale) or a running apply 409, a change that needs the source rows
// 422, and a SchemaAdmin that cannot apply changes at all 501.
func (s *Server) schemaFail(c *gin.Context, err error) {
	var re *schemaplan.RefusalError
	switch {
	case errors.Is(err, schemaplan.ErrBadSchema):
		abort(c, http.StatusBadRequest, "bad_schema", "schema", err.Error())
	case errors.As(err, &re):
		abort(c, http.StatusUnprocessableEntity, "needs_source_rows", "schema", err.Error())
	case errors.Is(err, schemaplan.ErrPlanChanged):
		abort(c, http.StatusConflict, "plan_changed", "plan_id", err.Error())
	case errors.Is(err, schemaplan.ErrBusy):
		abort(c, http.StatusConflict, "busy", "", err.Error())
	case errors.Is(err, schemaplan.ErrUnsupported):
		abort(c, http.StatusNotImplemented, "not_implemented", "", err.Error())
	default:
		fail(c, err)
	}
}
