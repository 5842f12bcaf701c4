package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/ingest"
)

// jobRejects serves a finished job's rejected rows as a download: CSV
// (row, id, column, value, reason) by default, NDJSON in the rejects-file
// format with ?format=ndjson. A job keeps its first 1,000 problems; when it
// rejected more, X-Rejects-Total says how many.
func (s *Server) jobRejects(c *gin.Context) {
	job := s.cfg.Jobs.Get(c.Param("id"))
	if job == nil {
		abort(c, http.StatusNotFound, "not_found", "id", "no job "+c.Param("id"))
		return
	}
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "ndjson" {
		abort(c, http.StatusBadRequest, "bad_request", "format", fmt.Sprintf("format %q: want csv or ndjson", format))
		return
	}
	if job.Status == ingest.JobRunning {
		abort(c, http.StatusConflict, "running", "id", "job "+job.ID+" is still running; its rejects are ready when it ends")
		return
	}
	base := strings.TrimSuffix(job.File, filepath.Ext(job.File))
	if base == "" {
		base = job.ID
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": base + "-rejects." + format}))
	c.Header("X-Rejects-Total", strconv.Itoa(max(job.Rejected, len(job.Problems))))
	if format == "ndjson" {
		c.Header("Content-Type", "application/x-ndjson")
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		for _, p := range job.Problems {
			if err := enc.Encode(p); err != nil {
				return // the client went away
			}
		}
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"row", "id", "column", "value", "reason"})
	for _, p := range job.Problems {
		row := ""
		if p.Row > 0 {
			row = strconv.Itoa(p.Row)
		}
		w.Write([]string{row, inertCell(p.ID), inertCell(p.Column), inertCell(p.Value), inertCell(p.Reason)})
	}
	w.Flush()
}

// inertCell keeps a spreadsheet from reading a cell as a formula: a value
// that starts with =, +, @, a tab or a carriage return (how a formula, or
// a DDE payload, begins) gets a leading apostrophe, which Excel and
// LibreOffice show as text. A leading "-" is left alone: "-5" is a number
// the user wants to see as it was.
func inertCell(s string) string {
	if s != "" && strings.ContainsRune("=+@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
