package exec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// schemaOf builds a schema from alternating names and types:
// schemaOf("a", "BIGINT", "b", "STRING").
func schemaOf(cols ...string) planner.Schema {
	byName := map[string]types.Type{
		"BOOLEAN": types.BOOLEAN, "BIGINT": types.BIGINT, "DOUBLE": types.DOUBLE, "STRING": types.STRING,
		"TIMESTAMP": types.TIMESTAMP, "INTERVAL": types.INTERVAL,
		"ARRAY<BIGINT>": types.ArrayOf(types.BIGINT), "ARRAY<STRING>": types.ArrayOf(types.STRING),
		"ARRAY<ARRAY<BIGINT>>": types.ArrayOf(types.ArrayOf(types.BIGINT)),
	}
	var s planner.Schema
	for i := 0; i < len(cols); i += 2 {
		typ, ok := byName[cols[i+1]]
		if !ok {
			panic("schemaOf: unknown type " + cols[i+1])
		}
		s = append(s, planner.Column{Name: cols[i], Type: typ})
	}
	return s
}

func newTestDecoder(t *testing.T, format string, cols planner.Schema, opts map[string]string) decoder {
	t.Helper()
	o := map[string]string{"format": format, "delimiter": ","}
	for k, v := range opts {
		o[k] = v
	}
	dec, err := newDecoder(&planner.SourceSpec{Name: "src", Connector: planner.ConnectorFile, Options: o, Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

// decodeCase is a record and either the row it decodes to (as formatRow
// prints it) or the error (see errorMatches).
type decodeCase struct {
	name, rec string
	want      string
	err       string
}

func runDecodeCases(t *testing.T, dec decoder, width int, cases []decodeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			row := make(types.Row, width)
			for i := range row {
				row[i] = types.Str("garbage from the previous row")
			}
			err := dec.decode(tt.rec, row)
			switch {
			case tt.err != "":
				if err == nil || !errorMatches(err, tt.err) {
					t.Errorf("decode(%q): err %v, want %q (a * ends a prefix)", tt.rec, err, tt.err)
				}
			case err != nil:
				t.Errorf("decode(%q): %v", tt.rec, err)
			default:
				if got := formatRow(row); got != tt.want {
					t.Errorf("decode(%q) = %s, want %s", tt.rec, got, tt.want)
				}
			}
		})
	}
}

// errorMatches reports whether err's message is want, or starts with want
// without its final "*". The prefix form is for messages that another
// package (the planner) owns.
func errorMatches(err error, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(err.Error(), p)
	}
	return err.Error() == want
}

// checkTypes checks that the decoded values have the column types (or are
// NULL), since formatRow alone cannot tell "1" the STRING from 1.
func checkTypes(t *testing.T, dec decoder, cols planner.Schema, rec string) {
	t.Helper()
	row := make(types.Row, len(cols))
	if err := dec.decode(rec, row); err != nil {
		t.Fatalf("decode(%q): %v", rec, err)
	}
	for i, v := range row {
		if !v.IsNull() && v.Kind() != cols[i].Type.Kind {
			t.Errorf("column %s: %v is a %s, want %s", cols[i].Name, v, v.Kind(), cols[i].Type)
		}
	}
}

func TestCSVDecoder(t *testing.T) {
	cols := schemaOf("a", "STRING", "b", "BIGINT", "c", "STRING")
	dec := newTestDecoder(t, planner.FormatCSV, cols, nil)
	runDecodeCases(t, dec, len(cols), []decodeCase{
		{name: "plain", rec: "x,1,y", want: "[x, 1, y]"},
		{name: "quoted", rec: `"x",2,"y"`, want: "[x, 2, y]"},
		{name: "doubled quotes", rec: `"a ""b""",3,""""`, want: `[a "b", 3, "]`},
		{name: "delimiter inside quotes", rec: `"a,b",4,"c,,d"`, want: "[a,b, 4, c,,d]"},
		{name: "quoted empty", rec: `"",5,""`, want: "[, 5, ]"},
		{name: "quote inside an unquoted field", rec: `a"b,6,c`, want: `[a"b, 6, c]`},
		{name: "spaces kept in strings, trimmed in numbers", rec: " x , 7 , y ", want: "[ x , 7,  y ]"},
		{name: "non-ASCII", rec: "héllo,8,世界", want: "[héllo, 8, 世界]"},
		{name: "empty string field is ''", rec: ",9,", want: "[, 9, ]"},
		{name: "empty BIGINT field is NULL", rec: "x,,y", want: "[x, NULL, y]"},
		{name: "quoted empty BIGINT field is NULL", rec: `x,"",y`, want: "[x, NULL, y]"},
		{name: "too few fields", rec: "x,1", err: "expected 3 fields, got 2"},
		{name: "too many fields", rec: "x,1,y,z", err: "expected 3 fields, got 4"},
		{name: "trailing delimiter", rec: "x,1,y,", err: "expected 3 fields, got 4"},
		{name: "one field", rec: "x", err: "expected 3 fields, got 1"},
		{name: "empty line", rec: "", err: "empty line, expected 3 fields"},
		{name: "unterminated quote", rec: `x,1,"y`, err: "unterminated quoted field"},
		{name: "unterminated doubled quote", rec: `"a""`, err: "unterminated quoted field"},
		{name: "text after a quoted field", rec: `"x"y,1,z`, err: `unexpected 'y' after a quoted field`},
		{name: "bad BIGINT", rec: "x,one,y", err: `column b: cannot read 'one' as BIGINT`},
		{name: "invalid UTF-8", rec: "x,1,a\xffb", err: "invalid UTF-8 at byte 5"},
	})
}

