package read

import (
	"flag"
	"os"
	"testing"
)

// TestMain caps how long the fuzzer minimizes each new input it finds,
// unless -fuzzminimizetime is given. Go's default is 60 s per input, spent
// on removing byte ranges (executions in the square of the input's
// length); on FuzzXLSXOpen's 2.5 KB workbooks that was all of every
// minute — the run reported 0 execs/s after its first new inputs. With
// 100 executions per minimization the same run holds 4,000–7,000 execs/s.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		flag.Set("test.fuzzminimizetime", "100x")
	}
	os.Exit(m.Run())
}
