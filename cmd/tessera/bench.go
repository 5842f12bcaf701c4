package main

import (
	"context"
	"fmt"
	"io"
)

func benchCmd(_ context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("bench: want index, ingest or query")
	}
	switch args[0] {
	}
	return fmt.Errorf("bench: unknown benchmark %q (want index, ingest or query)", args[0])
}