func TestCSVDecoderOptions(t *testing.T) {
	cols := schemaOf("a", "STRING", "b", "BIGINT")
	t.Run("delimiter", func(t *testing.T) {
		runDecodeCases(t, newTestDecoder(t, planner.FormatCSV, cols, map[string]string{"delimiter": ";"}), 2, []decodeCase{
			{name: "semicolon", rec: "a,b;1", want: "[a,b, 1]"},
			{name: "quoted semicolon", rec: `"a;b";2`, want: "[a;b, 2]"},
			{name: "comma is not a delimiter", rec: "a,1", err: "expected 2 fields, got 1"},
		})
		runDecodeCases(t, newTestDecoder(t, planner.FormatCSV, cols, map[string]string{"delimiter": "\t"}), 2, []decodeCase{
			{name: "tab", rec: "a b\t3", want: "[a b, 3]"},
		})
		runDecodeCases(t, newTestDecoder(t, planner.FormatCSV, cols, map[string]string{"delimiter": "§"}), 2, []decodeCase{
			{name: "multi-byte delimiter", rec: "x§4", want: "[x, 4]"},
			{name: "multi-byte delimiter after a quoted field", rec: `"x§y"§5`, want: "[x§y, 5]"},
		})
	})
	t.Run("null_literal", func(t *testing.T) {
		runDecodeCases(t, newTestDecoder(t, planner.FormatCSV, cols, map[string]string{"null_literal": `\N`}), 2, []decodeCase{
			{name: "in a STRING column", rec: `\N,1`, want: "[NULL, 1]"},
			{name: "in a BIGINT column", rec: `x,\N`, want: "[x, NULL]"},
			{name: "empty STRING is still ''", rec: ",2", want: "[, 2]"},
			{name: "empty BIGINT is still NULL", rec: "x,", want: "[x, NULL]"},
			{name: "only the whole field", rec: `\Nx,3`, want: `[\Nx, 3]`},
		})
	})
}

