package nl

import (
	"context"
	"testing"
)

func BenchmarkOfflineParse(b *testing.B) {
	p := NewOffline(amazonVocab())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p.Parse(ctx, "cheap wireless earbuds in electronics between ₹500 and 1,999 with rating 4+ top rated")
	}
}

func BenchmarkNewOfflinePathCategories(b *testing.B) {
	v := amazonVocab()
	var paths []string
	for _, t := range amazonTypes {
		for _, sub := range []string{"Accessories&Peripherals|Cables&Accessories|Cables|USBCables", "HomeTheater,TV&Video|Televisions|SmartTelevisions"} {
			paths = append(paths, t+"|"+sub)
		}
	}
	v.Categories = map[string][]string{"category": paths}
	b.ReportAllocs()
	for b.Loop() {
		NewOffline(v)
	}
}
