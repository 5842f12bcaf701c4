package tessera

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockFile is the file in a data directory whose exclusive lock marks the
// directory's one owner. It also names the owner, for the error the next
// process gets.
const lockFile = "LOCK"

// ErrLocked is wrapped by the error Open returns when another process, or
// another Open in this one, holds the data directory.
var ErrLocked = errors.New("data directory in use")

// Holder describes the owner of a data directory, as written to its LOCK
// file.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`        // "tessera serve", "tessera ingest"
	Addr    string    `json:"addr,omitempty"` // a server's URL, for clients that can go through it
	Since   time.Time `json:"since"`
}

// LockedError says who holds a data directory.
type LockedError struct {
	Dir    string
	Holder Holder // zero when the holder had not written its details yet
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("%s: %v: another process holds its lock", e.Dir, ErrLocked)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v by pid %d", e.Dir, ErrLocked, h.PID)
	if h.Command != "" {
		fmt.Fprintf(&b, " (%s", h.Command)
		if !h.Since.IsZero() {
			fmt.Fprintf(&b, ", since %s", h.Since.Format(time.RFC3339))
		}
		b.WriteString(")")
	}
	if h.Addr != "" {
		fmt.Fprintf(&b, ", serving %s", h.Addr)
	}
	return b.String()
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// dirLock is a held lock on a data directory.
type dirLock struct{ f *os.File }

// lockDir takes dir's lock without waiting. The lock is tied to the open
// file, not to a pid: the kernel drops it when the process dies, so a
// crashed owner (kill -9) never leaves the directory locked.
func lockDir(dir string, h Holder) (*dirLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		defer f.Close()
		le := &LockedError{Dir: dir}
		if raw, err := os.ReadFile(path); err == nil {
			// An empty or half-written file (the holder has just locked
			// it) leaves the holder unknown, not the error unreported.
			_ = json.Unmarshal(raw, &le.Holder)
		}
		return nil, le
	}
	h.PID = os.Getpid()
	h.Since = time.Now().UTC().Truncate(time.Second)
	if h.Command == "" {
		h.Command = filepath.Base(os.Args[0])
	}
	raw, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(raw, '\n'), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: write holder: %w", path, err)
	}
	return &dirLock{f: f}, nil
}

// release empties the holder's details and drops the lock. The file stays:
// removing it would let a process that opened it a moment earlier lock a
// file no longer in the directory while a third locks a new one.
func (l *dirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Truncate(0)
	err = errors.Join(err, l.f.Close()) // closing drops the lock
	l.f = nil
	return err
}
