package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tessera-search/tessera/ingest"
)

// jobPoll is how often a remote ingestion's job is asked for its state.
const jobPoll = 250 * time.Millisecond

// ingestRemote sends each file to a running server's POST /v1/ingest and
// follows the job it starts (GET /v1/jobs/ID) with the same progress and
// summary as a local ingestion. The server owns its data directory, so
// this is how files reach it while it runs.
func ingestRemote(ctx context.Context, server, key string, files []string, o ingestOptions, stdout, stderr io.Writer) error {
	base, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("ingest: --server %q: want an http:// or https:// URL", server)
	}
	c := &remote{base: base.String(), key: key, client: &http.Client{}}
	var rejects *json.Encoder
	if o.rejects != "" {
		f, err := os.Create(o.rejects)
		if err != nil {
			return fmt.Errorf("ingest: rejects file: %w", err)
		}
		defer f.Close()
		rejects = json.NewEncoder(f)
	}
	var over []string
	for _, path := range files {
		sum, err := c.ingest(ctx, path, o, stderr)
		if err != nil {
			return fmt.Errorf("ingest: %s: %w", filepath.Base(path), err)
		}
		if rejects != nil {
			for _, p := range sum.Problems {
				if err := rejects.Encode(p); err != nil {
					return fmt.Errorf("ingest: rejects file: %w", err)
				}
			}
		}
		if msg := report(stdout, sum, o.rejects, &o.maxRejects); msg != "" {
			over = append(over, msg)
		}
		if sum.Rejected > len(sum.Problems) {
			fmt.Fprintf(stdout, "  the server reports the first %d problems\n", len(sum.Problems))
		}
	}
	return overLimit(over)
}

type remote struct {
	base   string
	key    string
	client *http.Client
}

// ingest uploads one file and waits for its job to end.
func (c *remote) ingest(ctx context.Context, path string, o ingestOptions, stderr io.Writer) (ingest.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return ingest.Summary{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ingest.Summary{}, err
	}
	// The server picks the format from the name's extension; --format
	// renames the upload accordingly.
	name := filepath.Base(path)
	if o.format != "" {
		name = strings.TrimSuffix(name, filepath.Ext(name)) + "." + strings.ToLower(o.format)
	}
	q := url.Values{"filename": {name}}
	if o.sheet != "" {
		q.Set("sheet", o.sheet)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/ingest?"+q.Encode(), f)
	if err != nil {
		return ingest.Summary{}, err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	var job ingest.Job
	if err := c.do(req, http.StatusAccepted, &job); err != nil {
		return ingest.Summary{}, fmt.Errorf("upload to %s: %w", c.base, err)
	}
	p := newProgress(stderr, filepath.Base(path), st.Size())
	defer p.done()
	t := time.NewTicker(jobPoll)
	defer t.Stop()
	for job.Status == ingest.JobRunning {
		select {
		case <-ctx.Done():
			return ingest.Summary{}, fmt.Errorf("stopped following %s (it goes on running on the server): %w", job.ID, ctx.Err())
		case <-t.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/jobs/"+url.PathEscape(job.ID), nil)
		if err != nil {
			return ingest.Summary{}, err
		}
		if err := c.do(req, http.StatusOK, &job); err != nil {
			return ingest.Summary{}, fmt.Errorf("follow %s: %w", job.ID, err)
		}
		p.update(job.Read, job.Progress)
	}
	if job.Status != ingest.JobDone {
		return ingest.Summary{}, fmt.Errorf("server job %s %s: %s", job.ID, job.Status, job.Error)
	}
	sum := job.Summary
	sum.File = filepath.Base(path)
	for i := range sum.Problems {
		sum.Problems[i].File = sum.File
	}
	return sum, nil
}

// do sends req with the API key and decodes a want-status JSON answer
// into out; any other status is an error carrying the server's message.
func (c *remote) do(req *http.Request, want int, out any) error {
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s: %s", resp.Status, e.Error.Message)
		}
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return errors.Join(fmt.Errorf("%s: answer is not a job", resp.Status), err)
	}
	return nil
}
