package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/ingest/read"
	"github.com/tessera-search/tessera/spaces"
)

// initCmd writes a schema for a file from its header and a sample of its
// rows: a starting point that ingests the file as it is, to be reviewed.
func initCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("init", stdout)
	out := fs.String("out", "", "write the schema here (default: standard output)")
	sheet := fs.String("sheet", "", "xlsx sheet name or 1-based index")
	format := fs.String("format", "", "csv, tsv, xlsx, ndjson or json (default: from the file name)")
	sample := fs.Int("sample", 5000, "rows to read")
	name := fs.String("name", "", "the schema's name (default: from the file name)")
	files, err := fs.ParseInterspersed(args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("init: give one data file: tessera init FILE [--out schema.yaml]")
	}
	if *sample <= 0 {
		return errors.New("init: --sample must be positive")
	}
	p, err := profileFile(ctx, files[0], read.Options{Sheet: *sheet, Format: *format}, *sample)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if *name != "" {
		p.name = *name
	}
	p.sheet = *sheet
	p.now = time.Now()
	y, err := p.schema()
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// The proposal must load as tessera will load it.
	s, err := spaces.ParseSchema(y)
	if err == nil {
		err = ingest.ValidateCleaning(s)
	}
	if err != nil {
		return fmt.Errorf("init: the proposed schema does not load (a bug in tessera init): %w\n%s", err, y)
	}
	if *out == "" {
		_, err = stdout.Write(y)
		return err
	}
	if err := os.WriteFile(*out, y, 0o644); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(stderr, "%s: %d fields, %d spaces from %d sampled rows of %s\n  tessera ingest --schema %s --data DIR %s\n",
		*out, len(s.Fields), len(s.Spaces), p.rows, filepath.Base(files[0]), *out, files[0])
	return nil
}

// profile is a sampled file and the schema proposed for it.
type profile struct {
	file   string
	name   string
	sheet  string
	rows   int
	broken int // rows the reader could not read
	more   bool
	cols   []*column
	now    time.Time
}

// profileFile reads up to sample rows and infers every column.
func profileFile(ctx context.Context, path string, opt read.Options, sample int) (*profile, error) {
	if opt.Format == read.FormatTSV || (opt.Format == "" && strings.EqualFold(filepath.Ext(path), ".tsv")) {
		opt.Delimiter = '\t'
	}
	r, err := read.Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p := &profile{file: filepath.Base(path), name: fieldName(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))}
	var recs []map[string]any
	for len(recs) < sample {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *read.RowError
		if errors.As(err, &rowErr) {
			p.broken++
			continue
		}
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec.Values)
	}
	if len(recs) == sample {
		if _, err := r.Next(ctx); err == nil || !errors.Is(err, io.EOF) {
			p.more = true
		}
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no data rows", p.file)
	}
	p.rows = len(recs)
	// JSON readers learn columns as they go: the list is complete now.
	used := map[string]bool{}
	for _, name := range r.Columns() {
		c := newColumn(name)
		for _, rec := range recs {
			c.add(rec[name])
		}
		c.infer()
		c.field = fieldName(name)
		for i := 2; used[c.field]; i++ {
			c.field = fmt.Sprintf("%s_%d", fieldName(name), i)
		}
		used[c.field] = true
		if c.field != name {
			c.spec.Column = name
		}
		p.cols = append(p.cols, c)
	}
	return p, nil
}

var (
	idExact   = regexp.MustCompile(`(?i)^(id|sku|asin|uniq_id|uuid|guid|product_id|item_id|row_id)$`)
	idLike    = regexp.MustCompile(`(?i)(^|_)(id|sku|asin|code|key)$`)
	titleName = regexp.MustCompile(`(?i)^(title|name|product_?name|product_?title|item_?name|product)$`)
	titleLike = regexp.MustCompile(`(?i)title|name`)
	descName  = regexp.MustCompile(`(?i)desc|about|detail|summary|overview|feature|body|content|review_text`)
	catName   = regexp.MustCompile(`(?i)categor|type|segment|department|genre|class|group|brand`)
	dateName  = regexp.MustCompile(`(?i)date|time|created|added|published|updated|released|_at$`)
	shipName  = regexp.MustCompile(`(?i)ship|deliver|return|modified|updated`)
)

