package nl

// amazonTypes are the values of the `type` column of the amazon-india
// products.csv, written out literally so that tests need no data files.
var amazonTypes = []string{
	"Computers&Accessories", "Electronics", "Home&Kitchen", "OfficeProducts", "MusicalInstruments",
	"HomeImprovement", "Toys&Games", "Car&Motorbike", "Health&PersonalCare",
}

func amazonVocab() Vocab {
	return Vocab{
		Categories:   map[string][]string{"category": amazonTypes},
		PriceField:   "price",
		RatingField:  "review_rating",
		PriceSpace:   "price",
		RatingSpace:  "rating",
		RecencySpace: "recency",
		TextSpaces:   []string{"title", "description"},
	}
}
