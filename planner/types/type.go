// Package types holds streamsql's SQL types and runtime values. It is shared
// by the planner (type checking, constant folding) and the runtime (rows on
// the wire, state), and depends on nothing but the standard library.
package types

// Kind is the kind of a SQL type.
type Kind uint8

// The kinds. KindNull is the type of an untyped NULL literal (and of
// RAISE_ERROR): it converts to every other type.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindFloat
	KindString
	KindTimestamp
	KindInterval
	KindArray
)

var kindNames = [...]string{
	KindNull: "NULL", KindBool: "BOOLEAN", KindInt: "BIGINT", KindFloat: "DOUBLE", KindString: "STRING",
	KindTimestamp: "TIMESTAMP", KindInterval: "INTERVAL", KindArray: "ARRAY",
}

// String returns the SQL name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "UNKNOWN"
}

// Type is a SQL type. Elem is set for arrays only.
type Type struct {
	Kind Kind
	Elem *Type
}

// The scalar types, by their SQL names.
var (
	NULL      = Type{Kind: KindNull}
	BOOLEAN   = Type{Kind: KindBool}
	BIGINT    = Type{Kind: KindInt}
	DOUBLE    = Type{Kind: KindFloat}
	STRING    = Type{Kind: KindString}
	TIMESTAMP = Type{Kind: KindTimestamp}
	INTERVAL  = Type{Kind: KindInterval}
)

// ArrayOf returns the type ARRAY<elem>.
func ArrayOf(elem Type) Type {
	return Type{Kind: KindArray, Elem: &elem}
}

// String renders the type in SQL: BIGINT, ARRAY<STRING>.
func (t Type) String() string {
	if t.Kind == KindArray && t.Elem != nil {
		return "ARRAY<" + t.Elem.String() + ">"
	}
	return t.Kind.String()
}

// Equal reports whether two types are the same.
func (t Type) Equal(u Type) bool {
	if t.Kind != u.Kind {
		return false
	}
	if t.Kind == KindArray {
		return t.Elem != nil && u.Elem != nil && t.Elem.Equal(*u.Elem)
	}
	return true
}

// IsNumeric reports whether t is BIGINT or DOUBLE.
func (t Type) IsNumeric() bool { return t.Kind == KindInt || t.Kind == KindFloat }

// Comparable reports whether values of t have an order (and so can be used
// with <, MIN, MAX). Every type but arrays is ordered.
func (t Type) Comparable() bool { return t.Kind != KindArray }

// Common returns the type both a and b convert to without loss, as needed
// for CASE branches, IN lists, VALUES columns and comparisons: NULL goes to
// anything, BIGINT widens to DOUBLE. ok is false when there is none.
func Common(a, b Type) (t Type, ok bool) {
	switch {
	case a.Kind == KindNull:
		return b, true
	case b.Kind == KindNull:
		return a, true
	case a.Equal(b):
		return a, true
	case a.IsNumeric() && b.IsNumeric():
		return DOUBLE, true
	case a.Kind == KindArray && b.Kind == KindArray:
		elem, ok := Common(*a.Elem, *b.Elem)
		if !ok {
			return Type{}, false
		}
		return ArrayOf(elem), true
	}
	return Type{}, false
}

// ByName maps a SQL type name to a scalar type, accepting the usual
// synonyms (INT, INTEGER, VARCHAR, ...). ARRAY is built by the caller.
func ByName(name string) (Type, bool) {
	switch name {
	case "BOOLEAN", "BOOL":
		return BOOLEAN, true
	case "BIGINT", "INT", "INTEGER", "SMALLINT", "TINYINT", "INT64", "LONG":
		return BIGINT, true
	case "DOUBLE", "FLOAT", "REAL", "FLOAT64", "DECIMAL", "NUMERIC":
		return DOUBLE, true
	case "STRING", "VARCHAR", "CHAR", "TEXT":
		return STRING, true
	case "TIMESTAMP", "TIMESTAMP_LTZ", "DATETIME":
		return TIMESTAMP, true
	case "INTERVAL":
		return INTERVAL, true
	}
	return Type{}, false
}
