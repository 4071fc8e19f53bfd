#!/usr/bin/env bash
# A single-node Apache Kafka 3.9 broker (KRaft: broker and controller in one JVM) on loopback, on
# free ports, with its data in a temporary folder: the real broker of the real-kafka tests.
#
#   broker.sh start DIR    fetch the jars if missing, format, start, wait until `kcat -L` answers;
#                          DIR/bootstrap then holds HOST:PORT. On failure: the log's tail, exit 1.
#   broker.sh stop DIR     stop the broker and delete its data (idempotent)
#   broker.sh bounce DIR SECONDS   stop the broker (SIGTERM), wait, start it again on the same
#                          ports and data (the broker-restart fault test)
#   broker.sh pause DIR / resume DIR   the two halves of bounce
#   broker.sh fetch        only copy the jars into the cache (Maven Central, once)
#   broker.sh cluster-id [N]   print N new cluster ids (1; FLOW_KAFKA_CLUSTER_ID gives `start` one)
#
# DIR (in the build tree) keeps the bootstrap address, the pid, the config and broker.log; the
# data lives in a mktemp folder named in DIR/data_dir. A watchdog stops the broker when the
# process that started it (CTest, or your shell) is gone, so an interrupted run leaves nothing
# behind. The jars go to ${XDG_CACHE_HOME:-~/.cache}/flow/kafka-3.9.1/lib (FLOW_KAFKA_LIB
# overrides), copied there by tests/kafka/pom.xml. FLOW_KAFKA_HEAP sets the JVM heap (512m).
# bench/peers/run.sh starts its broker with this script too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=3.9.1
lib=${FLOW_KAFKA_LIB:-${XDG_CACHE_HOME:-$HOME/.cache}/flow/kafka-$version/lib}

log_tail() {
  local dir=$1
  if [ -f "$dir/broker.log" ]; then
    echo "---- last 40 lines of $dir/broker.log ----"
    tail -n 40 "$dir/broker.log"
    echo "----"
  fi
}

