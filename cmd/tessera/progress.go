package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows how an ingestion is going on stderr: a line redrawn in
// place on a terminal, a line every few seconds otherwise (a log, CI).
type progress struct {
	w     io.Writer
	tty   bool
	name  string
	size  int64 // bytes, 0 when unknown
	start time.Time
	last  time.Time
	drawn bool
}

// rateAfter is how long progress waits before it shows a rate: the first
// batches say more about start-up (opening the file, the first commit)
// than about the pace, and a rate from them is wildly off.
const rateAfter = time.Second

func newProgress(w io.Writer, name string, size int64) *progress {
	f, ok := w.(*os.File)
	now := time.Now()
	return &progress{w: w, tty: ok && isTerminal(f), name: name, size: size, start: now, last: now}
}

// update reports rows committed so far and the fraction of the input
// read (0 when unknown).
func (p *progress) update(rows int, frac float64) {
	now := time.Now()
	every := 2 * time.Second
	if p.tty {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	line := p.line(rows, frac, now.Sub(p.start))
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// line is "big.csv: 45% of 27.1 MB, 12,288 rows, 2,786 rows/s, about 3s
// left", leaving out what is not known yet.
func (p *progress) line(rows int, frac float64, elapsed time.Duration) string {
	parts := []string{}
	if frac > 0 && p.size > 0 {
		parts = append(parts, fmt.Sprintf("%.0f%% of %s", 100*frac, byteSize(p.size)))
	} else if p.size > 0 {
		parts = append(parts, byteSize(p.size))
	}
	parts = append(parts, groupDigits(rows)+" rows")
	if elapsed >= rateAfter && rows > 0 {
		parts = append(parts, groupDigits(int(float64(rows)/elapsed.Seconds()))+" rows/s")
		if frac > 0.02 && frac < 1 {
			left := time.Duration(float64(elapsed) * (1 - frac) / frac).Round(time.Second)
			parts = append(parts, "about "+left.String()+" left")
		}
	}
	return p.name + ": " + strings.Join(parts, ", ")
}

// done clears the terminal line before the summary is printed.
func (p *progress) done() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// byteSize is n in B, kB, MB or GB (powers of 1000, one decimal).
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1_000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1_000_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// groupDigits writes n with thousands separators: 12,288.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
