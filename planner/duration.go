package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration written Go-style ('10s', '500ms', '1m30s')
// or SQL-style ('10 s', '1 min', '2 hours', '500 milliseconds').
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if d, err := time.ParseDuration(t); err == nil {
		return d, nil
	}
	// number followed by a unit word, with or without a space
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("%q is not a duration (examples: '1s', '500ms', '1 min')", s)
	}
	var per time.Duration
	switch unit {
	case "ns", "nanosecond", "nanoseconds":
		per = time.Nanosecond
	case "us", "µs", "microsecond", "microseconds":
		per = time.Microsecond
	case "ms", "milli", "millis", "millisecond", "milliseconds":
		per = time.Millisecond
	case "s", "sec", "secs", "second", "seconds", "":
		per = time.Second
	case "m", "min", "mins", "minute", "minutes":
		per = time.Minute
	case "h", "hour", "hours":
		per = time.Hour
	case "d", "day", "days":
		per = 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q has an unknown unit %q (use ms, s, min, h or d)", s, unit)
	}
	d := n * float64(per)
	if d >= math.MaxInt64 {
		// Converting it would wrap around to a negative duration.
		return 0, fmt.Errorf("%q is out of range (the longest duration is about 292 years)", s)
	}
	return time.Duration(d), nil
}

// FormatDuration renders d compactly for messages and SHOW SETTINGS.
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dmin", d/time.Minute)
	}
	return d.String()
}
