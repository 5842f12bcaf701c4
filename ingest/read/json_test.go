package read

import (
	"reflect"
	"strings"
	"testing"
)

func TestNDJSON(t *testing.T) {
	src := "{\"id\": 1, \"name\": \"a\", \"price\": 9.5}\n" +
		"\n" +
		"{\"id\": 2, \"name\": \"b\", \"tags\": [\"x\", 2]}\n" +
		"{\"id\": 3, broken\n" +
		"[1, 2]\n" +
		"{\"id\": 9007199254740993, \"nested\": {\"n\": 1.5}, \"ok\": true, \"none\": null}\n" +
		"{\"id\": 4} trailing\n" +
		"   {\"id\": 5, \"name\": \"last, unterminated\"}"
	r := newString(t, src, "x.ndjson", Options{})
	if !reflect.DeepEqual(r.Columns(), []string{"id", "name", "price"}) {
		t.Fatalf("columns before Next %q", r.Columns())
	}
	recs, rowErrs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || len(rowErrs) != 3 {
		t.Fatalf("records %+v, row errors %v", recs, rowErrs)
	}
	if recs[0].Values["id"] != int64(1) || recs[0].Values["price"] != 9.5 || recs[0].Line != 1 {
		t.Errorf("first %+v", recs[0])
	}
	if recs[1].Row != 2 || recs[1].Line != 3 || !reflect.DeepEqual(recs[1].Values["tags"], []any{"x", int64(2)}) {
		t.Errorf("second %+v", recs[1])
	}
	big := recs[2].Values
	if big["id"] != int64(9007199254740993) || !reflect.DeepEqual(big["nested"], map[string]any{"n": 1.5}) || big["ok"] != true || big["none"] != nil {
		t.Errorf("third %v", big)
	}
	if recs[3].Values["name"] != "last, unterminated" || recs[3].Line != 8 || recs[3].Row != 7 {
		t.Errorf("last %+v", recs[3])
	}
	wantLines := []int{4, 5, 7}
	for i, e := range rowErrs {
		if e.Line != wantLines[i] {
			t.Errorf("row error %d at line %d, want %d: %v", i, e.Line, wantLines[i], e)
		}
	}
	if !strings.Contains(rowErrs[1].Error(), "not a JSON object") || !strings.Contains(rowErrs[2].Error(), "after the object") {
		t.Errorf("row errors %v", rowErrs)
	}
	want := []string{"id", "name", "price", "tags", "nested", "ok", "none"}
	if !reflect.DeepEqual(r.Columns(), want) {
		t.Errorf("columns %q, want %q", r.Columns(), want)
	}
}

func TestNDJSONLongLine(t *testing.T) {
	long := "{\"x\": \"" + strings.Repeat("a", maxNDJSONLine) + "\"}\n"
	recs, rowErrs, err := readAll(t, newString(t, long+"{\"x\": 1}\n", "l.jsonl", Options{}))
	if err != nil || len(recs) != 1 || len(rowErrs) != 1 || recs[0].Line != 2 {
		t.Fatalf("records %v, row errors %v, err %v", recs, rowErrs, err)
	}
}

func TestJSONArray(t *testing.T) {
	src := "[\n  {\"a\": 1, \"b\": \"x\"},\n  42,\n  {\"b\": \"y\",\n   \"c\": [1, {\"d\": 2}]},\n  [\"not\", \"object\"],\n  {\"a\": 2.5}\n]\n"
	r := newString(t, src, "x.json", Options{})
	recs, rowErrs, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || len(rowErrs) != 2 {
		t.Fatalf("records %+v, row errors %v", recs, rowErrs)
	}
	lines := []int{recs[0].Line, recs[1].Line, recs[2].Line}
	if !reflect.DeepEqual(lines, []int{2, 4, 7}) {
		t.Errorf("lines %v, want [2 4 7]", lines)
	}
	rows := []int{recs[0].Row, recs[1].Row, recs[2].Row}
	if !reflect.DeepEqual(rows, []int{1, 3, 5}) {
		t.Errorf("rows %v", rows)
	}
	if rowErrs[0].Line != 3 || rowErrs[1].Line != 6 {
		t.Errorf("row error lines %d %d", rowErrs[0].Line, rowErrs[1].Line)
	}
	if recs[2].Values["a"] != 2.5 || !reflect.DeepEqual(r.Columns(), []string{"a", "b", "c"}) {
		t.Errorf("values %v, columns %q", recs[2].Values, r.Columns())
	}
}

func TestJSONSyntaxErrorIsFatal(t *testing.T) {
	src := "[\n{\"a\": 1},\n{\"a\": 2,,}\n]"
	recs, _, err := readAll(t, newString(t, src, "bad.json", Options{}))
	if len(recs) != 1 || err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("records %v, err %v; want one record and a fatal error naming line 3", recs, err)
	}
	for _, src := range []string{"", "   ", "\"just a string\"", "[{\"a\":1}", "{\"a\":"} {
		r, err := New(strings.NewReader(src), "x.json", Options{})
		if err == nil {
			_, _, err = readAll(t, r)
			r.Close()
		}
		if err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestJSONObjectStream(t *testing.T) {
	src := "{\n \"a\": 1\n}\n{\"a\": 2}"
	recs, _, err := readAll(t, newString(t, src, "stream.json", Options{}))
	if err != nil || len(recs) != 2 || recs[1].Line != 4 || recs[1].Values["a"] != int64(2) {
		t.Fatalf("records %+v, err %v", recs, err)
	}
}

func TestNDJSONTruncatedLineIsNotEOF(t *testing.T) {
	recs, rowErrs, err := readAll(t, newString(t, "{\"a\":\n{\"a\": 1}\n", "t.ndjson", Options{}))
	if err != nil || len(recs) != 1 || len(rowErrs) != 1 {
		t.Fatalf("records %v, row errors %v, err %v", recs, rowErrs, err)
	}
}
