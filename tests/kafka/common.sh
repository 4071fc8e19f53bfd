# Shared by the real-broker test scripts (sourced).

# The bootstrap address the `real kafka: start broker` fixture wrote; fails loudly without it.
broker_address() {
  local dir=$1
  if [ ! -s "$dir/bootstrap" ]; then
    echo "FAIL: no broker address in $dir/bootstrap (did \`real kafka: start broker\` fail? see its output)" >&2
    exit 1
  fi
  cat "$dir/bootstrap"
}

# A topic prefix no other test (or earlier run on the same broker) uses.
unique_prefix() { echo "t$(date +%s%N | tail -c 8)-$$-$1."; }

# create_topics ADMIN BROKERS "TOPIC PARTITIONS\n..." — all in one CreateTopics request.
create_topics() {
  local admin=$1 brokers=$2 topics=$3
  # shellcheck disable=SC2086
  "$admin" "$brokers" create $topics
}

# Kills a process we started, and its children, if it is still running.
stop_pid() {
  local pid=$1
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
