package main

import (
	"context"
	"fmt"
	"os"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
)

func main() {
	ctx := context.Background()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: "/tmp/amz"})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	q := make([]float32, db.Encoder.Dim())
	got, err := db.Collection.SearchHybrid(q, 100, []index.TextQuery{{Text: os.Args[1], Fields: []string{"title", index.LabelsField}}}, index.SearchOptions{})
	if err != nil {
		panic(err)
	}
	for _, h := range got.Hits {
		if h.Lex[1] > 0 {
			cat := h.Fields["category"].([]string)
			fmt.Printf("%.3f %.3f %s | %s\n", h.Lex[0], h.Lex[1], fmt.Sprint(h.Fields["title"])[:50], cat[len(cat)-1])
		}
	}
}
