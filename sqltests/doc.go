// Package sqltests runs the golden SQL tests in testdata/*.test against the
// real engine (package exec), with real files for sources.
//
// A test file is a sequence of records separated by blank lines; lines
// starting with # are comments. Records:
//
//	statement ok
//	<SQL>
//
// runs a statement that must succeed (CREATE, SET, ...).
//
//	statement error
//	<SQL>
//	----
//	<the error, exactly, e.g. 1:8: unknown column "x">
//
// runs a statement (or a query) that must fail with that message; positions
// count from the first line of the SQL.
//
//	source <name> <lines|csv|json> [(<column> <TYPE>, ...)] [WITH (<option> = <value>, ...)]
//	<a record per line; <blank> stands for an empty line>
//
// writes the records to a file and creates a FILE source reading it, with
// any further connector options (delimiter, header, null_literal, ...).
//
//	file contents
//	$TMP/<path>
//	----
//	<the file's lines>
//
// compares a file a sink wrote. In all SQL, $TMP is the test's temporary
// directory, for file sinks and FILE('$TMP/...').
//
//	query changelog [rowsort]
//	<SELECT>
//	----
//	<the expected changes: +I[hello, 1], -U[...], ...>
//
// runs a query at parallelism 1 and compares its changelog line by line
// (rowsort: as sorted lines, for queries whose order is not defined).
//
//	query table
//	<SELECT>
//	----
//	<the final result, a row per line as [v1, v2], sorted>
//
// compares the final result: the changelog applied, rows sorted.
//
// Every query also runs at parallelism 4, and its final result must equal
// the one at parallelism 1, so every golden query tests the keyed exchange.
//
// go test ./sqltests -update rewrites the expectations from the output;
// review the diff before committing it.
package sqltests
