#!/bin/sh
# Regenerates docs/shell-capture.txt: a real shell session in tmux, the
# word count over a socket in table mode, captured with tmux capture-pane.
# Needs tmux; run from the repository root: sh docs/capture-shell.sh
set -eu
work=$(mktemp -d)
trap 'tmux kill-session -t streamsql-capture 2>/dev/null || true; kill $feeder 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/streamsql" ./cmd/streamsql

# A line server on a free port, fed a few lines over a few seconds.
{ printf 'to be or not to be\nthat is the question\n'; sleep 3
  printf 'whether tis nobler in the mind to suffer\nthe slings and arrows of outrageous fortune\n'; sleep 2
  printf 'or to take arms against a sea of troubles\n'; sleep 30; } |
  "$work/streamsql" serve-lines --addr 127.0.0.1:0 --interval 200ms 2>"$work/serve.log" &
feeder=$!
sleep 1
addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$work/serve.log")

tmux new-session -d -s streamsql-capture -x 100 -y 36 \
  "cd $work && STREAMSQL_HISTORY=$work/history ./streamsql"
sleep 1
send() { tmux send-keys -t streamsql-capture "$1" Enter; sleep "${2:-0.3}"; }
send "SELECT word, COUNT(*) AS cnt"
send "FROM SOCKET('$addr') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)"
send "GROUP BY word WITH (checkpoint_interval = '1s')\\;" 8
{
  echo "# streamsql shell, table mode: the word count over SOCKET, redrawn in place as lines arrive"
  echo "# (captured with tmux capture-pane by docs/capture-shell.sh)"
  echo
  tmux capture-pane -t streamsql-capture -p
} > docs/shell-capture.txt
tmux send-keys -t streamsql-capture C-c; sleep 1
send "SHOW JOBS\\;" 1
{
  echo
  echo "# after Ctrl-C: the query is cancelled, the prompt is back, and SHOW JOBS no longer lists it"
  echo
  tmux capture-pane -t streamsql-capture -p | sed -n '/CANCELED/,$p' | sed '/^$/d'
} >> docs/shell-capture.txt
echo "wrote docs/shell-capture.txt"