// Every type reads from text, and every type has its parse error.
func TestParseText(t *testing.T) {
	ts := func(s string) string {
		v, _ := time.Parse("2006-01-02 15:04:05.999999999", s)
		return types.Timestamp(v).String()
	}
	tests := []struct {
		typ  types.Type
		in   string
		want string // the value's text, or the error
		err  bool
	}{
		{types.STRING, "", "", false},
		{types.STRING, " x ", " x ", false},
		{types.BIGINT, "42", "42", false},
		{types.BIGINT, " -7 ", "-7", false},
		{types.BIGINT, "9223372036854775807", "9223372036854775807", false},
		{types.BIGINT, "-9223372036854775808", "-9223372036854775808", false},
		{types.BIGINT, "9223372036854775808", `cannot read '9223372036854775808' as BIGINT`, true},
		{types.BIGINT, "1.5", `cannot read '1.5' as BIGINT`, true},
		{types.BIGINT, "x", `cannot read 'x' as BIGINT`, true},
		{types.BIGINT, "it's", `cannot read 'it''s' as BIGINT`, true},
		{types.BIGINT, strings.Repeat("9", 50), `cannot read '` + strings.Repeat("9", 37) + `...' as BIGINT`, true},
		{types.DOUBLE, "1.5", "1.5", false},
		{types.DOUBLE, " 1e3 ", "1000.0", false},
		{types.DOUBLE, "-0.25", "-0.25", false},
		{types.DOUBLE, "NaN", "NaN", false},
		{types.DOUBLE, "-Inf", "-Infinity", false},
		{types.DOUBLE, "abc", `cannot read 'abc' as DOUBLE`, true},
		{types.DOUBLE, "1,5", `cannot read '1,5' as DOUBLE`, true},
		{types.BOOLEAN, "true", "TRUE", false},
		{types.BOOLEAN, " T ", "TRUE", false},
		{types.BOOLEAN, "yes", "TRUE", false},
		{types.BOOLEAN, "1", "TRUE", false},
		{types.BOOLEAN, "FALSE", "FALSE", false},
		{types.BOOLEAN, "f", "FALSE", false},
		{types.BOOLEAN, "no", "FALSE", false},
		{types.BOOLEAN, "0", "FALSE", false},
		{types.BOOLEAN, "maybe", `cannot read 'maybe' as BOOLEAN`, true},
		{types.TIMESTAMP, "2024-01-02 03:04:05", ts("2024-01-02 03:04:05"), false},
		{types.TIMESTAMP, "2024-01-02T03:04:05.5", ts("2024-01-02 03:04:05.5"), false},
		{types.TIMESTAMP, "2024-01-02", ts("2024-01-02 00:00:00"), false},
		{types.TIMESTAMP, "yesterday", `cannot read 'yesterday' as TIMESTAMP (expected yyyy-mm-dd hh:mm:ss)`, true},
		{types.TIMESTAMP, "2024-13-01", `cannot read '2024-13-01' as TIMESTAMP (expected yyyy-mm-dd hh:mm:ss)`, true},
		{types.TIMESTAMP, "3000-01-01", `cannot read '3000-01-01' as TIMESTAMP (expected yyyy-mm-dd hh:mm:ss)`, true},
		{types.INTERVAL, "1m30s", "1m30s", false},
		{types.INTERVAL, "500ms", "500ms", false},
		{types.INTERVAL, "2 min", "2m0s", false},
		{types.INTERVAL, "soon", `"soon" is not a duration*`, true},
		{types.ArrayOf(types.BIGINT), "[1]", "cannot read text as ARRAY<BIGINT>", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %q", tt.typ, tt.in), func(t *testing.T) {
			v, err := parseText(tt.in, tt.typ)
			switch {
			case tt.err:
				if err == nil || !errorMatches(err, tt.want) {
					t.Errorf("err %v, want %q", err, tt.want)
				}
			case err != nil:
				t.Errorf("unexpected error: %v", err)
			case v.Kind() != tt.typ.Kind:
				t.Errorf("got a %s, want a %s", v.Kind(), tt.typ)
			case v.String() != tt.want:
				t.Errorf("got %s, want %s", v, tt.want)
			}
		})
	}
}

// Parse errors in csv name the column.
func TestCSVDecoderTypeErrors(t *testing.T) {
	cols := schemaOf("b", "BOOLEAN", "i", "BIGINT", "d", "DOUBLE", "ts", "TIMESTAMP", "iv", "INTERVAL", "s", "STRING")
	dec := newTestDecoder(t, planner.FormatCSV, cols, nil)
	runDecodeCases(t, dec, len(cols), []decodeCase{
		{name: "all types", rec: "yes,-3,2.5,2024-01-02 03:04:05,90s,text",
			want: "[TRUE, -3, 2.5, 2024-01-02 03:04:05, 1m30s, text]"},
		{name: "all empty", rec: ",,,,,", want: "[NULL, NULL, NULL, NULL, NULL, ]"},
		{name: "boolean", rec: "maybe,1,1,2024-01-02,1s,x", err: `column b: cannot read 'maybe' as BOOLEAN`},
		{name: "bigint", rec: "true,1.5,1,2024-01-02,1s,x", err: `column i: cannot read '1.5' as BIGINT`},
		{name: "double", rec: "true,1,x1,2024-01-02,1s,x", err: `column d: cannot read 'x1' as DOUBLE`},
		{name: "timestamp", rec: "true,1,1,02/01/2024,1s,x", err: `column ts: cannot read '02/01/2024' as TIMESTAMP (expected yyyy-mm-dd hh:mm:ss)`},
		{name: "interval", rec: "true,1,1,2024-01-02,a while,x", err: `column iv: "a while" is not a duration*`},
	})
	checkTypes(t, dec, cols, "yes,-3,2.5,2024-01-02 03:04:05,90s,text")
}

