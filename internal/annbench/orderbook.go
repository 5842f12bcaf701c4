package annbench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/spaces"
)

// OrderBookSchema is the schema of an OrderBook catalogue: one row per
// order line, with the product's name as text, sales and profit as
// numbers, category and sub-category, and recency over the order date —
// the shape of the Excel order book in issue 14. Segment and region are
// filter fields.
const OrderBookSchema = `name: orderbook
id: id
fields:
  id:           {type: text}
  product:      {type: text}
  category:     {type: category}
  sub_category: {type: category}
  segment:      {type: category}
  region:       {type: category}
  sales:        {type: number}
  profit:       {type: number}
  order_date:   {type: time}
spaces:
  - {name: product,      kind: text,     field: product}
  - {name: sales,        kind: number,   field: sales, min: 0, max: 25000, mode: maximum, scale: log}
  - {name: profit,       kind: number,   field: profit, min: -5000, max: 9000, mode: maximum}
  - {name: category,     kind: category, field: category}
  - {name: sub_category, kind: category, field: sub_category}
  - {name: recency,      kind: recency,  field: order_date, periods: [{days: 90, weight: 1}, {days: 730, weight: 1}]}
filters: [category, sub_category, segment, region]
`

// OrderBookNow is the clock OrderBook catalogues are encoded against, so
// their recency parts do not depend on the day a test runs.
var OrderBookNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// orderBookSubs are the sub-categories of each category, with the nouns
// their product names are made of.
var orderBookSubs = []struct {
	cat, sub string
	nouns    []string
}{
	{"Furniture", "Chairs", []string{"chair", "stool", "seat", "recliner"}},
	{"Furniture", "Tables", []string{"table", "desk", "workstation"}},
	{"Furniture", "Bookcases", []string{"bookcase", "shelf", "cabinet"}},
	{"Furniture", "Furnishings", []string{"lamp", "clock", "frame", "mat", "rug"}},
	{"Office Supplies", "Binders", []string{"binder", "folder", "cover"}},
	{"Office Supplies", "Paper", []string{"paper", "notebook", "pad", "cards"}},
	{"Office Supplies", "Storage", []string{"box", "drawer", "crate", "locker"}},
	{"Office Supplies", "Art", []string{"pencil", "marker", "crayon", "brush"}},
	{"Office Supplies", "Appliances", []string{"heater", "fan", "shredder", "microwave"}},
	{"Office Supplies", "Envelopes", []string{"envelope", "mailer"}},
	{"Office Supplies", "Fasteners", []string{"clip", "pin", "staple", "tack"}},
	{"Office Supplies", "Labels", []string{"label", "tag", "sticker"}},
	{"Technology", "Phones", []string{"phone", "headset", "charger"}},
	{"Technology", "Accessories", []string{"keyboard", "mouse", "speaker", "cable"}},
	{"Technology", "Machines", []string{"printer", "copier", "scanner", "projector"}},
	{"Technology", "Copiers", []string{"copier", "fax", "printer"}},
}

var (
	orderBookBrands = []string{"acme", "global", "premier", "eldon", "fellowes", "hon", "bretford", "avery", "belkin", "logitech", "canon", "xerox", "samsung", "apple", "cisco", "motorola", "staples", "wilson", "smead", "novimex"}
	orderBookAdjs   = []string{"office", "executive", "deluxe", "compact", "heavy", "portable", "wireless", "ergonomic", "classic", "modern", "mesh", "leather", "wooden", "metal", "black", "white", "adjustable", "folding", "stackable", "premium"}
	orderBookSegs   = []string{"Consumer", "Consumer", "Consumer", "Corporate", "Corporate", "Home Office"}
	orderBookRegion = []string{"West", "East", "Central", "South"}
)

// OrderBook generates a duplicate-heavy catalogue: rows order lines drawn
// from products products (popular products far more often, as in a real
// order book), so many rows share the product name and both categories
// and differ only in sales, profit, date, segment and region. Values are
// cleaned (numbers as float64, dates as time.Time), ready to encode.
func OrderBook(rows, products int, seed int64) []map[string]any {
	rng := rand.New(rand.NewPCG(uint64(seed), 14))
	type product struct {
		name, cat, sub string
		price, margin  float64
	}
	ps := make([]product, products)
	for i := range ps {
		s := orderBookSubs[rng.IntN(len(orderBookSubs))]
		name := fmt.Sprintf("%s %s %s", orderBookBrands[rng.IntN(len(orderBookBrands))],
			orderBookAdjs[rng.IntN(len(orderBookAdjs))], s.nouns[rng.IntN(len(s.nouns))])
		if rng.IntN(3) == 0 {
			name += " " + orderBookAdjs[rng.IntN(len(orderBookAdjs))]
		}
		ps[i] = product{name: name, cat: s.cat, sub: s.sub,
			price: math.Exp(rng.Float64()*7 + 0.5), margin: rng.Float64()*0.6 - 0.2}
	}
	docs := make([]map[string]any, rows)
	for i := range docs {
		// Zipf-like popularity: product i is drawn with weight ~1/(i+1).
		p := ps[int(math.Floor(math.Pow(float64(products), rng.Float64())))-1]
		qty := float64(1 + rng.IntN(14))
		disc := []float64{0, 0, 0, 0.1, 0.2, 0.5}[rng.IntN(6)]
		sales := math.Round(p.price*qty*(1-disc)*100) / 100
		profit := math.Round(sales*(p.margin-disc)*100) / 100
		date := OrderBookNow.AddDate(0, 0, -rng.IntN(4*365))
		docs[i] = map[string]any{
			"id":           fmt.Sprintf("OL-%05d", i),
			"product":      p.name,
			"category":     p.cat,
			"sub_category": p.sub,
			"segment":      orderBookSegs[rng.IntN(len(orderBookSegs))],
			"region":       orderBookRegion[rng.IntN(len(orderBookRegion))],
			"sales":        sales,
			"profit":       profit,
			"order_date":   date,
		}
	}
	return docs
}

// EncodeRecords learns the documents' categories and encodes them with
// enc into records keyed by idField.
func EncodeRecords(ctx context.Context, enc *spaces.Encoder, docs []map[string]any, idField string) ([]index.Record, error) {
	for _, d := range docs {
		enc.Learn(d)
	}
	flat := make([]float32, len(docs)*enc.Dim())
	dst := make([][]float32, len(docs))
	for i := range dst {
		dst[i] = flat[i*enc.Dim() : (i+1)*enc.Dim() : (i+1)*enc.Dim()]
	}
	if err := enc.EncodeItems(ctx, docs, dst, nil); err != nil {
		return nil, err
	}
	recs := make([]index.Record, len(docs))
	for i, d := range docs {
		id, _ := d[idField].(string)
		if id == "" {
			return nil, fmt.Errorf("document %d has no %s", i, idField)
		}
		recs[i] = index.Record{ID: id, Fields: d, Vector: dst[i]}
	}
	return recs, nil
}

// queryTexts returns short phrases drawn from the documents' text fields:
// one to three consecutive words of a random row's value.
func queryTexts(rng *rand.Rand, docs []map[string]any, fields []string, n int) []string {
	var out []string
	for tries := 0; len(out) < n && tries < 20*n && len(fields) > 0; tries++ {
		s, _ := docs[rng.IntN(len(docs))][fields[rng.IntN(len(fields))]].(string)
		w := strings.Fields(s)
		if len(w) == 0 {
			continue
		}
		a := rng.IntN(len(w))
		b := min(len(w), a+1+rng.IntN(3))
		out = append(out, strings.Join(w[a:b], " "))
	}
	return out
}
