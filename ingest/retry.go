package ingest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tessera-search/tessera/index"
)

// retryDelays is the backoff between attempts when encoding or applying
// fails for a reason other than cancellation — typically a remote embedder
// that is down. Rows stay queued (and unacknowledged) while it lasts, so
// nothing is dropped; backpressure (a full queue, 429) does the rest.
var retryDelays = []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second}

// retry runs fn until it succeeds or ctx is done.
func retry(ctx context.Context, what string, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return err
		}
		// A disk that cannot take the write-ahead log does not heal in
		// seconds: callers get the failure at once (HTTP 507) instead of
		// waiting while the loop retries.
		if errors.Is(err, index.ErrStorageFull) || errors.Is(err, index.ErrStorage) {
			return err
		}
		d := retryDelays[min(attempt, len(retryDelays)-1)]
		slog.WarnContext(ctx, what+" failed; retrying", "attempt", attempt+1, "in", d.String(), "err", err)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return err
		}
	}
}
