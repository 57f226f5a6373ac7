package main

import (
	"context"
	"fmt"
)

// repl is the interactive shell.
func (r *runner) repl(ctx context.Context) int {
	fmt.Fprintln(r.stderr, "streamsql: the interactive shell is not built yet; run statements with -f file.sql, -e 'SQL', or pipe them to stdin")
	return 2
}
