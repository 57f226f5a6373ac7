package main

import (
	"bytes"
	"fmt"
	"os"
	osexec "os/exec"
	"runtime/pprof"
	"strings"
)

// goTool is the go command: $GO (as make passes it), or go on the PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// startProfile starts a CPU profile into path; the returned function
// stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// topOfProfile returns the functions that took most CPU in a profile of
// the binary, by flat and by cumulative time.
func topOfProfile(binary, profile string) (string, error) {
	var all strings.Builder
	for _, sort := range []string{"-flat", "-cum"} {
		cmd := osexec.Command(goTool(), "tool", "pprof", "-top", sort, "-nodecount=25", binary, profile)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go tool pprof: %v\n%s", err, stderr.Bytes())
		}
		lines := strings.Split(out.String(), "\n")
		for i, l := range lines {
			// drop the header's file and build lines, keep the rest
			if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID:") || strings.HasPrefix(l, "Type:") ||
				strings.HasPrefix(l, "Time:") {
				continue
			}
			all.WriteString(lines[i])
			all.WriteByte('\n')
		}
	}
	return all.String(), nil
}
