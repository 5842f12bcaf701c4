package openai

import (
	"fmt"
	"net/http"
	"strings"
)

// StatusError is an HTTP error answer from the endpoint. Embed's errors
// wrap it, so callers can errors.As for the status code.
type StatusError struct {
	StatusCode int
	Message    string // the server's error message, or its raw body
	Err        error  // the go-openai error it came from
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.StatusCode, strings.ToLower(http.StatusText(e.StatusCode)), e.Message)
}

func (e *StatusError) Unwrap() error { return e.Err }

// Retryable reports whether the request may succeed if sent again: rate
// limits and server-side failures, never other client errors.
func (e *StatusError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}