// chooseID picks the id column: non-empty on every sampled row and
// unique, preferring the names catalogues use. A near-unique id named so
// (raw scrapes repeat products) still wins: later rows replace earlier
// ones as merged duplicates, nothing is rejected.
func (p *profile) chooseID() (*column, error) {
	score := func(c *column) int {
		switch {
		case idExact.MatchString(c.field):
			return 3
		case idLike.MatchString(c.field):
			return 2
		case c.kind == kindText && strings.Contains(strings.Join(c.strs[:min(5, len(c.strs))], " "), "://"):
			return -1
		}
		return 0
	}
	var best *column
	bestKey := [3]float64{math.Inf(-1)}
	for _, c := range p.cols {
		if len(c.values) != p.rows || c.kind == kindSpec || c.kind == kindPath || c.kind == kindList || c.kind == kindSkip {
			continue
		}
		ratio := float64(len(c.distinct)) / float64(p.rows)
		s := score(c)
		var key [3]float64
		switch {
		case s >= 2 && ratio >= 0.9:
			key = [3]float64{2, float64(s), ratio}
		case ratio == 1:
			key = [3]float64{1, float64(s), -c.avgText()}
		default:
			continue
		}
		if key[0] > bestKey[0] || key[0] == bestKey[0] && (key[1] > bestKey[1] || key[1] == bestKey[1] && key[2] > bestKey[2]) {
			best, bestKey = c, key
		}
	}
	if best == nil {
		return nil, errors.New("no id column: none is non-empty and unique in the sample; add one (a row number will do)")
	}
	return best, nil
}

// avgText is the mean length of the column's values as text.
func (c *column) avgText() float64 {
	if c.avgLen > 0 || len(c.strs) == 0 {
		return c.avgLen
	}
	n := 0
	for _, s := range c.strs {
		n += len([]rune(s))
	}
	c.avgLen = float64(n) / float64(len(c.strs))
	return c.avgLen
}

// derived adds the fields a column implies: the top level of a category
// path as a category, and the common keys of a specification as extract
// fields when their values are few.
func (p *profile) derived(used map[string]bool) []*column {
	var out []*column
	add := func(c *column) {
		for i := 2; used[c.field]; i++ {
			c.field = fmt.Sprintf("%s_%d", strings.TrimSuffix(c.field, fmt.Sprintf("_%d", i-1)), i)
		}
		used[c.field] = true
		out = append(out, c)
	}
	for _, c := range p.cols {
		switch c.kind {
		case kindPath:
			if n := len(c.pathTop); n < 2 || n > 64 || p.hasCategory(c.pathTop) {
				continue
			}
			top := &column{source: c.source, field: c.field + "_top", kind: kindCategory, rows: c.rows, values: c.values, distinct: c.pathTop}
			top.spec = spaces.Field{Type: spaces.TypeCategory, Column: c.source, Separator: c.spec.Separator, Unwrap: c.spec.Unwrap, Levels: 1}
			if !top.cleansAll(top.spec) {
				continue
			}
			top.note = fmt.Sprintf("top level of %s (levels: 1): %s", c.field, topValues(c.pathTop, 8))
			add(top)
		case kindSpec:
			n := 0
			for _, key := range c.specKeys {
				if n == 4 {
					break
				}
				x := &column{source: c.source, field: fieldName(key), rows: c.rows, values: c.values, distinct: map[string]int{}}
				x.spec = spaces.Field{Type: spaces.TypeCategory, Extract: &spaces.Extract{From: c.source, Key: key}}
				if !x.cleansAll(x.spec) {
					continue
				}
				found := 0
				for _, v := range x.cleaned {
					if s, ok := v.(string); ok && s != "" {
						x.distinct[s]++
						found++
					}
				}
				if found*2 < len(x.cleaned) || len(x.distinct) < 2 || len(x.distinct) > 50 || len(x.distinct)*5 > found {
					continue
				}
				x.kind = kindCategory
				x.note = fmt.Sprintf("%q from %s: %s", key, c.field, topValues(x.distinct, 6))
				add(x)
				n++
			}
		}
	}
	return out
}

