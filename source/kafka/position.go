package kafka

import (
	"encoding/json"
	"fmt"
)

// Position is what the index remembers of one partition, committed in the
// write-ahead log with the batch that moved it.
type Position struct {
	// Next is the offset of the next message to read.
	Next int64 `json:"next"`
	// Consumed counts the messages of this partition this index has handed
	// to its apply path (or dead-lettered) since it first read it. It moves
	// with Next, so a restart that re-read messages already committed — or
	// skipped some — shows as Consumed ≠ the messages produced.
	Consumed int64 `json:"consumed"`
}

// PositionKey is the key under which the index stores a partition's
// position (ingest.Stream.Position).
func PositionKey(topic string, partition int32) string {
	return fmt.Sprintf("kafka/%s/%d", topic, partition)
}

func (p Position) encode() []byte {
	b, _ := json.Marshal(p) // two integers: cannot fail
	return b
}

// DecodePosition reads a stored position.
func DecodePosition(b []byte) (Position, error) {
	var p Position
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("kafka position %q: %w", b, err)
	}
	if p.Next < 0 || p.Consumed < 0 {
		return p, fmt.Errorf("kafka position %q: negative", b)
	}
	return p, nil
}
