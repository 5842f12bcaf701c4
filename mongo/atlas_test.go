package mongo

import (
	"fmt"
	"testing"
)

func TestStoredFieldPaths(t *testing.T) {
	got := storedFieldPaths(map[string]any{
		"price": map[string]any{"lte": 50.0},
		"or":    []any{map[string]any{"category": "Books"}, map[string]any{"rating": map[string]any{"gte": 4.0}}},
	})
	want := "map[fields.price:map[lte:50] or:[map[fields.category:Books] map[fields.rating:map[gte:4]]]]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v\nwant %s", got, want)
	}
}