// hasCategory reports whether a category column already holds these
// values with these counts (a catalogue's "type" beside its path).
func (p *profile) hasCategory(counts map[string]int) bool {
	for _, c := range p.cols {
		if c.kind == kindCategory && maps.Equal(c.distinct, counts) {
			return true
		}
	}
	return false
}

// niceCeil rounds x up to 1, 2 or 5 times a power of ten.
func niceCeil(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// space is one proposed space, rendered as a flow mapping.
type space struct {
	comment string
	keys    [][2]string
}

// spaces proposes the spaces: a text space for the title and (at half
// weight) the description, a number space per price and rating, a
// category space for the best low-cardinality category and a recency
// space for the date.
func (p *profile) spaces(id *column, fields []*column) []space {
	var out []space
	pick := func(ok func(*column) bool) *column {
		for _, c := range fields {
			if c != id && ok(c) {
				return c
			}
		}
		return nil
	}
	isText := func(c *column) bool { return c.kind == kindText && !strings.Contains(firstValue(c), "://") }
	title := pick(func(c *column) bool { return isText(c) && titleName.MatchString(c.field) })
	if title == nil {
		title = pick(func(c *column) bool { return isText(c) && titleLike.MatchString(c.field) })
	}
	if title == nil {
		title = pick(func(c *column) bool { return isText(c) && c.avgWords() >= 2 && c.avgText() <= 200 })
	}
	if title != nil {
		out = append(out, space{keys: [][2]string{{"name", title.field}, {"kind", "text"}, {"field", title.field}, {"weight", "1"}}})
	}
	desc := pick(func(c *column) bool { return c != title && isText(c) && descName.MatchString(c.field) })
	if desc == nil {
		desc = pick(func(c *column) bool { return c != title && isText(c) && c.avgText() >= 100 })
	}
	if desc != nil {
		out = append(out, space{keys: [][2]string{{"name", desc.field}, {"kind", "text"}, {"field", desc.field}, {"weight", "0.5"}}})
	}
	money := 0
	for _, c := range fields {
		if c.kind == kindMoney {
			money++
		}
	}
	rated := false
	for _, c := range fields {
		switch {
		case c.kind == kindMoney && (money == 1 || !listPrice.MatchString(c.field)):
			if c.min < 0 {
				mode := "minimum"
				if gainName.MatchString(c.field) {
					mode = "maximum"
				}
				lim := niceCeil(math.Max(-c.min, c.max))
				out = append(out, space{
					comment: fmt.Sprintf("%s runs from %s to %s: signed_log spreads losses and gains alike", c.field, formatNumber(c.min), formatNumber(c.max)),
					keys: [][2]string{{"name", c.field}, {"kind", "number"}, {"field", c.field}, {"min", formatNumber(-lim)}, {"max", formatNumber(lim)},
						{"mode", mode}, {"scale", "signed_log"}, {"weight", "0.3"}}})
				continue
			}
			out = append(out, space{
				comment: fmt.Sprintf("%s runs from %s to %s: a log scale compares by ratio, cheaper first", c.field, formatNumber(c.min), formatNumber(c.max)),
				keys: [][2]string{{"name", c.field}, {"kind", "number"}, {"field", c.field}, {"min", "0"}, {"max", formatNumber(niceCeil(c.max))},
					{"mode", "minimum"}, {"scale", "log"}, {"weight", "0.3"}}})
		case c.kind == kindRating && !rated:
			// One rating space: a second rating column is usually the
			// same judgement aggregated differently.
			rated = true
			top := 5.0
			switch {
			case c.max > 10:
				top = niceCeil(c.max) // "85/100"
			case c.max > 5:
				top = 10
			}
			out = append(out, space{keys: [][2]string{{"name", c.field}, {"kind", "number"}, {"field", c.field}, {"min", "0"}, {"max", formatNumber(top)},
				{"mode", "maximum"}, {"weight", "0.3"}}})
		}
	}
	var cat *column
	for _, c := range fields {
		if c == id || c.kind != kindCategory || len(c.distinct) < 2 || len(c.distinct) > 64 {
			continue
		}
		better := cat == nil || catRank(c) > catRank(cat) ||
			catRank(c) == catRank(cat) && len(c.distinct) < len(cat.distinct)
		if better {
			cat = c
		}
	}
	if cat != nil {
		slots := max(16, (len(cat.distinct)*2+7)/8*8)
		out = append(out, space{
			comment: fmt.Sprintf("%d categories in the sample, learned in file order; room for %d", len(cat.distinct), slots),
			keys:    [][2]string{{"name", cat.field}, {"kind", "category"}, {"field", cat.field}, {"max_categories", fmt.Sprint(slots)}, {"weight", "0.5"}}})
	}
	date := pick(func(c *column) bool {
		return c.kind == kindTime && dateName.MatchString(c.field) && !shipName.MatchString(c.field)
	})
	if date == nil {
		date = pick(func(c *column) bool { return c.kind == kindTime })
	}
	if date != nil {
		span := date.newest.Sub(date.oldest).Hours() / 24
		periods := "[{days: 14}]"
		switch {
		case span > 60:
			periods = fmt.Sprintf("[{days: 30}, {days: %.0f}]", math.Ceil(span)+1)
		case span > 14:
			periods = fmt.Sprintf("[{days: %.0f}]", math.Ceil(span)+1)
		}
		keys := [][2]string{{"name", "recency"}, {"kind", "recency"}, {"field", date.field}}
		comment := "newer first"
		if p.now.Sub(date.newest) > 30*24*time.Hour {
			keys = append(keys, [2]string{"as_of", "newest"})
			comment = fmt.Sprintf("the newest %s is %s: as_of: newest measures age from the newest row, not from today", date.field, date.newest.Format("2006-01-02"))
		}
		keys = append(keys, [2]string{"periods", periods}, [2]string{"weight", "0.1"})
		out = append(out, space{comment: comment, keys: keys})
	}
	return out
}

// catRank prefers a column named category, then one named like a kind of
// grouping, for the category space.
func catRank(c *column) int {
	switch {
	case strings.Contains(strings.ToLower(c.field), "categor"):
		return 2
	case catName.MatchString(c.field):
		return 1
	}
	return 0
}

// avgWords is the mean number of words in the column's values: titles
// have several, codes one.
func (c *column) avgWords() float64 {
	if len(c.strs) == 0 {
		return 0
	}
	n := 0
	for _, s := range c.strs {
		n += len(strings.Fields(s))
	}
	return float64(n) / float64(len(c.strs))
}

func firstValue(c *column) string {
	if len(c.strs) == 0 {
		return ""
	}
	return c.strs[0]
}

// schema renders the proposal as commented YAML.
func (p *profile) schema() ([]byte, error) {
	id, err := p.chooseID()
	if err != nil {
		return nil, err
	}
	id.spec = spaces.Field{Type: spaces.TypeText, Column: id.spec.Column}
	id.kind = "id"
	dups := p.rows - len(id.distinct)
	id.note = "the id: unique in the sample"
	if dups > 0 {
		id.note = fmt.Sprintf("the id; %d sampled rows repeat one: the later row replaces the earlier (a merged duplicate)", dups)
	}
	used := map[string]bool{}
	for _, c := range p.cols {
		used[c.field] = true
	}
	fields := append(append([]*column(nil), p.cols...), p.derived(used)...)
	spaceList := p.spaces(id, fields)
	if len(spaceList) == 0 {
		return nil, errors.New("no column suits a space (text, price, rating, category or date)")
	}

	var b strings.Builder
	more := ""
	if p.more {
		more = " (the file has more)"
	}
	fmt.Fprintf(&b, "# Schema proposed by `tessera init` for %s from its header and %d rows%s.\n", p.file, p.rows, more)
	if p.broken > 0 {
		fmt.Fprintf(&b, "# %d sampled rows could not be read; they will be rejected on ingest too.\n", p.broken)
	}
	b.WriteString(`# Review it: each field's type and cleaning keys were chosen because they
# clean every sampled value. Cleaning keys: format (money, percent, rating,
# count), null (extra null tokens), separator (splits a category path, may
# be several characters), unwrap: list (strips a ["…"] wrapper), levels
# (keeps the first N levels of a path), extract {from, key} (a value out
# of a key/value specification column), layouts (date formats). Spaces:
# scale: signed_log for numbers that go negative; as_of for old dates.
`)
	fmt.Fprintf(&b, "name: %s\nid: %s\nfields:\n", yamlString(p.name), yamlString(id.field))
	width := 0
	var skipped []string
	for _, c := range fields {
		width = max(width, len(c.field))
	}
	for _, c := range fields {
		if c.kind == kindSkip {
			skipped = append(skipped, c.source)
			continue
		}
		line := fmt.Sprintf("  %-*s {%s}", width+1, yamlString(c.field)+":", fieldKeys(c.spec))
		c.note = oneLine(c.note, 200)
		switch {
		case c.note == "":
		case len(line)+len(c.note) <= 110:
			line += "  # " + c.note
		default:
			fmt.Fprintf(&b, "  # %s\n", c.note)
		}
		b.WriteString(line + "\n")
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "  # left out, no field type holds their values (nested objects): %s\n", strings.Join(quoteAll(skipped), ", "))
	}
	b.WriteString("spaces:\n")
	for _, sp := range spaceList {
		if sp.comment != "" {
			fmt.Fprintf(&b, "  # %s\n", sp.comment)
		}
		parts := make([]string, len(sp.keys))
		for i, kv := range sp.keys {
			v := kv[1]
			if kv[0] == "name" || kv[0] == "field" {
				v = yamlString(v)
			}
			parts[i] = kv[0] + ": " + v
		}
		fmt.Fprintf(&b, "  - {%s}\n", strings.Join(parts, ", "))
	}
	var filters []string
	for _, c := range fields {
		switch c.spec.Type {
		case spaces.TypeCategory, spaces.TypeCategoryList, spaces.TypeNumber, spaces.TypeInteger, spaces.TypeBool, spaces.TypeTime:
			if c != id && c.kind != kindEmpty && c.kind != kindSkip {
				filters = append(filters, yamlString(c.field))
			}
		}
	}
	if len(filters) > 0 {
		fmt.Fprintf(&b, "filters: [%s]\n", strings.Join(filters, ", "))
	}
	if p.sheet != "" {
		fmt.Fprintf(&b, "ingest: {sheet: %s}\n", yamlString(p.sheet))
	}
	return []byte(b.String()), nil
}

