package lexical

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
)

func written(t *testing.T, write func(*bufio.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := write(w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return buf.Bytes()
}

// TestFreezeKeepsThePointInTime: a frozen index writes what the index
// held when it was frozen, byte for byte, however the index changes
// before the write: texts replaced (twins and leads among them), slots
// deleted, new slots and new terms.
func TestFreezeKeepsThePointInTime(t *testing.T) {
	x := New([]string{"title", "labels"}, "labels")
	for s := range uint32(300) {
		x.Set(s, map[string]any{"title": fmt.Sprintf("wireless earbuds model %d", s%40), "labels": "audio gear"})
	}
	want := written(t, x.WriteTo)
	fz := x.Freeze()
	for s := range uint32(300) {
		switch s % 3 {
		case 0:
			x.Delete(s)
		case 1:
			x.Set(s, map[string]any{"title": fmt.Sprintf("garden hose reel %d", s), "labels": "outdoor"})
		}
	}
	for s := uint32(300); s < 400; s++ {
		x.Set(s, map[string]any{"title": fmt.Sprintf("espresso grinder %d", s)})
	}
	if got := written(t, fz.WriteTo); !bytes.Equal(got, want) {
		t.Fatalf("the frozen index wrote %d bytes that differ from the %d written when it was frozen", len(got), len(want))
	}
	if now := written(t, x.WriteTo); bytes.Equal(now, want) {
		t.Fatal("the index did not change: the test proves nothing")
	}
	loaded := New([]string{"title", "labels"}, "labels")
	if err := loaded.ReadFrom(bufio.NewReader(bytes.NewReader(written(t, fz.WriteTo)))); err != nil {
		t.Fatal(err)
	}
	if loaded.Len() != 300 {
		t.Fatalf("loaded %d slots, want 300", loaded.Len())
	}
}
