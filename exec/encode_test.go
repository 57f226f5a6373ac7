package exec

import (
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// encodeAll writes the header and then every change with enc.
func encodeAll(enc encoder, changes ...change) string {
	buf := enc.header(nil)
	for _, c := range changes {
		buf = enc.encode(buf, c.kind, c.row)
	}
	return string(buf)
}

var tsValue = types.Timestamp(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))

func TestChangelogEncoder(t *testing.T) {
	enc := newEncoder(planner.FormatChangelog, schemaOf("a", "STRING", "b", "BIGINT"), true)
	got := encodeAll(enc,
		ins(str("hello"), i64(1)),
		ub(str("hello"), i64(1)),
		ua(str("hello"), i64(2)),
		del(str("hello"), i64(2)),
		ins(str(""), null),
		ins(f64(1), bl(true), tsValue, types.Interval(90*time.Second), types.Array([]types.Value{str("x"), null})),
		ins(),
	)
	want := "+I[hello, 1]\n-U[hello, 1]\n+U[hello, 2]\n-D[hello, 2]\n+I[, NULL]\n" +
		"+I[1.0, TRUE, 2024-01-02 03:04:05, 1m30s, [x, NULL]]\n+I[]\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCSVEncoder(t *testing.T) {
	schema := schemaOf("word", "STRING", "n", "BIGINT", "x", "DOUBLE")
	rows := []change{
		ins(str("hello"), i64(1), f64(1.5)),
		ins(str("a,b"), i64(-2), f64(0)),
		ins(str(`say "hi"`), null, null),
		ins(str("two\nlines"), i64(3), f64(math.Inf(1))),
		ins(str(""), i64(4), f64(1e21)),
		ins(str(" padded"), i64(5), f64(math.NaN())),
		ins(str("héllo"), i64(6), f64(-0.25)),
	}
	t.Run("append-only", func(t *testing.T) {
		got := encodeAll(newEncoder(planner.FormatCSV, schema, false), rows...)
		want := "word,n,x\n" +
			"hello,1,1.5\n" +
			"\"a,b\",-2,0.0\n" +
			"\"say \"\"hi\"\"\",,\n" +
			"\"two\nlines\",3,Infinity\n" +
			",4,1.0E21\n" +
			"\" padded\",5,NaN\n" +
			"héllo,6,-0.25\n"
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("updating has an op column", func(t *testing.T) {
		got := encodeAll(newEncoder(planner.FormatCSV, schema, true),
			ins(str("a"), i64(1), null), ub(str("a"), i64(1), null), ua(str("a"), i64(2), null), del(str("a,b"), i64(2), null))
		want := "op,word,n,x\n+I,a,1,\n-U,a,1,\n+U,a,2,\n-D,\"a,b\",2,\n"
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("header with awkward names", func(t *testing.T) {
		got := encodeAll(newEncoder(planner.FormatCSV, schemaOf("a,b", "STRING", `q"`, "STRING"), false))
		if want := "\"a,b\",\"q\"\"\"\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// What the csv encoder writes, the csv decoder reads back (for values
// without line breaks, since sources read one record per line).
func TestCSVEncodeDecodeRoundTrip(t *testing.T) {
	schema := schemaOf("s", "STRING", "i", "BIGINT", "d", "DOUBLE", "b", "BOOLEAN", "ts", "TIMESTAMP", "iv", "INTERVAL")
	rows := []types.Row{
		{str(`a "quoted", field`), i64(math.MinInt64), f64(-1.5e-7), bl(false), tsValue, types.Interval(-time.Millisecond)},
		{str(" spaces "), i64(0), f64(123456789.125), bl(true), types.TimestampNanos(0), types.Interval(0)},
		{str("x"), null, null, null, null, null},
		{str(`""`), i64(math.MaxInt64), f64(math.Inf(-1)), bl(true), types.TimestampNanos(1), types.Interval(36 * time.Hour)},
	}
	enc := newEncoder(planner.FormatCSV, schema, false)
	dec := newTestDecoder(t, planner.FormatCSV, schema, nil)
	for _, r := range rows {
		line := strings.TrimSuffix(string(enc.encode(nil, types.Insert, r)), "\n")
		got := make(types.Row, len(schema))
		if err := dec.decode(line, got); err != nil {
			t.Errorf("decoding %q: %v", line, err)
			continue
		}
		for i := range r {
			if !sameValue(got[i], r[i]) {
				t.Errorf("column %s: wrote %v as %q, read back %v", schema[i].Name, r[i], line, got[i])
			}
		}
	}
}

func TestJSONEncoder(t *testing.T) {
	schema := schemaOf("s", "STRING", "n", "BIGINT", "x", "DOUBLE")
	tests := []struct {
		name string
		c    change
		want string
	}{
		{"plain", ins(str("hello"), i64(1), f64(1.5)), `{"op":"+I","s":"hello","n":1,"x":1.5}`},
		{"nulls", ub(null, null, null), `{"op":"-U","s":null,"n":null,"x":null}`},
		{"quotes and backslashes", ua(str(`say "hi" \ bye`), i64(-1), f64(0)), `{"op":"+U","s":"say \"hi\" \\ bye","n":-1,"x":0}`},
		{"control characters", del(str("a\nb\tc\rd\x01e\x1f"), i64(0), f64(-0.5)), `{"op":"-D","s":"a\nb\tc\rd\u0001e\u001f","n":0,"x":-0.5}`},
		{"non-ASCII and HTML stay as they are", ins(str("héllo 世界 <b>&</b> \u2028"), i64(2), f64(1e21)),
			`{"op":"+I","s":"héllo 世界 <b>&</b> ` + "\u2028" + `","n":2,"x":1e+21}`},
		{"invalid UTF-8 becomes U+FFFD", ins(str("a\xffb"), i64(3), f64(3)), `{"op":"+I","s":"a` + "\uFFFD" + `b","n":3,"x":3}`},
		{"NaN and infinities are strings", ins(str(""), i64(math.MinInt64), f64(math.NaN())),
			`{"op":"+I","s":"","n":-9223372036854775808,"x":"NaN"}`},
		{"+Inf", ins(str(""), i64(0), f64(math.Inf(1))), `{"op":"+I","s":"","n":0,"x":"Infinity"}`},
		{"-Inf", ins(str(""), i64(0), f64(math.Inf(-1))), `{"op":"+I","s":"","n":0,"x":"-Infinity"}`},
	}
	enc := newEncoder(planner.FormatJSON, schema, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(enc.encode(nil, tt.c.kind, tt.c.row))
			if got != tt.want+"\n" {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
	if h := enc.header(nil); len(h) != 0 {
		t.Errorf("json has a header: %q", h)
	}
}

func TestJSONEncoderOtherTypes(t *testing.T) {
	schema := schemaOf("b", "BOOLEAN", "ts", "TIMESTAMP", "iv", "INTERVAL", "arr", "ARRAY<STRING>", "nested", "ARRAY<ARRAY<BIGINT>>")
	enc := newEncoder(planner.FormatJSON, schema, false)
	got := string(enc.encode(nil, types.Insert, types.Row{
		bl(true), tsValue, types.Interval(1500 * time.Millisecond),
		types.Array([]types.Value{str(`"x"`), null}),
		types.Array([]types.Value{types.Array([]types.Value{i64(1), i64(2)}), types.Array(nil), null}),
	}))
	want := `{"op":"+I","b":true,"ts":"2024-01-02 03:04:05","iv":"1.5s","arr":["\"x\"",null],"nested":[[1,2],[],null]}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Errorf("not valid JSON: %s", got)
	}
}

// jsonKeys returns the keys of a one-line JSON object in order.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not an object (%v)", line, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil && err != io.EOF {
			t.Fatalf("%s: %v", line, err)
		}
	}
	return keys
}

// JSON keys must be distinct: repeated column names get $2, $3, and a
// column called op does not clash with the op field.
func TestJSONEncoderDuplicateNames(t *testing.T) {
	tests := []struct {
		names []string
		want  string // the keys in order, or "" to only demand distinct keys
	}{
		{[]string{"a", "b"}, "op a b"},
		{[]string{"a", "a", "a"}, "op a a$2 a$3"},
		{[]string{"op", "a", "op"}, "op op$2 a op$3"},
		{[]string{"cnt", "x", "cnt"}, "op cnt x cnt$2"},
		// a generated name must not clash with a real one
		{[]string{"a", "a", "a$2"}, ""},
		{[]string{"a$2", "a", "a"}, ""},
		{[]string{"op$2", "op"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			var schema planner.Schema
			row := types.Row{}
			for _, n := range tt.names {
				schema = append(schema, planner.Column{Name: n, Type: types.BIGINT})
				row = append(row, i64(int64(len(row))))
			}
			line := string(newEncoder(planner.FormatJSON, schema, false).encode(nil, types.Insert, row))
			keys := jsonKeys(t, line)
			if tt.want != "" && strings.Join(keys, " ") != tt.want {
				t.Errorf("keys %v, want %s", keys, tt.want)
			}
			seen := map[string]bool{}
			for _, k := range keys {
				if seen[k] {
					t.Errorf("%s: key %q appears twice", strings.TrimSpace(line), k)
				}
				seen[k] = true
			}
		})
	}
}
