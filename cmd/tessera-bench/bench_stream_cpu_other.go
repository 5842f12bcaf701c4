//go:build !unix

package main

import "time"

// processCPU is not measured here: phases report 0.
func processCPU() time.Duration { return 0 }
