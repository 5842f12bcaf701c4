package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
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

// Jobs runs and remembers bulk ingestions.
type Jobs struct {
	a    *Applier
	next atomic.Int64
	mu   sync.Mutex
	jobs map[string]*Job
	wg   sync.WaitGroup
}

// NewJobs tracks jobs for an applier.
func NewJobs(a *Applier) *Jobs { return &Jobs{a: a, jobs: map[string]*Job{}} }

// Start ingests path in the background; cleanup runs when the job ends
// (for example to remove an uploaded temporary file).
func (j *Jobs) Start(ctx context.Context, path, name string, opt BulkOptions, cleanup func()) *Job {
	job := &Job{ID: fmt.Sprintf("job-%d", j.next.Add(1)), Status: JobRunning, File: name, Started: time.Now()}
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
			job.Status, job.Error = JobFailed, err.Error()
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
