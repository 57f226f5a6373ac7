#!/bin/sh
# The demo: a line server sends examples/wordcount/input.txt, a line every
# half second, and the word count of SPEC §1 prints its changelog as the
# lines arrive. Needs only Go. Run from the repository root: make demo
set -eu
cd "$(dirname "$0")/../.."
mkdir -p bin
go build -o bin/streamsql ./cmd/streamsql
state=$(mktemp -d)
bin/streamsql serve-lines --addr 127.0.0.1:9100 --interval 500ms --close-on-eof < examples/wordcount/input.txt &
server=$!
bin/streamsql --state-dir "$state" -f examples/wordcount/wordcount.sql &
job=$!
trap 'kill $server $job 2>/dev/null; rm -rf "$state"' EXIT INT TERM
wait $server || true
sleep 0.3
kill -INT $job
wait $job
echo "demo: every line counted; the job stopped cleanly on Ctrl-C (SIGINT)." >&2
