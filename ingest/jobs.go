package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tessera-search/tessera/index"
)

// Job states.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a bulk ingestion running in the background.
type Job struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	File     string    `json:"file"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Summary
	Progress float64 `json:"progress"`
	Error    string  `json:"error,omitempty"`
}

// Jobs runs and remembers bulk ingestions. Jobs live in memory: a
// restarted server does not know the jobs of the one before (it answers
// 404), and its ids carry a per-process random prefix, so an id is never
// reused and a client polling an old job never sees another upload's
// state.
type Jobs struct {
	a      *Applier
	prefix string
	next   atomic.Int64
	mu     sync.Mutex
	jobs   map[string]*Job
	wg     sync.WaitGroup
}

// NewJobs tracks jobs for an applier.
func NewJobs(a *Applier) *Jobs {
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &Jobs{a: a, jobs: map[string]*Job{}, prefix: hex.EncodeToString(b[:])}
}

// Start ingests path in the background; cleanup runs when the job ends
// (for example to remove an uploaded temporary file).
func (j *Jobs) Start(ctx context.Context, path, name string, opt BulkOptions, cleanup func()) *Job {
	job := &Job{ID: fmt.Sprintf("job-%s-%d", j.prefix, j.next.Add(1)), Status: JobRunning, File: name, Started: time.Now()}
	job.Summary.File = name
	j.mu.Lock()
	j.jobs[job.ID] = job
	j.mu.Unlock()
	opt.Progress = func(p Progress) {
		j.mu.Lock()
		job.Summary.Read = p.Read
		job.Progress = p.Fraction
		j.mu.Unlock()
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		if cleanup != nil {
			defer cleanup()
		}
		sum, err := j.a.ingestPath(ctx, path, name, opt)
		j.mu.Lock()
		defer j.mu.Unlock()
		job.Summary = sum
		job.Finished = time.Now()
		job.Progress = 1
		job.Status = JobDone
		if err != nil {
			job.Status, job.Error = JobFailed, jobError(err, path, name)
			slog.Error("ingest job failed", "job", job.ID, "file", name, "err", err)
			return
		}
		slog.Info("ingest job done", "job", job.ID, "summary", sum.String())
	}()
	return j.Get(job.ID)
}

// Get returns a copy of the job's current state.
func (j *Jobs) Get(id string) *Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.jobs[id]
	if !ok {
		return nil
	}
	c := *job
	c.Problems = append([]Problem(nil), job.Problems...)
	return &c
}

// Wait blocks until every started job has finished.
func (j *Jobs) Wait() { j.wg.Wait() }

// jobError is a failed job's error as clients see it: never a server path
// (the upload's temporary file, the data directory). The full error is
// logged with the job's id.
func jobError(err error, path, name string) string {
	switch {
	case errors.Is(err, index.ErrStorageFull):
		return "the server's storage is full: the rows counted as ingested were stored, the rest were not; upload the file again once space is freed"
	case errors.Is(err, index.ErrStorage):
		return "the server could not write to its storage: the rows counted as ingested were stored, the rest were not; try again later"
	}
	msg := err.Error()
	if path != "" {
		msg = strings.ReplaceAll(msg, path, name)
	}
	return absPath.ReplaceAllStringFunc(msg, func(m string) string {
		lead := ""
		if m[0] != '/' {
			lead, m = m[:1], m[1:]
		}
		return lead + filepath.Base(m)
	})
}

// absPath matches an absolute path where a message would hold one: at the
// start or after a space, quote, parenthesis or '='; so an id such as
// "a/b" is left alone.
var absPath = regexp.MustCompile(`(^|[\s"'(=])/[^\s"'():,]+`)
