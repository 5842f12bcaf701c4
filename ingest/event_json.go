package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// wireEvent is an event as /v1/events and the stream sources receive it.
type wireEvent struct {
	Op      string         `json:"op"`
	ID      any            `json:"id"`
	Fields  map[string]any `json:"fields"`
	Version int64          `json:"version"`
	TS      string         `json:"ts"`
}

// DecodeEvent parses one event in the /v1/events format: a JSON object with
// op, id (string or number), fields, version and ts (RFC 3339). Unknown keys
// are an error, so a misspelt key is reported rather than ignored.
func DecodeEvent(b []byte) (Event, error) {
	var w wireEvent
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Event{}, fmt.Errorf("not a valid event: %w", err)
	}
	ev := Event{Op: w.Op, Fields: w.Fields, Version: w.Version}
	id, err := idString(w.ID)
	if err != nil {
		return ev, fmt.Errorf("id: %w", err)
	}
	ev.ID = id
	if w.TS != "" {
		ts, err := time.Parse(time.RFC3339Nano, w.TS)
		if err != nil {
			return ev, fmt.Errorf("ts: %q is not an RFC 3339 time", w.TS)
		}
		ev.TS = ts
	}
	return ev, nil
}

func idString(v any) (string, error) {
	switch id := v.(type) {
	case string:
		return id, nil
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64), nil
	case json.Number:
		return id.String(), nil
	case nil:
		return "", nil
	default:
		return "", fmt.Errorf("must be a string or number")
	}
}
