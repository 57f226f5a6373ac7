package types

import (
	"math"
	"testing"
)

func TestFormatDouble(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {0.5, "0.5"}, {-2.25, "-2.25"}, {1e10, "1.0E10"}, {1.5e-5, "1.5E-5"},
		{1234567.0, "1234567.0"}, {12345678.9, "1.23456789E7"}, {0, "0.0"}, {math.NaN(), "NaN"},
		{math.Inf(-1), "-Infinity"}, {0.001, "0.001"},
	} {
		if got := FormatDouble(tc.in); got != tc.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	if Compare(Int(1), Float(1.5)) >= 0 || Compare(Float(2), Int(1)) <= 0 || Compare(Int(3), Float(3)) != 0 {
		t.Error("mixed numeric comparison is wrong")
	}
	if Compare(Null, Int(0)) >= 0 {
		t.Error("NULL must sort first")
	}
	if Compare(Float(math.NaN()), Float(math.Inf(1))) <= 0 {
		t.Error("NaN must sort after +Inf")
	}
	if !Equal(Null, Null) || Equal(Null, Int(0)) || Equal(Str("1"), Int(1)) {
		t.Error("Equal is wrong")
	}
}

func TestCommon(t *testing.T) {
	if c, ok := Common(BIGINT, DOUBLE); !ok || !c.Equal(DOUBLE) {
		t.Error("BIGINT and DOUBLE widen to DOUBLE")
	}
	if c, ok := Common(NULL, STRING); !ok || !c.Equal(STRING) {
		t.Error("NULL converts to STRING")
	}
	if _, ok := Common(STRING, BIGINT); ok {
		t.Error("STRING and BIGINT have no common type")
	}
	if c := ArrayOf(ArrayOf(STRING)); c.String() != "ARRAY<ARRAY<STRING>>" {
		t.Errorf("got %s", c)
	}
}
