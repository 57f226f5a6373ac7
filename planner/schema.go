package planner

import (
	"strings"

	"github.com/streamsql/streamsql/planner/types"
)

// Column is a named, typed column of a relation.
type Column struct {
	Name string
	Type types.Type
}

// Schema is the ordered columns of a relation.
type Schema []Column

// Names returns the column names.
func (s Schema) Names() []string {
	names := make([]string, len(s))
	for i, c := range s {
		names[i] = c.Name
	}
	return names
}

// Index returns the position of the column called name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Equal reports whether two schemas have the same names and types.
func (s Schema) Equal(o Schema) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i].Name != o[i].Name || !s[i].Type.Equal(o[i].Type) {
			return false
		}
	}
	return true
}

// String renders the schema as [name TYPE, ...].
func (s Schema) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.Name + " " + c.Type.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
