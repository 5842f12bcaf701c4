package index

import (
	"context"
	"fmt"
	"testing"
)

// TestReserveGrowsTheGraphOnce: after Reserve, the rows it made room for
// land without the graph's storage growing again, and free slots count
// toward the room.
func TestReserveGrowsTheGraphOnce(t *testing.T) {
	ctx := context.Background()
	c := openTemp(t, "", 3, Options{NoSync: true})
	c.Reserve(1000)
	if got := c.Capacity(); got != 1000 {
		t.Fatalf("capacity after Reserve(1000): %d", got)
	}
	for b := range 10 {
		applyRows(t, c, b*100, 100)
	}
	waitBuilt(t, c)
	if c.Len() != 1000 || c.Capacity() != 1000 {
		t.Fatalf("%d rows, capacity %d: want 1000 rows in the reserved 1000", c.Len(), c.Capacity())
	}
	// 10 deleted rows leave 10 free slots: room for 10 more rows already.
	var dels []Record
	for i := range 10 {
		dels = append(dels, Record{ID: fmt.Sprint(i), Deleted: true})
	}
	if _, err := c.Apply(ctx, dels, nil); err != nil {
		t.Fatal(err)
	}
	waitBuilt(t, c)
	c.Reserve(10)
	if got := c.Capacity(); got != 1000 {
		t.Fatalf("Reserve(10) with 10 free slots grew the capacity to %d", got)
	}
	c.Reserve(0)
	c.Reserve(-5)
	if got := c.Capacity(); got != 1000 {
		t.Fatalf("Reserve of nothing changed the capacity to %d", got)
	}
}
