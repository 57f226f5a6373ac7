package planner

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/streamsql/streamsql/planner/types"
)

// The planner knows each connector's options and the columns it produces;
// the runtime (package exec) has the implementation under the same name.

// Connector names.
const (
	ConnectorSocket    = "socket"
	ConnectorFile      = "file"
	ConnectorDatagen   = "datagen"
	ConnectorValues    = "values"
	ConnectorSeries    = "series"
	ConnectorPrint     = "print"
	ConnectorBlackhole = "blackhole"
)

// Formats of records in sources and sinks.
const (
	FormatLines     = "lines"
	FormatCSV       = "csv"
	FormatJSON      = "json"
	FormatChangelog = "changelog"
	FormatTable     = "table"
)

type connOption struct {
	name     string
	required bool
	def      string
	check    func(v string) error
	// lower marks a case-insensitive value, kept in lower case so that
	// the planner and the runtime compare it as written here.
	lower bool
	// boolean marks a true/false value, kept as "true" or "false".
	boolean bool
}

type connectorDef struct {
	name         string
	source, sink bool
	options      []connOption // as a source
	sinkOptions  []connOption // as a sink
	// schema gives a source's columns from its options and the columns the
	// CREATE SOURCE declared (nil when none).
	schema  func(opts map[string]string, declared Schema) (Schema, error)
	bounded func(opts map[string]string) bool
	// internal connectors back table functions and cannot be named in WITH.
	internal bool
}

var lineColumn = Schema{{Name: "line", Type: types.STRING}}

var recordOptions = []connOption{
	{name: "format", def: FormatLines, check: oneOf(FormatLines, FormatCSV, FormatJSON), lower: true},
	{name: "delimiter", def: ",", check: singleChar},
	{name: "null_literal", def: ""},
}

// headerOption skips a file's first line; a socket has no first line.
var headerOption = connOption{name: "header", def: "false", check: isBool, boolean: true}

var connectors = map[string]*connectorDef{
	ConnectorSocket: {
		name: ConnectorSocket, source: true,
		options: append([]connOption{
			{name: "address", required: true, check: hostPort},
			{name: "max_retries", def: "10", check: nonNegativeInt},
		}, recordOptions...),
		schema:  recordSchema,
		bounded: func(map[string]string) bool { return false },
	},
	ConnectorFile: {
		name: ConnectorFile, source: true, sink: true,
		options: append([]connOption{{name: "path", required: true, check: nonEmpty}, headerOption}, recordOptions...),
		sinkOptions: []connOption{
			{name: "path", required: true, check: nonEmpty},
			{name: "format", def: FormatCSV, check: oneOf(FormatChangelog, FormatCSV, FormatJSON), lower: true},
		},
		schema:  recordSchema,
		bounded: func(map[string]string) bool { return true },
	},
	ConnectorDatagen: {
		name: ConnectorDatagen, source: true,
		options: []connOption{
			{name: "rows", def: "0", check: nonNegativeInt},
			{name: "words_per_line", def: "8", check: positiveInt},
			{name: "vocabulary", def: "10000", check: positiveInt},
			{name: "zipf_s", def: "1.1", check: zipfExponent},
			{name: "seed", def: "1", check: nonNegativeInt},
		},
		schema: func(_ map[string]string, declared Schema) (Schema, error) {
			return linesSchema(declared)
		},
		bounded: func(o map[string]string) bool {
			// compared as a number: '00' and '+0' are 0 too, unbounded
			n, err := strconv.ParseInt(o["rows"], 10, 64)
			return err == nil && n != 0
		},
	},
	ConnectorSeries: {
		name: ConnectorSeries, source: true, internal: true,
		options: []connOption{{name: "start"}, {name: "stop"}, {name: "step", def: "1"}},
		schema: func(_ map[string]string, declared Schema) (Schema, error) {
			return Schema{{Name: "generate_series", Type: types.BIGINT}}, nil
		},
		bounded: func(map[string]string) bool { return true },
	},
	ConnectorValues: {
		name: ConnectorValues, source: true, internal: true,
		bounded: func(map[string]string) bool { return true },
	},
	ConnectorPrint: {
		name: ConnectorPrint, sink: true,
		sinkOptions: []connOption{{name: "format", check: oneOf(FormatChangelog, FormatTable, FormatCSV, FormatJSON), lower: true}},
	},
	ConnectorBlackhole: {name: ConnectorBlackhole, sink: true},
}

