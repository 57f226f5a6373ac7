package types

import (
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-02 03:04:05":           "2024-01-02 03:04:05",
		" 2024-01-02 03:04:05.250 ":     "2024-01-02 03:04:05.25",
		"2024-01-02T03:04:05":           "2024-01-02 03:04:05",
		"2024-01-02 03:04":              "2024-01-02 03:04:00",
		"2024-01-02":                    "2024-01-02 00:00:00",
		"2024-01-02T03:04:05-01:30":     "2024-01-02 04:34:05",
		"1677-09-21 00:12:43.145224192": "1677-09-21 00:12:43.145224192",
		"2262-04-11 23:47:16.854775807": "2262-04-11 23:47:16.854775807",
	} {
		ts, ok := ParseTimestamp(in)
		if !ok {
			t.Errorf("ParseTimestamp(%q) failed", in)
			continue
		}
		if got := Timestamp(ts).String(); got != want {
			t.Errorf("ParseTimestamp(%q) = %s, want %s", in, got, want)
		}
	}
	// Outside what nanoseconds in an int64 hold, a timestamp would wrap
	// around to another date.
	for _, in := range []string{"", "2024-13-01", "2024-02-30", "yesterday", "2024/01/02",
		"1677-09-21 00:12:43.145224191", "2262-04-11 23:47:16.854775808", "0001-01-01", "9999-12-31"} {
		if ts, ok := ParseTimestamp(in); ok {
			t.Errorf("ParseTimestamp(%q) = %v, want a failure", in, ts)
		}
	}
	if !MinTimestamp.Equal(time.Unix(0, Timestamp(MinTimestamp).AsNanos())) || !MaxTimestamp.Equal(Timestamp(MaxTimestamp).AsTime()) {
		t.Error("MinTimestamp and MaxTimestamp must be representable")
	}
}
