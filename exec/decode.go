package exec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// decoder turns one text record (a line) into a row of the source's
// columns. Records are one per line in every format.
type decoder interface {
	decode(rec string, row types.Row) error
}

func newDecoder(spec *planner.SourceSpec) (decoder, error) {
	opts := spec.Options
	switch opts["format"] {
	case planner.FormatCSV:
		delim, _ := utf8.DecodeRuneInString(opts["delimiter"])
		return &csvDecoder{cols: spec.Columns, delim: delim, null: opts["null_literal"]}, nil
	case planner.FormatJSON:
		return newJSONDecoder(spec.Columns), nil
	}
	return linesDecoder{}, nil
}

// linesDecoder makes each line a one-column row.
type linesDecoder struct{}

func (linesDecoder) decode(rec string, row types.Row) error {
	if !utf8.ValidString(rec) {
		return fmt.Errorf("invalid UTF-8 at byte %d", invalidUTF8At(rec))
	}
	row[0] = types.Str(rec)
	return nil
}

func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, w := utf8.DecodeRuneInString(s[i:]); w <= 1 {
				return i
			}
		}
	}
	return len(s)
}

// csvDecoder reads one line of delimiter-separated fields, with RFC 4180
// quoting ("a ""quoted"" field"). An empty field is NULL for a non-STRING
// column; null_literal, when set, is NULL for any column.
type csvDecoder struct {
	cols   planner.Schema
	delim  rune
	null   string
	fields []string
}

func (d *csvDecoder) decode(rec string, row types.Row) error {
	if !utf8.ValidString(rec) {
		return fmt.Errorf("invalid UTF-8 at byte %d", invalidUTF8At(rec))
	}
	if rec == "" && len(d.cols) > 1 {
		return fmt.Errorf("empty line, expected %d fields", len(d.cols))
	}
	var err error
	d.fields, err = splitCSV(d.fields[:0], rec, d.delim)
	if err != nil {
		return err
	}
	if len(d.fields) != len(d.cols) {
		return fmt.Errorf("expected %d fields, got %d", len(d.cols), len(d.fields))
	}
	for i, f := range d.fields {
		c := d.cols[i]
		if (d.null != "" && f == d.null) || (f == "" && c.Type.Kind != types.KindString) {
			row[i] = types.Null
			continue
		}
		v, err := parseText(f, c.Type)
		if err != nil {
			return fmt.Errorf("column %s: %v", c.Name, err)
		}
		row[i] = v
	}
	return nil
}

// splitCSV splits one CSV record.
func splitCSV(dst []string, rec string, delim rune) ([]string, error) {
	for {
		if !strings.HasPrefix(rec, `"`) {
			i := strings.IndexRune(rec, delim)
			if i < 0 {
				return append(dst, rec), nil
			}
			dst = append(dst, rec[:i])
			rec = rec[i+utf8.RuneLen(delim):]
			continue
		}
		// quoted field: "" is a quote
		var b strings.Builder
		i := 1
		for {
			j := strings.IndexByte(rec[i:], '"')
			if j < 0 {
				return dst, fmt.Errorf("unterminated quoted field")
			}
			b.WriteString(rec[i : i+j])
			i += j + 1
			if i < len(rec) && rec[i] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			break
		}
		dst = append(dst, b.String())
		rest := rec[i:]
		if rest == "" {
			return dst, nil
		}
		r, w := utf8.DecodeRuneInString(rest)
		if r != delim {
			return dst, fmt.Errorf("unexpected %q after a quoted field", r)
		}
		rec = rest[w:]
	}
}

// parseText reads a text field as a value of type t.
func parseText(s string, t types.Type) (types.Value, error) {
	switch t.Kind {
	case types.KindString:
		return types.Str(s), nil
	case types.KindInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return types.Null, fmt.Errorf("cannot read %s as BIGINT", parser.QuoteString(short(s)))
		}
		return types.Int(i), nil
	case types.KindFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return types.Null, fmt.Errorf("cannot read %s as DOUBLE", parser.QuoteString(short(s)))
		}
		return types.Float(f), nil
	case types.KindBool:
		// the words CAST(... AS BOOLEAN) accepts
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "t", "yes", "y", "on", "1":
			return types.Bool(true), nil
		case "false", "f", "no", "n", "off", "0":
			return types.Bool(false), nil
		}
		return types.Null, fmt.Errorf("cannot read %s as BOOLEAN", parser.QuoteString(short(s)))
	case types.KindTimestamp:
		ts, ok := types.ParseTimestamp(s)
		if !ok {
			return types.Null, fmt.Errorf("cannot read %s as TIMESTAMP (expected yyyy-mm-dd hh:mm:ss)", parser.QuoteString(short(s)))
		}
		return types.Timestamp(ts), nil
	case types.KindInterval:
		d, err := planner.ParseDuration(s)
		if err != nil {
			return types.Null, err
		}
		return types.Interval(d), nil
	}
	return types.Null, fmt.Errorf("cannot read text as %s", t)
}