// recordSchema gives the columns of a source that reads text records: one
// STRING column (line) for the lines format; the declared columns for csv
// and json, which need them.
func recordSchema(opts map[string]string, declared Schema) (Schema, error) {
	if opts["format"] == FormatLines {
		return linesSchema(declared)
	}
	if len(declared) == 0 {
		return nil, fmt.Errorf("format '%s' needs the columns to read: CREATE SOURCE name (col TYPE, ...) WITH (...)", opts["format"])
	}
	for _, c := range declared {
		if c.Type.Kind == types.KindArray && opts["format"] == FormatCSV {
			return nil, fmt.Errorf("column %q: csv cannot hold %s", c.Name, c.Type)
		}
	}
	return declared, nil
}

func linesSchema(declared Schema) (Schema, error) {
	switch {
	case len(declared) == 0:
		return lineColumn, nil
	case len(declared) == 1 && declared[0].Type.Equal(types.STRING):
		return declared, nil
	}
	return nil, fmt.Errorf("format 'lines' produces one STRING column, but %s declared: %s", plural(len(declared), "column"), declared)
}

// resolveConnectorOptions checks options against a connector's and fills in
// defaults. kind is "source" or "sink", for messages.
func resolveConnectorOptions(c *connectorDef, kind string, given map[string]string) (map[string]string, error) {
	out := map[string]string{}
	known := map[string]bool{"connector": true}
	var names []string
	options := c.options
	if kind == "sink" {
		options = c.sinkOptions
	}
	for _, o := range options {
		known[o.name] = true
		names = append(names, o.name)
	}
	keys := make([]string, 0, len(given))
	for k := range given {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			accepted := "none"
			if len(names) > 0 {
				accepted = strings.Join(names, ", ")
			}
			return nil, &optionError{key: k, err: fmt.Errorf("unknown option %q for the %s %s%s (accepted: %s)",
				k, c.name, kind, didYouMean(k, names), accepted)}
		}
	}
	for _, o := range options {
		v, ok := given[o.name]
		if !ok && kind == "source" && (o.name == "delimiter" || o.name == "null_literal") && !strings.EqualFold(given["format"], FormatCSV) {
			continue // csv options mean nothing to other formats
		}
		if !ok {
			if o.required {
				return nil, fmt.Errorf("the %s %s needs the option %s", c.name, kind, o.name)
			}
			if o.def == "" {
				continue
			}
			v = o.def
		}
		if o.lower {
			v = strings.ToLower(v)
		}
		if o.check != nil {
			if err := o.check(v); err != nil {
				return nil, &optionError{key: o.name, value: true, err: fmt.Errorf("bad value '%s' for %s: %v", v, o.name, err)}
			}
		}
		if o.boolean {
			b, _ := strconv.ParseBool(v)
			v = strconv.FormatBool(b) // 'TRUE', 't', '1' all read as true
		}
		out[o.name] = v
	}
	return out, nil
}

// optionError is a bad connector option; the binder positions it at the
// option's key or value.
type optionError struct {
	key   string
	value bool // the value is wrong, not the key
	err   error
}

func (e *optionError) Error() string { return e.err.Error() }

// Connectors lists, sorted, the connectors a CREATE SOURCE (source true)
// or a CREATE SINK may name.
func Connectors(source bool) []string {
	var names []string
	for _, c := range connectors {
		if !c.internal && ((source && c.source) || (!source && c.sink)) {
			names = append(names, c.name)
		}
	}
	sort.Strings(names)
	return names
}

// ConnectorOptions lists, sorted, the WITH options of a CREATE SOURCE
// (source true) or CREATE SINK with the given connector, "connector"
// among them; for an unknown or empty connector, those of every connector.
func ConnectorOptions(connector string, source bool) []string {
	seen := map[string]bool{"connector": true}
	for _, c := range connectors {
		if c.internal || (connector != "" && connectors[connector] != nil && c.name != connector) {
			continue
		}
		opts := c.sinkOptions
		if source {
			opts = c.options
		}
		for _, o := range opts {
			seen[o.name] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func connectorNames(source bool) string {
	return strings.Join(Connectors(source), ", ")
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, ok := range values {
			if strings.EqualFold(v, ok) {
				return nil
			}
		}
		return fmt.Errorf("expected one of %s", strings.Join(values, ", "))
	}
}

func singleChar(v string) error {
	if len([]rune(v)) != 1 {
		return fmt.Errorf("expected a single character")
	}
	return nil
}

func isBool(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return fmt.Errorf("expected true or false")
	}
	return nil
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func hostPort(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" {
		return fmt.Errorf("expected host:port, e.g. 'localhost:9100'")
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

func nonNegativeInt(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
		return fmt.Errorf("expected a whole number of 0 or more")
	}
	return nil
}

func positiveInt(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1 {
		return fmt.Errorf("expected a whole number of 1 or more")
	}
	return nil
}

func zipfExponent(v string) error {
	if f, err := strconv.ParseFloat(v, 64); err != nil || f <= 1 {
		return fmt.Errorf("expected a number greater than 1")
	}
	return nil
}