// fieldKeys renders a field's keys in a fixed order.
func fieldKeys(f spaces.Field) string {
	parts := []string{"type: " + f.Type}
	if f.Column != "" {
		parts = append(parts, "column: "+yamlString(f.Column))
	}
	if f.Format != "" {
		parts = append(parts, "format: "+f.Format)
	}
	if f.Unwrap != "" {
		parts = append(parts, "unwrap: "+f.Unwrap)
	}
	if f.Separator != "" {
		parts = append(parts, "separator: "+yamlQuoted(f.Separator))
	}
	if f.Levels > 0 {
		parts = append(parts, fmt.Sprintf("levels: %d", f.Levels))
	}
	if f.Extract != nil {
		parts = append(parts, fmt.Sprintf("extract: {from: %s, key: %s}", yamlString(f.Extract.From), yamlQuoted(f.Extract.Key)))
	}
	if len(f.Null) > 0 {
		q := make([]string, len(f.Null))
		for i, t := range f.Null {
			q[i] = yamlQuoted(t)
		}
		parts = append(parts, "null: ["+strings.Join(q, ", ")+"]")
	}
	if len(f.Layouts) > 0 {
		parts = append(parts, "layouts: ["+yamlQuoted(f.Layouts[0])+"]")
	}
	return strings.Join(parts, ", ")
}

var plainYAML = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// yamlString writes s plain when YAML reads it back as the same string,
// else quoted.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return yamlQuoted(s)
	}
	if plainYAML.MatchString(s) {
		return s
	}
	return yamlQuoted(s)
}

// yamlQuoted is a double-quoted YAML scalar; JSON's escapes are YAML's.
func yamlQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// oneLine keeps a comment on one line and at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
