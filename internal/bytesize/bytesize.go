// Package bytesize writes sizes for people: checkpoint sizes in logs,
// SHOW CHECKPOINTS and the benchmark report.
package bytesize

import "fmt"

// Format writes n bytes as MiB or KiB with one decimal, or as a number of
// bytes below 1 KiB.
func Format(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
