package main

import (
	"bytes"
	"fmt"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
)

// goBenchRow is one result of `go test -bench`.
type goBenchRow struct {
	Name        string
	NsPerOp     float64
	RowsPerSec  float64
	BytesPerOp  float64
	AllocsPerOp float64
}

func (g goBenchRow) summary() string {
	return fmt.Sprintf("%10.0f ns/op %9s rows/s %9.0f B/op %7.0f allocs/op", g.NsPerOp, millions(g.RowsPerSec), g.BytesPerOp,
		g.AllocsPerOp)
}

// runGoBenchmarks runs the exec package's Go benchmarks (the per-operator
// numbers) and reads their results.
func runGoBenchmarks() ([]goBenchRow, error) {
	cmd := osexec.Command(goTool(), "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1s", "./exec/")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench: %v\n%s", err, out.Bytes())
	}
	return parseGoBench(out.String()), nil
}

// parseGoBench reads benchmark lines: a name, the iteration count, then
// value–unit pairs.
func parseGoBench(out string) []goBenchRow {
	var rows []goBenchRow
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		r := goBenchRow{Name: name}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsPerOp = v
			case "rows/s":
				r.RowsPerSec = v
			case "B/op":
				r.BytesPerOp = v
			case "allocs/op":
				r.AllocsPerOp = v
			}
		}
		rows = append(rows, r)
	}
	return rows
}
