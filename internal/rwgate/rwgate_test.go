package rwgate

import (
	"sync"
	"testing"
	"time"
)

// TestReadersDoNotQueueBehindAWaitingWriter: while one reader holds the
// lock and a writer waits in LockBetween, a second reader still gets in
// (with sync.RWMutex.Lock it would wait for the writer); once the readers
// leave, the writer gets the lock.
func TestReadersDoNotQueueBehindAWaitingWriter(t *testing.T) {
	var mu sync.RWMutex
	mu.RLock()
	locked := make(chan struct{})
	go func() {
		LockBetween(&mu, time.Hour)
		close(locked)
	}()
	time.Sleep(5 * time.Millisecond) // let the writer start waiting
	second := make(chan struct{})
	go func() {
		mu.RLock()
		close(second)
	}()
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("a new reader queued behind a writer that had not started")
	}
	select {
	case <-locked:
		t.Fatal("the writer got the lock while readers held it")
	default:
	}
	mu.RUnlock()
	mu.RUnlock()
	select {
	case <-locked:
	case <-time.After(10 * time.Second):
		t.Fatal("the writer never got the lock once the readers left")
	}
	if mu.TryRLock() {
		t.Fatal("the lock is not held for writing")
	}
	mu.Unlock()
}

// TestPatienceEndsInLock: readers that never leave a gap hold the writer
// off only for its patience; then it queues like Lock and new readers wait.
func TestPatienceEndsInLock(t *testing.T) {
	var mu sync.RWMutex
	mu.RLock()
	locked := make(chan struct{})
	go func() {
		LockBetween(&mu, 10*time.Millisecond)
		close(locked)
	}()
	// Once patience has passed the writer is queued: a new reader cannot
	// get in, although the first still holds the lock.
	deadline := time.Now().Add(10 * time.Second)
	for mu.TryRLock() {
		mu.RUnlock()
		if time.Now().After(deadline) {
			t.Fatal("the writer never queued after its patience")
		}
		time.Sleep(time.Millisecond)
	}
	mu.RUnlock()
	<-locked
	mu.Unlock()
}
