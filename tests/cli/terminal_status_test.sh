#!/usr/bin/env bash
# The live status of `flowrun run` on a terminal, under tmux (send-keys, capture-pane): a block
# with a row per query, redrawn in place every second (its header is on the screen once, however
# long it runs, and its clock moves); a warning written to stderr meanwhile shows above the
# block, whole; Ctrl-C ends the run with exit 0 and the final summary under the last block. Not
# on a terminal — stderr to a file, or `--progress text` — progress stays plain lines.
# Usage: terminal_status_test.sh FLOWRUN
set -u
flowrun=$(realpath "$1")
command -v tmux >/dev/null || { echo "FAIL: tmux is missing (scripts/setup installs it)"; exit 1; }
tmp=$(mktemp -d)
socket="flow-status-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cat > "$tmp/app.flow" <<'FLOW'
source views from kafka "views" as json { user: string, bytes: int } with (partitions = 2);
sink out to kafka "views-out" as json;
query big_views {
    from views
    | where bytes > 10
    | into out
}
FLOW
# The third line is not JSON and the source has no dead-letter topic: a warning on stderr mid-run.
printf '%s\n' '{"user":"ann","bytes":20}' '{"user":"bob","bytes":5}' 'not json' '{"user":"cid","bytes":30}' > "$tmp/views.jsonl"
run="cd '$tmp' && TERM=xterm timeout --foreground -k 5 60 '$flowrun' run app.flow --embedded-kafka --input views=views.jsonl"
tmux -L "$socket" new-session -d -s status -x 160 -y 40 "$run --state-dir '$tmp/s1'; echo EXIT=\$?; sleep 60"
screen() { tmux -L "$socket" capture-pane -p -t status 2>/dev/null; }
for _ in $(seq 100); do screen | grep -q '^query ' && break; sleep 0.1; done
first=$(screen | grep -o 'up [0-9:]*')
sleep 3
screen > "$tmp/screen1"
second=$(grep -o 'up [0-9:]*' "$tmp/screen1")
headers=$(grep -c '^query ' "$tmp/screen1")
[ "$headers" = 1 ] && echo "ok: the block is drawn in place (one header after 3 s)" || fail "$headers headers on the screen"
[ -n "$first" ] && [ "$first" != "$second" ] && echo "ok: the block refreshes ($first, then $second)" || fail "clock '$first' then '$second'"
if grep -Eq '^big_views +[0-9]+ +[0-9]+ +4 +0 ' "$tmp/screen1"; then echo "ok: the query's row: 4 in, lag 0"; else fail "no row for big_views"; fi
warning=$(grep -n 'warning: source `views` partition .* dropped' "$tmp/screen1" | cut -d: -f1)
header=$(grep -n '^query ' "$tmp/screen1" | cut -d: -f1)
if [ -n "$warning" ] && [ "$warning" -lt "$header" ]; then echo "ok: the warning shows above the block"; else fail "warning not above the block"; fi
tmux -L "$socket" send-keys -t status C-c
for _ in $(seq 100); do screen | grep -q '^EXIT=' && break; sleep 0.1; done
screen > "$tmp/screen2"
if grep -q '^EXIT=0' "$tmp/screen2" && grep -q 'flowrun: 4 records in, 2 out, 1 dead-lettered' "$tmp/screen2" &&
   [ "$(grep -c '^query ' "$tmp/screen2")" = 1 ]; then
  echo "ok: Ctrl-C: exit 0, the summary under the last block"
else
  fail "after Ctrl-C:"; cat "$tmp/screen2"
fi
if [ "$failures" -gt 0 ]; then echo "--- screen"; cat "$tmp/screen1"; fi

# Not a terminal: plain progress lines, as before.
(cd "$tmp" && TERM=xterm timeout -k 5 60 "$flowrun" run app.flow --embedded-kafka --input views=views.jsonl \
  --state-dir "$tmp/s2" --until-idle > /dev/null 2> "$tmp/plain.err")
if grep -q '^flowrun: progress: query big_views: 4 in' "$tmp/plain.err" && ! grep -q '^query ' "$tmp/plain.err"; then
  echo "ok: stderr to a file gets progress lines"
else
  fail "stderr to a file:"; cat "$tmp/plain.err"
fi
# A terminal, with --progress text: lines too.
tmux -L "$socket" new-window -t status -n text "$run --state-dir '$tmp/s3' --until-idle --progress text; echo EXIT=\$?; sleep 60"
for _ in $(seq 150); do tmux -L "$socket" capture-pane -p -t status:text | grep -q '^EXIT=' && break; sleep 0.1; done
tmux -L "$socket" capture-pane -p -t status:text > "$tmp/screen3"
if grep -q 'flowrun: progress: query big_views: 4 in' "$tmp/screen3" && ! grep -q '^query ' "$tmp/screen3"; then
  echo "ok: --progress text on a terminal gets lines"
else
  fail "--progress text on a terminal:"; cat "$tmp/screen3"
fi
[ "$failures" = 0 ] && echo "all passed" || { echo "$failures failed"; exit 1; }
