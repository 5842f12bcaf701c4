package spaces

import (
	"fmt"
	"math"
	"time"
)

// recencySpace is Superlinked's RecencySpace. For each period p with weight
// w the item part is [w·cos φ, w·sin φ], φ = (π/2)·(t − start_p)/(end − start_p),
// end = the next UTC midnight (plus an offset), start_p = end − p. Items older
// than the largest period get zeros plus negative_filter in one extra
// dimension. The part is normalised by √Σw². Queries encode "now".
type recencySpace struct {
	s       *SpaceSpec
	periods []Period
	norm    float64
	offset  time.Duration
}

func newRecencySpace(s *SpaceSpec) *recencySpace {
	r := &recencySpace{s: s, periods: s.Periods, offset: time.Duration(s.OffsetHours * float64(time.Hour))}
	if len(r.periods) == 0 {
		r.periods = []Period{{Days: 14, Weight: 1}}
	}
	var sum float64
	for i, p := range r.periods {
		if p.Weight == 0 {
			r.periods[i].Weight = 1
		}
		sum += r.periods[i].Weight * r.periods[i].Weight
	}
	r.norm = math.Sqrt(sum)
	return r
}

func (r *recencySpace) spec() *SpaceSpec { return r.s }
func (r *recencySpace) dim() int         { return 2*len(r.periods) + 1 }
func (r *recencySpace) negDims() int     { return 1 }

// end is the reference instant: the next UTC midnight after now, plus offset.
func (r *recencySpace) end(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Add(r.offset)
}

func (r *recencySpace) encode(t, now time.Time, dst []float32, query bool) {
	clear(dst)
	end := r.end(now)
	inAny := false
	for i, p := range r.periods {
		length := time.Duration(p.Days * float64(24*time.Hour))
		start := end.Add(-length)
		if t.Before(start) {
			continue
		}
		inAny = true
		frac := float64(t.Sub(start)) / float64(length)
		if frac > 1 {
			frac = 1
		}
		phi := math.Pi / 2 * frac
		dst[2*i] = float32(p.Weight * math.Cos(phi) / r.norm)
		dst[2*i+1] = float32(p.Weight * math.Sin(phi) / r.norm)
	}
	last := len(dst) - 1
	if query {
		dst[last] = 1
	} else if !inAny {
		dst[last] = float32(r.s.NegativeFilter)
	}
}

func (r *recencySpace) item(v any, now time.Time, dst []float32) error {
	if v == nil {
		clear(dst)
		return nil
	}
	t, ok := v.(time.Time)
	if !ok {
		return fmt.Errorf("space %s: value %v (%T) is not a time", r.s.Name, v, v)
	}
	r.encode(t, now, dst, false)
	return nil
}

func (r *recencySpace) query(now time.Time, dst []float32) {
	r.encode(now, now, dst, true)
}
