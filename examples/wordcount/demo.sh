#!/bin/sh
# The demo: a line server sends examples/wordcount/input.txt, a line every
# half second, and the word count of SPEC §1 prints its changelog as the
# lines arrive. Needs only Go. Run from the repository root: make demo
set -eu
cd "$(dirname "$0")/../.."
mkdir -p bin
go build -o bin/streamsql ./cmd/streamsql
work=$(mktemp -d)
server= job=
trap 'kill $server $job 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

# The line server takes any free port; the query is pointed at it.
bin/streamsql serve-lines --addr 127.0.0.1:0 --interval 500ms \
	< examples/wordcount/input.txt 2> "$work/server.log" &
server=$!
until grep -q 'listening on' "$work/server.log" 2>/dev/null; do sleep 0.05; done
addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$work/server.log")
sed "s/localhost:9100/$addr/" examples/wordcount/wordcount.sql > "$work/wordcount.sql"

echo "demo: counting the words of examples/wordcount/input.txt as a line server sends them" >&2
bin/streamsql --log-level warn --state-dir "$work/state" -f "$work/wordcount.sql" &
job=$!
until grep -q 'end of input' "$work/server.log" 2>/dev/null; do sleep 0.1; done
sleep 0.5
kill -INT $job
wait $job
echo "demo: every line counted; Ctrl-C (SIGINT) stopped the job cleanly." >&2
