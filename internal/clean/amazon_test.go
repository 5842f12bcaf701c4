package clean

import (
	"encoding/csv"
	"errors"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"os"
	"testing"
)

// TestAmazonRawProducts cleans every messy value of raw_products.csv the way
// the products schema declares it.
func TestAmazonRawProducts(t *testing.T) {
	f, err := os.Open(sharedtest.Path(t, "amazon-india/raw_products.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := rows[0], rows[1:]
	if len(rows) != 1465 {
		t.Fatalf("%d rows, want 1465", len(rows))
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	money := Spec{Type: TypeNumber, Format: FormatMoney}
	percent := Spec{Type: TypeNumber, Format: FormatPercent}
	ratingDefault := Spec{Type: TypeNumber, Format: FormatRating}
	ratingDeclared := Spec{Type: TypeNumber, Format: FormatRating, Null: []string{"|"}}
	countNull := Spec{Type: TypeInteger, Format: FormatCount}
	countZero := Spec{Type: TypeInteger, Format: FormatCount, Missing: MissingDefault, Default: 0}
	countReject := Spec{Type: TypeInteger, Format: FormatCount, Missing: MissingReject}
	categories := Spec{Type: TypeCategoryList}

	var nullRatings, ratingErrors, nullCounts, rejected int
	for i, r := range rows {
		for _, c := range []string{"discounted_price", "actual_price"} {
			v, err := money.Clean(r[col[c]])
			if err != nil {
				t.Fatalf("row %d %s %q: %v", i+1, c, r[col[c]], err)
			}
			if p := v.(float64); !(p > 0) {
				t.Errorf("row %d %s %q = %v, want > 0", i+1, c, r[col[c]], p)
			}
		}
		if v, err := percent.Clean(r[col["discount_percentage"]]); err != nil || v.(float64) < 0 || v.(float64) > 100 {
			t.Errorf("row %d discount %q = %v, %v", i+1, r[col["discount_percentage"]], v, err)
		}
		raw := r[col["rating"]]
		v, err := ratingDeclared.Clean(raw)
		switch {
		case err != nil:
			t.Errorf("row %d rating %q with declared null: %v", i+1, raw, err)
		case v == nil:
			nullRatings++
			// Under the default tokens "|" is not null, so it is a parse error.
			if _, err := ratingDefault.Clean(raw); err != nil {
				ratingErrors++
			}
		default:
			if x := v.(float64); x < 0 || x > 5 {
				t.Errorf("row %d rating %q = %v", i+1, raw, x)
			}
		}
		rc := r[col["rating_count"]]
		v, err = countNull.Clean(rc)
		if err != nil {
			t.Errorf("row %d rating_count %q: %v", i+1, rc, err)
		}
		if v == nil {
			nullCounts++
			if z, err := countZero.Clean(rc); z != int64(0) || err != nil {
				t.Errorf("row %d: default policy gave %#v, %v", i+1, z, err)
			}
			if _, err := countReject.Clean(rc); errors.Is(err, ErrMissing) {
				rejected++
			}
		} else if v.(int64) <= 0 {
			t.Errorf("row %d rating_count %q = %v", i+1, rc, v)
		}
		cats, err := categories.Clean(r[col["category"]])
		if err != nil || len(cats.([]string)) < 1 {
			t.Errorf("row %d category %q = %v, %v", i+1, r[col["category"]], cats, err)
		}
	}
	if nullRatings != 1 || ratingErrors != 1 {
		t.Errorf("ratings: %d null under declared \"|\", %d errors under default tokens; want 1 and 1", nullRatings, ratingErrors)
	}
	if nullCounts != 2 || rejected != 2 {
		t.Errorf("rating_count: %d null, %d rejected; want 2 and 2", nullCounts, rejected)
	}
	// Spot-check exact values from the first row.
	if v, _ := money.Clean(rows[0][col["actual_price"]]); v != 1099.0 {
		t.Errorf("first actual_price = %v, want 1099", v)
	}
	if v, _ := countNull.Clean(rows[0][col["rating_count"]]); v != int64(24269) {
		t.Errorf("first rating_count = %v, want 24269", v)
	}
}
