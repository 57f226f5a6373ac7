package exec

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// encoder writes changes as text in one of the sink formats. Each call
// appends to buf and returns it.
type encoder interface {
	// header is written once before the first change (may be empty).
	header(buf []byte) []byte
	encode(buf []byte, kind types.RowKind, row types.Row) []byte
}

// newEncoder returns the encoder for format. updating says whether the
// stream has retractions: csv then gets an op column (json always has one).
func newEncoder(format string, schema planner.Schema, updating bool) encoder {
	switch format {
	case planner.FormatCSV:
		return &csvEncoder{names: schema.Names(), op: updating}
	case planner.FormatJSON:
		return newJSONEncoder(schema.Names())
	}
	return changelogEncoder{}
}

// changelogEncoder writes Flink's RowKind form: +I[hello, 1].
type changelogEncoder struct{}

func (changelogEncoder) header(buf []byte) []byte { return buf }

func (changelogEncoder) encode(buf []byte, kind types.RowKind, row types.Row) []byte {
	return AppendChange(buf, kind, row)
}

// AppendChange appends a change as the changelog shows it, Flink's RowKind
// form: +I[hello, 1], a line of its own.
func AppendChange(buf []byte, kind types.RowKind, row types.Row) []byte {
	buf = append(buf, kind.String()...)
	buf = append(buf, '[')
	for i, v := range row {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = appendText(buf, v)
	}
	return append(buf, ']', '\n')
}

// CellText returns a value as result rows show it: a string as it is,
// NULL as NULL.
func CellText(v types.Value) string { return string(appendText(nil, v)) }

// appendText appends a value as result rows show it.
func appendText(buf []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindString:
		return append(buf, v.AsString()...)
	case types.KindInt:
		return strconv.AppendInt(buf, v.AsInt(), 10)
	}
	return append(buf, v.String()...)
}

// csvEncoder writes RFC 4180 lines with a header; NULL is an empty field.
type csvEncoder struct {
	names  []string
	op     bool
	fields []string
	out    bytes.Buffer
	w      *csv.Writer
}

func (e *csvEncoder) header(buf []byte) []byte {
	fields := e.names
	if e.op {
		fields = append([]string{changeColumnName(e.names)}, e.names...)
	}
	return e.write(buf, fields)
}

// changeColumnName names the column of change kinds: op, unless a result
// column has that name.
func changeColumnName(names []string) string {
	name := "op"
	for taken := true; taken; {
		taken = false
		for _, n := range names {
			if n == name {
				name, taken = "_"+name, true
				break
			}
		}
	}
	return name
}

func (e *csvEncoder) encode(buf []byte, kind types.RowKind, row types.Row) []byte {
	e.fields = e.fields[:0]
	if e.op {
		e.fields = append(e.fields, kind.String())
	}
	for _, v := range row {
		if v.IsNull() {
			e.fields = append(e.fields, "")
		} else {
			e.fields = append(e.fields, string(appendText(nil, v)))
		}
	}
	return e.write(buf, e.fields)
}

func (e *csvEncoder) write(buf []byte, fields []string) []byte {
	if e.w == nil {
		e.w = csv.NewWriter(&e.out)
	}
	e.out.Reset()
	_ = e.w.Write(fields) // writes to a bytes.Buffer cannot fail
	e.w.Flush()
	return append(buf, e.out.Bytes()...)
}

// jsonEncoder writes one object per change: {"op":"+I","word":"hello",...}.
// Repeated column names get a suffix ($2, $3), since JSON keys must be
// distinct.
type jsonEncoder struct {
	keys [][]byte // pre-encoded "name":
}

func newJSONEncoder(names []string) *jsonEncoder {
	e := &jsonEncoder{}
	taken := map[string]bool{"op": true}
	for _, n := range names {
		taken[n] = true
	}
	used := map[string]bool{"op": true}
	for _, n := range names {
		key := n
		for i := 2; used[key]; i++ {
			if candidate := n + "$" + strconv.Itoa(i); !taken[candidate] && !used[candidate] {
				key = candidate
			}
		}
		used[key] = true
		e.keys = append(e.keys, append(appendJSONString(nil, key), ':'))
	}
	return e
}

func (e *jsonEncoder) header(buf []byte) []byte { return buf }

func (e *jsonEncoder) encode(buf []byte, kind types.RowKind, row types.Row) []byte {
	buf = append(buf, `{"op":"`...)
	buf = append(buf, kind.String()...)
	buf = append(buf, '"')
	for i, v := range row {
		buf = append(buf, ',')
		buf = append(buf, e.keys[i]...)
		buf = appendJSON(buf, v)
	}
	return append(buf, '}', '\n')
}

func appendJSON(buf []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindNull:
		return append(buf, "null"...)
	case types.KindBool:
		return strconv.AppendBool(buf, v.AsBool())
	case types.KindInt:
		return strconv.AppendInt(buf, v.AsInt(), 10)
	case types.KindFloat:
		f := v.AsFloat()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return strconv.AppendQuote(buf, v.String())
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case types.KindArray:
		buf = append(buf, '[')
		for i, e := range v.AsArray() {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSON(buf, e)
		}
		return append(buf, ']')
	}
	return appendJSONString(buf, v.String())
}

// appendJSONString appends s as a JSON string, leaving <, > and & as they
// are (json.Marshal would escape them for HTML).
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r == '\n':
			buf = append(buf, '\\', 'n')
		case r == '\r':
			buf = append(buf, '\\', 'r')
		case r == '\t':
			buf = append(buf, '\\', 't')
		case r < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			buf = utf8.AppendRune(buf, r) // invalid bytes become U+FFFD
		}
	}
	return append(buf, '"')
}
