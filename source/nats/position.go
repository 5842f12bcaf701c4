package nats

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Position is what the source commits into Tessera's WAL with each batch:
// the stream sequence of the last message handled and how many messages it
// has handled in all. Seq is the resume point; Messages lets a test (or an
// operator) check that every message was applied exactly once — a consumer
// that resumed too early would count some twice.
type Position struct {
	Seq      uint64 `json:"seq"`
	Messages uint64 `json:"messages"`
}

// PositionKey is the collection metadata key of a stream and durable's
// position. Two durables on one stream are two independent consumers.
func PositionKey(stream, durable string) string {
	return "nats/" + stream + "/" + durable
}

func (p Position) encode() []byte {
	b, _ := json.Marshal(p)
	return b
}

// DecodePosition reads a committed position (Stream.Position(PositionKey(…)));
// nil is the start. A bare
// decimal sequence is read too, so a position written by hand works.
func DecodePosition(b []byte) (Position, error) {
	var p Position
	if len(b) == 0 {
		return p, nil
	}
	if n, err := strconv.ParseUint(string(b), 10, 64); err == nil {
		return Position{Seq: n}, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("committed position %q: %w", b, err)
	}
	return p, nil
}
