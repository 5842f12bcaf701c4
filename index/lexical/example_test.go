package lexical_test

import (
	"fmt"

	"github.com/tessera-search/tessera/index/lexical"
)

func Example() {
	x := lexical.New([]string{"title", "category"})
	x.Set(0, map[string]any{"title": "Redmi 12 5G smartphone", "category": "Electronics|Mobiles&Accessories|Smartphones"})
	x.Set(1, map[string]any{"title": "USB-C charging cable for smartphones", "category": "Computers&Accessories|Cables|USBCables"})
	x.Set(2, map[string]any{"title": "Wooden dining table", "category": "Home&Kitchen|Furniture"})

	q := x.Prepare("Smartphones")
	for _, h := range x.Top(q, "title", 10, nil) {
		fmt.Printf("slot %d %.2f %v\n", h.Slot, h.Score, x.Matched(q, h.Slot))
	}
	fmt.Printf("usbc cable: %.2f\n", x.Score(x.Prepare("usbc cable"), "title", 1))
	fmt.Println(lexical.Terms("iPhone13 Wi-Fi USBCables", nil))
	// Output:
	// slot 0 0.96 [smartphones]
	// slot 1 0.36 [smartphones]
	// usbc cable: 0.96
	// [iphone 13 iphone13 wi fi wifi usb cable usbcable]
}