func short(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:37], "") + "..."
	}
	return s
}

// jsonDecoder reads one JSON object per line; fields are matched to columns
// by name (exactly, else ignoring case). Missing fields and null are NULL.
type jsonDecoder struct {
	cols  planner.Schema
	index map[string]int
}

func newJSONDecoder(cols planner.Schema) *jsonDecoder {
	d := &jsonDecoder{cols: cols, index: map[string]int{}}
	for i, c := range cols {
		d.index[c.Name] = i
	}
	return d
}

func (d *jsonDecoder) decode(rec string, row types.Row) error {
	if !utf8.ValidString(rec) {
		return fmt.Errorf("invalid UTF-8 at byte %d", invalidUTF8At(rec))
	}
	if strings.TrimSpace(rec) == "" {
		return fmt.Errorf("empty line, expected a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(rec))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("not valid JSON: %s", jsonSyntaxMessage(err))
	}
	obj, isObject := raw.(map[string]any)
	if !isObject {
		return fmt.Errorf("expected a JSON object, got %s", jsonKind(raw))
	}
	if rest := strings.TrimSpace(rec[dec.InputOffset():]); rest != "" {
		return fmt.Errorf("unexpected %s after the JSON object", parser.QuoteString(short(rest)))
	}
	for i := range row {
		row[i] = types.Null
	}
	// A field whose name is exactly a column's wins; the others match a
	// column that no exact name took, ignoring case, in name order.
	set := make([]bool, len(row))
	var loose []string
	for k, v := range obj {
		i, ok := d.index[k]
		if !ok {
			loose = append(loose, k)
			continue
		}
		if err := d.set(row, i, k, v); err != nil {
			return err
		}
		set[i] = true
	}
	sort.Strings(loose)
	for _, k := range loose {
		for i, c := range d.cols {
			if !set[i] && strings.EqualFold(c.Name, k) {
				if err := d.set(row, i, k, obj[k]); err != nil {
					return err
				}
				set[i] = true
				break
			}
		}
	}
	return nil
}

func (d *jsonDecoder) set(row types.Row, i int, field string, v any) error {
	val, err := jsonValue(v, d.cols[i].Type)
	if err != nil {
		return fmt.Errorf("field %q: %v", field, err)
	}
	row[i] = val
	return nil
}

func jsonValue(v any, t types.Type) (types.Value, error) {
	if v == nil {
		return types.Null, nil
	}
	switch x := v.(type) {
	case json.Number:
		switch t.Kind {
		case types.KindInt:
			if i, err := x.Int64(); err == nil {
				return types.Int(i), nil
			}
			if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
				return types.Int(int64(f)), nil
			}
			return types.Null, fmt.Errorf("%s is not a BIGINT", x)
		case types.KindFloat:
			f, err := x.Float64()
			if err != nil {
				return types.Null, fmt.Errorf("%s is not a DOUBLE", x)
			}
			return types.Float(f), nil
		case types.KindString:
			return types.Str(x.String()), nil
		case types.KindTimestamp:
			// a number is milliseconds since the epoch
			ms, err := x.Int64()
			if err != nil {
				return types.Null, fmt.Errorf("%s is not a TIMESTAMP", x)
			}
			return types.TimestampNanos(ms * 1e6), nil
		}
	case string:
		if t.Kind == types.KindString {
			return types.Str(x), nil
		}
		if t.Kind != types.KindArray {
			return parseText(x, t)
		}
	case bool:
		switch t.Kind {
		case types.KindBool:
			return types.Bool(x), nil
		case types.KindString:
			return types.Str(strconv.FormatBool(x)), nil
		}
	case []any:
		if t.Kind == types.KindArray {
			elems := make([]types.Value, len(x))
			for i, e := range x {
				ev, err := jsonValue(e, *t.Elem)
				if err != nil {
					return types.Null, fmt.Errorf("element %d: %v", i, err)
				}
				elems[i] = ev
			}
			return types.Array(elems), nil
		}
	}
	if t.Kind == types.KindString {
		// an object or array in a STRING column: keep its JSON text
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err == nil {
			return types.Str(strings.TrimSuffix(buf.String(), "\n")), nil
		}
	}
	return types.Null, fmt.Errorf("expected %s, got %s", t, jsonKind(v))
}

// jsonSyntaxMessage drops the "json: " prefix of encoding/json's errors.
func jsonSyntaxMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(v any) string {
	switch v.(type) {
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}
