package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/ingest/read"
)

var uploadExts = map[string]bool{".csv": true, ".tsv": true, ".xlsx": true, ".ndjson": true, ".jsonl": true, ".json": true}

// ingest accepts a file (multipart field "file", or the raw body with
// ?filename=x.csv) and starts a background job.
func (s *Server) ingest(c *gin.Context) {
	var src io.Reader
	name := c.Query("filename")
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		fh, err := c.FormFile("file")
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				fail(c, err)
				return
			}
			abort(c, http.StatusBadRequest, "bad_request", "file", "multipart form needs a file field named file: "+err.Error())
			return
		}
		f, err := fh.Open()
		if err != nil {
			fail(c, err)
			return
		}
		defer f.Close()
		src, name = f, fh.Filename
	} else {
		src = c.Request.Body
		if name == "" {
			switch c.ContentType() {
			case "text/csv":
				name = "upload.csv"
			case "application/x-ndjson":
				name = "upload.ndjson"
			case "application/json":
				name = "upload.json"
			}
		}
	}
	ext := strings.ToLower(filepath.Ext(name))
	if !uploadExts[ext] {
		abort(c, http.StatusBadRequest, "bad_request", "file", fmt.Sprintf("file %q: want a .csv, .tsv, .xlsx, .ndjson or .json file", name))
		return
	}
	if err := os.MkdirAll(s.cfg.UploadDir, 0o755); err != nil {
		fail(c, err)
		return
	}
	tmp, err := os.CreateTemp(s.cfg.UploadDir, "upload-*"+ext)
	if err != nil {
		fail(c, err)
		return
	}
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		fail(c, err)
		return
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		fail(c, err)
		return
	}
	var opt ingest.BulkOptions
	opt.Read.Sheet = c.Query("sheet")
	// A workbook's expansion counts against the upload limit: a small
	// zip must not unpack into more than the server would accept raw.
	opt.Read.MaxXLSXBytes = min(s.cfg.MaxUploadBytes, read.DefaultMaxXLSXBytes)
	job := s.cfg.Jobs.Start(s.cfg.Context, tmp.Name(), filepath.Base(name), opt, func() { os.Remove(tmp.Name()) })
	c.JSON(http.StatusAccepted, job)
}

func (s *Server) job(c *gin.Context) {
	job := s.cfg.Jobs.Get(c.Param("id"))
	if job == nil {
		abort(c, http.StatusNotFound, "not_found", "id", "no job "+c.Param("id"))
		return
	}
	c.JSON(http.StatusOK, job)
}

// events takes NDJSON or a JSON array of events and answers, per event,
// applied / stale / rejected — after they are in the write-ahead log.
func (s *Server) events(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, err)
		return
	}
	events, bad, err := parseEvents(body)
	if err != nil {
		abort(c, http.StatusBadRequest, "bad_request", "", err.Error())
		return
	}
	if len(events) == 0 && len(bad) == 0 {
		abort(c, http.StatusBadRequest, "bad_request", "", "no events in the body")
		return
	}
	res, err := s.cfg.Stream.Submit(c.Request.Context(), events)
	if errors.Is(err, ingest.ErrQueueFull) {
		c.Header("Retry-After", "1")
		abort(c, http.StatusTooManyRequests, "queue_full", "", "the apply queue is full; retry after a second")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	// Events that did not even parse keep their position in the answer.
	out := make([]ingest.Result, 0, len(res)+len(bad))
	counts := map[string]int{}
	j := 0
	for i := 0; i < len(res)+len(bad); i++ {
		if b, ok := bad[i]; ok {
			out = append(out, b)
		} else {
			out = append(out, res[j])
			j++
		}
		counts[out[i].Status]++
	}
	c.JSON(http.StatusOK, gin.H{"results": out, "applied": counts[ingest.StatusApplied], "stale": counts[ingest.StatusStale], "rejected": counts[ingest.StatusRejected]})
}

// parseEvents reads a JSON array or NDJSON. A line that is not a valid
// event is rejected with its line number; the others still apply.
func parseEvents(body []byte) ([]ingest.Event, map[int]ingest.Result, error) {
	bad := map[int]ingest.Result{}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, nil, fmt.Errorf("body is not a JSON array of events: %w", err)
		}
		var events []ingest.Event
		for i, r := range raw {
			ev, err := ingest.DecodeEvent(r)
			if err != nil {
				bad[i] = ingest.Result{Status: ingest.StatusRejected, Problems: []ingest.Problem{{Row: i + 1, Reason: err.Error()}}}
				continue
			}
			events = append(events, ev)
		}
		return events, bad, nil
	}
	var events []ingest.Event
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), len(body)+1)
	line, pos := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		ev, err := ingest.DecodeEvent(b)
		if err != nil {
			bad[pos] = ingest.Result{Status: ingest.StatusRejected, Problems: []ingest.Problem{{Row: line, Reason: err.Error()}}}
		} else {
			events = append(events, ev)
		}
		pos++
	}
	return events, bad, sc.Err()
}
