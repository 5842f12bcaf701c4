package clean

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		in      string
		layouts []string
		want    time.Time
	}{
		{"2023-11-01T10:30:00Z", nil, time.Date(2023, 11, 1, 10, 30, 0, 0, time.UTC)},
		{"2023-11-01T16:00:00+05:30", nil, time.Date(2023, 11, 1, 16, 0, 0, 0, ist).UTC()},
		{"2023-11-01T10:30:00.123456Z", nil, time.Date(2023, 11, 1, 10, 30, 0, 123456000, time.UTC)},
		{"2023-11-01 10:30:00", nil, time.Date(2023, 11, 1, 10, 30, 0, 0, time.UTC)},
		{"2023-11-01", nil, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"Jan 2, 2006", nil, time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"January 2, 2006", nil, time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"2 Jan 2006", nil, time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"20231101", nil, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"1700000000", nil, time.Unix(1700000000, 0).UTC()},
		{"1700000000123", nil, time.UnixMilli(1700000000123).UTC()},
		{"02/01/2006", []string{"02/01/2006"}, time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"01/02/2006", []string{"01/02/2006"}, time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"45231", []string{LayoutExcel}, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"45231.5", []string{LayoutExcel}, time.Date(2023, 11, 1, 12, 0, 0, 0, time.UTC)},
		{"1700000000", []string{LayoutUnix}, time.Unix(1700000000, 0).UTC()},
		{"86400", []string{LayoutUnix}, time.Unix(86400, 0).UTC()},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, tt.layouts)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q, %q) = %v, %v; want %v UTC", tt.in, tt.layouts, got, err, tt.want)
		}
	}
	for in, hint := range map[string]string{
		"02/01/2006": "declare a layout",
		"45231":      "[excel]",
		"yesterday":  "unknown time format",
		"":           "no time",
	} {
		_, err := ParseTime(in, nil)
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("ParseTime(%q) error = %v, want one mentioning %q", in, err, hint)
		}
	}
}

func TestExcelTime(t *testing.T) {
	tests := []struct {
		serial float64
		d1904  bool
		want   time.Time
	}{
		{1, false, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{59, false, time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC)},
		{61, false, time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)},
		{45231, false, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)},
		{45231.75, false, time.Date(2023, 11, 1, 18, 0, 0, 0, time.UTC)},
		{0, true, time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)},
		{43769, true, time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ExcelTime(tt.serial, tt.d1904)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ExcelTime(%v, %v) = %v, %v; want %v", tt.serial, tt.d1904, got, err, tt.want)
		}
	}
	for _, bad := range []float64{-1, 2958466, 1e300} {
		if _, err := ExcelTime(bad, false); err == nil {
			t.Errorf("ExcelTime(%v) succeeded, want range error", bad)
		}
	}
}