func TestJSONDecoder(t *testing.T) {
	cols := schemaOf("b", "BOOLEAN", "i", "BIGINT", "d", "DOUBLE", "s", "STRING", "ts", "TIMESTAMP", "iv", "INTERVAL",
		"tags", "ARRAY<STRING>", "m", "ARRAY<ARRAY<BIGINT>>")
	dec := newTestDecoder(t, planner.FormatJSON, cols, nil)
	all := `{"b": true, "i": 42, "d": 1.5, "s": "héllo \"q\" \u00e9", "ts": "2024-01-02 03:04:05", "iv": "1m30s", "tags": ["a", "b"], "m": [[1, 2], [], null]}`
	runDecodeCases(t, dec, len(cols), []decodeCase{
		{name: "every type", rec: all,
			want: `[TRUE, 42, 1.5, héllo "q" é, 2024-01-02 03:04:05, 1m30s, [a, b], [[1, 2], [], NULL]]`},
		{name: "missing fields are NULL", rec: `{"i": 1}`, want: "[NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "empty object", rec: `{}`, want: "[NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "null is NULL", rec: `{"b": null, "i": null, "s": null, "tags": null}`, want: "[NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "unknown fields are ignored", rec: `{"x": 1, "i": 2, "y": {"z": []}}`, want: "[NULL, 2, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "case-insensitive match", rec: `{"I": 3, "S": "x", "Tags": []}`, want: "[NULL, 3, NULL, x, NULL, NULL, [], NULL]"},
		{name: "whole-number float into BIGINT", rec: `{"i": 3.0}`, want: "[NULL, 3, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "exponent into BIGINT", rec: `{"i": 1e3}`, want: "[NULL, 1000, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "string into BIGINT", rec: `{"i": " 12 "}`, want: "[NULL, 12, NULL, NULL, NULL, NULL, NULL, NULL]"},
		{name: "integer into DOUBLE", rec: `{"d": 2}`, want: "[NULL, NULL, 2.0, NULL, NULL, NULL, NULL, NULL]"},
		{name: "epoch milliseconds into TIMESTAMP", rec: `{"ts": 1700000000000}`,
			want: "[NULL, NULL, NULL, NULL, 2023-11-14 22:13:20, NULL, NULL, NULL]"},
		{name: "number into STRING keeps its text", rec: `{"s": 1.50}`, want: "[NULL, NULL, NULL, 1.50, NULL, NULL, NULL, NULL]"},
		{name: "boolean into STRING", rec: `{"s": false}`, want: "[NULL, NULL, NULL, false, NULL, NULL, NULL, NULL]"},
		{name: "object into STRING is its JSON", rec: `{"s": {"x": [1, "<y>"], "a": null}}`,
			want: `[NULL, NULL, NULL, {"a":null,"x":[1,"<y>"]}, NULL, NULL, NULL, NULL]`},
		{name: "array into STRING is its JSON", rec: `{"s": [1, 2.5, "z"]}`, want: `[NULL, NULL, NULL, [1,2.5,"z"], NULL, NULL, NULL, NULL]`},
		{name: "null array element", rec: `{"tags": ["a", null]}`, want: "[NULL, NULL, NULL, NULL, NULL, NULL, [a, NULL], NULL]"},
		{name: "surrounding spaces", rec: "  {\"i\": 1}  ", want: "[NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL]"},

		{name: "array line", rec: `[1, 2]`, err: "expected a JSON object, got an array"},
		{name: "number line", rec: `42`, err: "expected a JSON object, got a number"},
		{name: "string line", rec: `"x"`, err: "expected a JSON object, got a string"},
		{name: "boolean line", rec: `true`, err: "expected a JSON object, got a boolean"},
		{name: "null line", rec: `null`, err: "expected a JSON object, got null"},
		{name: "empty line", rec: ``, err: "empty line, expected a JSON object"},
		{name: "blank line", rec: " \t ", err: "empty line, expected a JSON object"},
		{name: "truncated", rec: `{"i": 1`, err: "not valid JSON: unexpected EOF"},
		{name: "syntax error", rec: `{"i": 1,}`, err: "not valid JSON: invalid character '}' looking for beginning of object key string"},
		{name: "two objects", rec: `{"i": 1} {"i": 2}`, err: `unexpected '{"i": 2}' after the JSON object`},
		{name: "trailing garbage", rec: `{"i": 1} x`, err: "unexpected 'x' after the JSON object"},
		// any error will do: the line is not one JSON value
		{name: "trailing brace", rec: `{"i": 1}}`, err: "*"},
		{name: "trailing bracket", rec: `{"i": 1}]`, err: "*"},

		{name: "fraction into BIGINT", rec: `{"i": 2.5}`, err: `field "i": 2.5 is not a BIGINT`},
		{name: "huge into BIGINT", rec: `{"i": 1e20}`, err: `field "i": 1e20 is not a BIGINT`},
		{name: "bad string into BIGINT", rec: `{"i": "x"}`, err: `field "i": cannot read 'x' as BIGINT`},
		{name: "boolean into BIGINT", rec: `{"i": true}`, err: `field "i": expected BIGINT, got a boolean`},
		{name: "object into BIGINT", rec: `{"i": {}}`, err: `field "i": expected BIGINT, got an object`},
		{name: "number into BOOLEAN", rec: `{"b": 1}`, err: `field "b": expected BOOLEAN, got a number`},
		{name: "bad string into BOOLEAN", rec: `{"b": "maybe"}`, err: `field "b": cannot read 'maybe' as BOOLEAN`},
		{name: "array into DOUBLE", rec: `{"d": [1]}`, err: `field "d": expected DOUBLE, got an array`},
		{name: "bad string into DOUBLE", rec: `{"d": "x"}`, err: `field "d": cannot read 'x' as DOUBLE`},
		{name: "fraction into TIMESTAMP", rec: `{"ts": 1.5}`, err: `field "ts": 1.5 is not a TIMESTAMP`},
		{name: "bad string into TIMESTAMP", rec: `{"ts": "noon"}`,
			err: `field "ts": cannot read 'noon' as TIMESTAMP (expected yyyy-mm-dd hh:mm:ss)`},
		{name: "number into INTERVAL", rec: `{"iv": 5}`, err: `field "iv": expected INTERVAL, got a number`},
		{name: "bad string into INTERVAL", rec: `{"iv": "x"}`, err: `field "iv": "x" is not a duration*`},
		{name: "string into ARRAY", rec: `{"tags": "a,b"}`, err: `field "tags": expected ARRAY<STRING>, got a string`},
		{name: "bad array element", rec: `{"m": [[1, "x"]]}`, err: `field "m": element 0: element 1: cannot read 'x' as BIGINT`},
		{name: "object array element into ARRAY<STRING> is its JSON", rec: `{"tags": [{"k": 1}]}`,
			want: `[NULL, NULL, NULL, NULL, NULL, NULL, [{"k":1}], NULL]`},
		{name: "array element of the wrong type", rec: `{"m": [1]}`, err: `field "m": element 0: expected ARRAY<BIGINT>, got a number`},
		{name: "invalid UTF-8 in a string", rec: "{\"s\": \"a\xffb\"}", err: "invalid UTF-8 at byte 8"},
		{name: "invalid UTF-8 in a key", rec: "{\"\xc3\": 1}", err: "invalid UTF-8 at byte 2"},
	})
	checkTypes(t, dec, cols, all)
}

// A field that matches a column exactly wins over one that matches it only
// ignoring case, whatever their order in the object.
func TestJSONDecoderExactMatchWins(t *testing.T) {
	cols := schemaOf("id", "BIGINT")
	dec := newTestDecoder(t, planner.FormatJSON, cols, nil)
	for _, rec := range []string{`{"ID": 2, "id": 1}`, `{"id": 1, "ID": 2}`, `{"Id": 3, "id": 1, "iD": 4}`} {
		// map iteration order varies from run to run: try often enough
		// that an order-dependent result shows.
		for i := 0; i < 50; i++ {
			row := make(types.Row, 1)
			if err := dec.decode(rec, row); err != nil {
				t.Fatal(err)
			}
			if !types.Equal(row[0], types.Int(1)) {
				t.Errorf("decode(%s): id = %v, want 1 (the exact match)", rec, row[0])
				break
			}
		}
	}
}

func TestLinesDecoder(t *testing.T) {
	dec := newTestDecoder(t, planner.FormatLines, schemaOf("line", "STRING"), nil)
	runDecodeCases(t, dec, 1, []decodeCase{
		{name: "text", rec: "hello world", want: "[hello world]"},
		{name: "empty", rec: "", want: "[]"},
		{name: "commas and quotes are text", rec: `a,"b"`, want: `[a,"b"]`},
		{name: "non-ASCII", rec: "héllo 🎉", want: "[héllo 🎉]"},
		{name: "U+FFFD itself is valid", rec: "a\uFFFDb", want: "[a\uFFFDb]"},
		{name: "invalid UTF-8", rec: "ab\xffcd", err: "invalid UTF-8 at byte 2"},
		{name: "truncated multi-byte", rec: "héllo\xe4\xb8", err: "invalid UTF-8 at byte 6"},
		{name: "invalid at the start", rec: "\x80", err: "invalid UTF-8 at byte 0"},
	})
	// the decoded string is the record itself, whatever it holds
	row := make(types.Row, 1)
	if err := dec.decode("x\x00y", row); err != nil || row[0].AsString() != "x\x00y" {
		t.Errorf("NUL byte: %q, %v", row[0].AsString(), err)
	}
}
