package clean

import (
	"errors"
	"fmt"
)

// ErrMissing is wrapped by the error that [Spec.Clean] returns for a null
// value when the field's missing policy is "reject".
var ErrMissing = errors.New("missing value")

// ValueError reports a raw value that could not be cleaned. The caller adds
// the column and row; Value is the raw value exactly as the reader gave it.
type ValueError struct {
	Value  any    // the raw value
	Reason string // why it was rejected, e.g. `"1,2,3" has bad digit grouping`
	Err    error  // an underlying cause such as ErrMissing, or nil
}

// Error formats the raw value and the reason.
func (e *ValueError) Error() string {
	return fmt.Sprintf("value %s: %s", quoteRaw(e.Value), e.Reason)
}

// Unwrap returns the underlying cause, so errors.Is(err, ErrMissing) works.
func (e *ValueError) Unwrap() error { return e.Err }

// quoteRaw renders a raw value for an error message, keeping strings quoted
// so that empty and blank values stay visible.
func quoteRaw(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 80 {
			x = x[:80] + "…"
		}
		return fmt.Sprintf("%q", x)
	case nil:
		return "<nil>"
	default:
		return fmt.Sprintf("%v (%T)", x, x)
	}
}

// errorf builds a *ValueError for raw with a formatted reason.
func errorf(raw any, format string, args ...any) *ValueError {
	return &ValueError{Value: raw, Reason: fmt.Sprintf(format, args...)}
}
