package clean

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Special layout names a field may declare besides Go reference layouts.
const (
	LayoutExcel     = "excel"     // Excel serial date, 1900 date system
	LayoutExcel1904 = "excel1904" // Excel serial date, 1904 date system
	LayoutUnix      = "unix"      // Unix seconds, fraction allowed
	LayoutUnixMilli = "unix_ms"   // Unix milliseconds
)

// builtinLayouts are tried after a field's declared layouts. Only
// unambiguous forms are here: "01/02/2006" could be January 2 or 1
// February, so slash dates need a declared layout. Layouts without a zone
// are read as UTC.
var builtinLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02",
	"2006/01/02 15:04:05",
	"Jan 2, 2006",
	"January 2, 2006",
	"Jan 2 2006",
	"January 2 2006",
	"2 Jan 2006",
	"2 January 2006",
	"02-Jan-2006",
	"Mon, Jan 2, 2006",
	"Monday, January 2, 2006",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	time.ANSIC,
	time.UnixDate,
	"2006-01",
	"20060102",
}

// Numeric time ranges: serials below maxExcelSerial (9999-12-31) are Excel
// dates, then Unix seconds below unixMilliFrom, then Unix milliseconds.
const (
	maxExcelSerial = 2958466
	unixMilliFrom  = 1e11
	maxUnixSeconds = 253402300800 // 10000-01-01T00:00:00Z
	minUnixSeconds = -62135596800 // 0001-01-01T00:00:00Z
)

// ParseTime parses a date or timestamp and returns it in UTC. Declared
// layouts are tried first (Go reference layouts or LayoutExcel,
// LayoutExcel1904, LayoutUnix, LayoutUnixMilli), then RFC 3339 and the
// other unambiguous built-in layouts ("2006-01-02", "Jan 2, 2006", …). A
// string of at least nine digits is Unix seconds (≥ 1e11: milliseconds);
// shorter digit strings such as "45231" are ambiguous and need a declared
// layout.
func ParseTime(s string, layouts []string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return time.Time{}, errorf(s, "no time")
	}
	for _, l := range layouts {
		if isNumericLayout(l) {
			f, err := ParseNumber(t, false)
			if err != nil {
				continue
			}
			if tm, err := numericTime(s, f, l); err == nil {
				return tm, nil
			}
			continue
		}
		if tm, err := time.Parse(l, t); err == nil {
			return tm.UTC(), nil
		}
	}
	if isDigits := allDigits(t); isDigits && len(t) >= 9 {
		f, err := strconv.ParseFloat(t, 64)
		if err == nil {
			return numericTime(s, f, "")
		}
	}
	for _, l := range builtinLayouts {
		if tm, err := time.Parse(l, t); err == nil {
			return tm.UTC(), nil
		}
	}
	if strings.Count(t, "/") == 2 {
		return time.Time{}, errorf(s, `ambiguous or unknown date; declare a layout such as "02/01/2006" (day first) or "01/02/2006" (month first)`)
	}
	if allDigits(strings.Replace(t, ".", "", 1)) {
		return time.Time{}, errorf(s, `ambiguous numeric time; declare layouts: [excel] or [unix]`)
	}
	return time.Time{}, errorf(s, "unknown time format; declare a layout")
}

func isNumericLayout(l string) bool {
	switch l {
	case LayoutExcel, LayoutExcel1904, LayoutUnix, LayoutUnixMilli:
		return true
	}
	return false
}

// numericTime interprets a number as a time by the named layout, or by
// magnitude when layout is "" (see the package documentation).
func numericTime(raw any, f float64, layout string) (time.Time, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, errorf(raw, "not a time")
	}
	if layout == "" {
		switch {
		case f < 0:
			return time.Time{}, errorf(raw, "negative numeric time; declare layouts: [unix]")
		case f < maxExcelSerial:
			layout = LayoutExcel
		case f < unixMilliFrom:
			layout = LayoutUnix
		default:
			layout = LayoutUnixMilli
		}
	}
	switch layout {
	case LayoutExcel, LayoutExcel1904:
		t, err := ExcelTime(f, layout == LayoutExcel1904)
		if err != nil {
			return time.Time{}, &ValueError{Value: raw, Reason: err.Error()}
		}
		return t, nil
	case LayoutUnixMilli:
		f /= 1000
	}
	if f < minUnixSeconds || f >= maxUnixSeconds {
		return time.Time{}, errorf(raw, "Unix time out of range")
	}
	sec := math.Floor(f)
	nsec := math.Round((f-sec)*1e6) * 1e3 // microseconds: float64 has no more
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

// ExcelTime converts an Excel serial date to UTC, rounding to the
// millisecond (Excel's own resolution). In the 1900 system serial 1 is
// 1900-01-01 and, because Excel keeps Lotus 1-2-3's phantom 1900-02-29,
// serials from 61 on count from 1899-12-30. In the 1904 system serial 0 is
// 1904-01-01.
func ExcelTime(serial float64, date1904 bool) (time.Time, error) {
	if math.IsNaN(serial) || serial < 0 || serial >= maxExcelSerial {
		return time.Time{}, errors.New("excel serial date out of range")
	}
	epoch := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case serial >= 61:
		epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(serial)
	ms := math.Round((serial - days) * 86400e3)
	return epoch.AddDate(0, 0, int(days)).Add(time.Duration(ms) * time.Millisecond), nil
}
