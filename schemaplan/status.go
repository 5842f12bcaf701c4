package schemaplan

import "time"

// States of a background apply.
const (
	StateIdle    = "idle"
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
)

// Status is where a background apply stands (GET /v1/schema/apply).
type Status struct {
	State string `json:"state"`
	Plan  *Plan  `json:"plan,omitempty"`
	// Done and Total count the documents carried into the new index.
	Done     int       `json:"done"`
	Total    int       `json:"total"`
	Error    string    `json:"error,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}
