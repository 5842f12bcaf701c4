package spaces

import (
	"fmt"
	"math"
)

// numberSpace encodes a number on a quarter circle, Superlinked's
// NumberSpace: x ↦ [sin θ, cos θ, 0] with θ = (π/2)·(x−min)/(max−min).
// The third dimension is the negative filter: out-of-range values that the
// mode penalises encode as [0, 0, negative_filter].
type numberSpace struct {
	s         *SpaceSpec
	min, max  float64
	log       bool
	signedLog bool
}

func newNumberSpace(s *SpaceSpec) *numberSpace {
	n := &numberSpace{s: s, min: *s.Min, max: *s.Max, log: s.Scale == ScaleLog, signedLog: s.Scale == ScaleSignedLog}
	switch {
	case n.log:
		n.min, n.max = math.Log10(1+n.min), math.Log10(1+n.max)
	case n.signedLog:
		n.min, n.max = signedLog(n.min), signedLog(n.max)
	}
	return n
}

// signedLog is sign(x)·log10(1+|x|): odd and monotonic, so a loss of 1,000
// sits as far below zero as a profit of 1,000 sits above it.
func signedLog(x float64) float64 {
	return math.Copysign(math.Log10(1+math.Abs(x)), x)
}

func (n *numberSpace) spec() *SpaceSpec { return n.s }
func (n *numberSpace) dim() int         { return 3 }
func (n *numberSpace) negDims() int     { return 1 }

// theta maps v onto [0, π/2]; ok is false when v lies outside [min, max] on
// the side the mode penalises.
func (n *numberSpace) theta(v float64) (theta float64, ok bool) {
	x := v
	if n.log {
		if v < 0 {
			return 0, false
		}
		x = math.Log10(1 + v)
	}
	if n.signedLog {
		x = signedLog(v)
	}
	if x < n.min {
		if n.s.Mode != "minimum" {
			return 0, false
		}
		x = n.min
	}
	if x > n.max {
		if n.s.Mode != "maximum" {
			return 0, false
		}
		x = n.max
	}
	return math.Pi / 2 * (x - n.min) / (n.max - n.min), true
}

func (n *numberSpace) item(v any, dst []float32) error {
	clear(dst)
	if v == nil {
		return nil
	}
	x, err := toFloat(v)
	if err != nil {
		return fmt.Errorf("space %s: %w", n.s.Name, err)
	}
	theta, ok := n.theta(x)
	if !ok {
		dst[2] = float32(n.s.NegativeFilter)
		return nil
	}
	dst[0], dst[1] = float32(math.Sin(theta)), float32(math.Cos(theta))
	return nil
}

// query writes the query part: minimum → [0,1,1], maximum → [1,0,1],
// similar → the embedding of the given value. It reports false when the space
// has nothing to compare (similar mode without a value).
func (n *numberSpace) query(v any, dst []float32) (bool, error) {
	clear(dst)
	switch n.s.Mode {
	case "minimum":
		if v != nil {
			return false, fmt.Errorf("space %s is mode minimum: it takes no query value", n.s.Name)
		}
		dst[1], dst[2] = 1, 1
	case "maximum":
		if v != nil {
			return false, fmt.Errorf("space %s is mode maximum: it takes no query value", n.s.Name)
		}
		dst[0], dst[2] = 1, 1
	default:
		if v == nil {
			return false, nil
		}
		x, err := toFloat(v)
		if err != nil {
			return false, fmt.Errorf("space %s: %w", n.s.Name, err)
		}
		theta, ok := n.theta(x)
		if !ok {
			return false, fmt.Errorf("space %s: value %v is outside [%v, %v]", n.s.Name, x, *n.s.Min, *n.s.Max)
		}
		dst[0], dst[1], dst[2] = float32(math.Sin(theta)), float32(math.Cos(theta)), 1
	}
	return true, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("value %v is not a finite number", x)
		}
		return x, nil
	case float32:
		return toFloat(float64(x))
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int32:
		return float64(x), nil
	default:
		return 0, fmt.Errorf("value %v (%T) is not a number", v, v)
	}
}
