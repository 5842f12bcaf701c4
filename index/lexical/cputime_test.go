//go:build unix

package lexical

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used (user + system). On a
// shared machine it measures the benchmark's own work where wall time
// measures the neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