fetch() {
  if [ -f "$lib/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "broker: mvn is missing (bash scripts/setup installs maven)"; return 1; }
  echo "broker: copying Apache Kafka $version jars from Maven Central into $lib"
  mkdir -p "$lib"
  if ! mvn -B -q -Dstyle.color=never -f "$here/pom.xml" -Dkafka.lib="$lib" dependency:copy-dependencies; then
    echo "broker: Maven could not fetch the Kafka jars (network? see the output above)"
    return 1
  fi
  [ -f "$lib/kafka_2.13-$version.jar" ] || { echo "broker: kafka_2.13-$version.jar missing in $lib"; return 1; }
  touch "$lib/.complete"
}

# A new cluster id: a random UUID in URL-safe base64, as Kafka's `kafka-storage random-uuid`
# prints it. One in 64 such ids starts with '-'; like Kafka's Uuid.randomUuid, those are drawn
# again (and the id is passed as --cluster-id=ID, so even a given one is never read as a flag).
new_cluster_id() {  # [COUNT]: that many ids, one a line
  python3 -c '
import base64, sys, uuid
for _ in range(int(sys.argv[1])):
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            print(text)
            break' "${1:-1}"
}

java_opts=(-Xms256m "-Xmx${FLOW_KAFKA_HEAP:-512m}" -XX:+UseSerialGC -Djava.awt.headless=true)

alive() {  # the broker of DIR is running
  local dir=$1 pid
  [ -f "$dir/pid" ] || return 1
  pid=$(cat "$dir/pid")
  [ -n "$pid" ] && grep -q kafka.Kafka "/proc/$pid/cmdline" 2>/dev/null
}

launch() {  # starts the JVM (detached from our output, so CTest does not wait for it)
  local dir=$1
  setsid java "${java_opts[@]}" -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$lib/*" \
    kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/broker.log" 2>&1 &
  echo $! >"$dir/pid"
}

wait_ready() {  # until kcat -L answers, the broker dies, or 90 s pass (log lines after $2 only)
  local dir=$1 from=${2:-0} bootstrap
  bootstrap=$(cat "$dir/bootstrap")
  for _ in $(seq 1 180); do
    # The process, not yet the JVM: right after launch its command line may still be setsid's
    # (exec not done yet — seen under load), which `alive` would take for a broker that died.
    local pid state
    pid=$(cat "$dir/pid")
    state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null)
    if [ -z "$state" ] || [ "$state" = Z ]; then  # gone, or dead and not yet reaped
      echo "broker: the broker process exited during startup"
      return 1
    fi
    if kcat -L -b "$bootstrap" -m 2 >/dev/null 2>&1 && tail -n "+$((from + 1))" "$dir/broker.log" | grep -q "Kafka Server started"; then
      return 0
    fi
    sleep 0.5
  done
  echo "broker: no answer from $bootstrap within 90 s"
  return 1
}

stop_broker() {  # SIGTERM (controlled shutdown), SIGKILL after 20 s
  local dir=$1 pid
  alive "$dir" || return 0
  pid=$(cat "$dir/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 80); do
    alive "$dir" || return 0
    sleep 0.25
  done
  echo "broker: no clean shutdown in 20 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

start() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if alive "$dir"; then
    echo "broker: already running at $(cat "$dir/bootstrap") (pid $(cat "$dir/pid"))"
    return 0
  fi
  rm -f "$dir/bootstrap" "$dir/pid" "$dir/broker.log"
  command -v java >/dev/null || { echo "broker: java is missing (bash scripts/setup installs openjdk-17-jre-headless)"; return 1; }
  command -v kcat >/dev/null || { echo "broker: kcat is missing (bash scripts/setup installs it)"; return 1; }
  fetch

  local data ports broker_port controller_port cluster_id
  data=$(mktemp -d "${TMPDIR:-/tmp}/flow-kafka.XXXXXX")
  echo "$data" >"$dir/data_dir"
  ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
  read -r broker_port controller_port <<<"$ports"
  cluster_id=${FLOW_KAFKA_CLUSTER_ID:-$(new_cluster_id)}
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
num.network.threads=2
num.io.threads=2
background.threads=2
EOF
  cat >"$dir/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOF
  echo "127.0.0.1:$broker_port" >"$dir/bootstrap"
  local t0=$SECONDS
  if ! java "${java_opts[@]}" -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$lib/*" \
      kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$dir/server.properties" >>"$dir/broker.log" 2>&1; then
    echo "broker: formatting the storage failed"
    log_tail "$dir"
    rm -rf "$data"
    return 1
  fi
  launch "$dir"
  if ! wait_ready "$dir"; then
    log_tail "$dir"
    stop_broker "$dir"
    rm -rf "$data"
    return 1
  fi
  # The watchdog: when whoever started us is gone, stop the broker and delete its data.
  local owner=${FLOW_KAFKA_OWNER_PID:-$PPID}
  setsid bash -c '
    while kill -0 '"$owner"' 2>/dev/null && [ -f "'"$dir"'/pid" ]; do sleep 2; done
    [ -f "'"$dir"'/pid" ] && bash "'"$here"'/broker.sh" stop "'"$dir"'"' </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/watchdog_pid"
  echo "broker: Apache Kafka $version at $(cat "$dir/bootstrap") (pid $(cat "$dir/pid"), data $data, log $dir/broker.log) ready in $((SECONDS - t0)) s"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  stop_broker "$dir"
  rm -f "$dir/pid"
  if [ -f "$dir/data_dir" ]; then
    rm -rf "$(cat "$dir/data_dir")"
    rm -f "$dir/data_dir"
  fi
  rm -f "$dir/bootstrap" "$dir/watchdog_pid"
  echo "broker: stopped, data deleted (log kept in $dir/broker.log)"
}

pause() {  # stop the JVM, keep ports, config and data
  local dir=$1
  alive "$dir" || { echo "broker: not running"; return 1; }
  stop_broker "$dir"
  echo "broker: stopped (data kept)"
}

resume() {  # start it again on the same ports and data
  local dir=$1 lines
  [ -f "$dir/server.properties" ] && [ -f "$dir/data_dir" ] || { echo "broker: nothing to resume in $dir"; return 1; }
  alive "$dir" && return 0
  lines=$(wc -l <"$dir/broker.log")
  launch "$dir"
  if ! wait_ready "$dir" "$lines"; then
    log_tail "$dir"
    return 1
  fi
  echo "broker: running again at $(cat "$dir/bootstrap")"
}

bounce() {
  local dir=$1 seconds=$2
  pause "$dir"
  echo "broker: starting again in $seconds s"
  sleep "$seconds"
  resume "$dir"
}

case "${1:-}" in
  start) start "${2:?DIR}" ;;
  stop) stop "${2:?DIR}" ;;
  bounce) bounce "${2:?DIR}" "${3:-3}" ;;
  pause) pause "${2:?DIR}" ;;
  resume) resume "${2:?DIR}" ;;
  fetch) fetch ;;
  cluster-id) new_cluster_id "${2:-1}" ;;
  *) echo "usage: broker.sh start|stop|pause|resume DIR | bounce DIR SECONDS | fetch | cluster-id [N]" >&2; exit 2 ;;
esac
