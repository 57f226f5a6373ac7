// Package exec runs the physical plans of package planner as jobs.
//
// A Session is the way in: it keeps a catalog and settings and executes
// statements, as a script or the shell does.
//
//	sess, _ := exec.NewSession(exec.Config{Stdout: os.Stdout})
//	defer sess.Close()
//	stmts, err := parser.ParseScript("job.sql", src)
//	for _, st := range stmts {
//		if _, err := sess.Execute(ctx, st); err != nil {
//			return err
//		}
//	}
//
// A query becomes a Job: operators chained into tasks, each task a
// goroutine, connected by bounded channels (edges) that carry Messages —
// batches of rows with their change kinds, and signals ordered with them
// (end of stream; checkpoint barriers and watermarks have their types
// ready). A full edge blocks its sender: back-pressure, never dropping.
// Keyed operators run in parallel subtasks, fed by an exchange that
// partitions rows by the hash of their key. The runtime calls an Operator
// one batch at a time and handles channels, ends and cancellation itself.
//
// Sources (socket, file, VALUES, series, datagen) and sinks (print, file,
// blackhole) are chosen by the connector names of package planner. Records
// that fail to decode or evaluate go through the job's ErrorPolicy
// (on_error: fail, skip or dead_letter).
package exec
