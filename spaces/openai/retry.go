package openai

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// classify turns a go-openai error into a *StatusError when the server
// answered, and reports whether the attempt is worth repeating.
func classify(err error) (error, bool) {
	var apiErr *goopenai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0 {
		se := &StatusError{StatusCode: apiErr.HTTPStatusCode, Message: apiErr.Message, Err: err}
		return se, se.Retryable()
	}
	var reqErr *goopenai.RequestError
	if errors.As(err, &reqErr) && reqErr.HTTPStatusCode > 0 {
		msg := strings.TrimSpace(string(reqErr.Body))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		if msg == "" && reqErr.Err != nil {
			msg = reqErr.Err.Error()
		}
		se := &StatusError{StatusCode: reqErr.HTTPStatusCode, Message: msg, Err: err}
		return se, se.Retryable()
	}
	// No HTTP status: the connection failed, the attempt timed out or the
	// body was cut short. All are transient unless the caller gave up,
	// which Embed checks separately.
	return err, true
}

// backoff returns the wait before retry n (0-based): exponential from
// base, capped, with "equal jitter" (half fixed, half random) so that
// concurrent batches spread out. A Retry-After from the server wins
// when it asks for longer.
func backoff(base time.Duration, n int, retryAfter time.Duration) time.Duration {
	const maxDelay = 30 * time.Second
	d := base << min(n, 16)
	if d <= 0 || d > maxDelay {
		d = maxDelay
	}
	d = d/2 + rand.N(d/2+1)
	return max(d, retryAfter)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date. Unparseable or past values give 0; values are capped at 5 min.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, 5*time.Minute))
}

// retryAfterKey carries a *time.Duration in a request's context for
// headerDoer to fill.
type retryAfterKey struct{}

// headerDoer records the Retry-After of failed responses: go-openai's
// errors drop the response headers.
type headerDoer struct{ c *http.Client }

func (d headerDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err == nil && resp.StatusCode >= 400 {
		if p, ok := req.Context().Value(retryAfterKey{}).(*time.Duration); ok {
			*p = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
