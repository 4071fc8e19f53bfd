# bench/joins/measure.sh — sourced by the join benchmarks (window_join.sh, table_join.sh): one
# measured flowrun on the embedded Kafka, its CPU (user + sys) and peak RSS from /usr/bin/time.
#
#   source "$root/bench/joins/measure.sh"   (sets $flowrun — $FLOWRUN or build/flowrun — and a
#                                            work directory $work, removed at exit)
#   measure_header
#   measure APP RUN RECORDS FLOW_FILE INPUT…   (each INPUT `SOURCE=FILE`)
#
# prints `APP,RUN,RECORDS,CPU_S,RECORDS_PER_CPU_S,PEAK_RSS_MB`; exits with flowrun's stderr tail
# when the run fails. `measure_base APP …` is the same with $FLOWRUN_BASE (another build's
# flowrun, for a before-and-after in one invocation) and does nothing when that is not set.

flowrun=${FLOWRUN:-$root/build/flowrun}
work=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh)-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

measure_header() { echo "app,run,records_in,cpu_s,records_per_cpu_s,peak_rss_mb"; }

measure() {
  local app=$1 run=$2 records=$3 flow=$4 inputs=() input
  shift 4
  for input in "$@"; do inputs+=(--input "$input"); done
  /usr/bin/time -f "%U %S %M" -o "$work/time" timeout -k 10 900 "${measure_flowrun:-$flowrun}" run "$flow" --embedded-kafka \
    "${inputs[@]}" --until-idle --threads 2 --state-dir "$work/state-$app-$run" >"$work/out-$app" 2>"$work/err-$app" ||
    { echo "$(basename "$0"): $app failed:"; tail -n 5 "$work/err-$app"; exit 1; }
  local user sys rss
  read -r user sys rss <"$work/time"
  awk -v a="$app" -v r="$run" -v n="$records" -v u="$user" -v s="$sys" -v m="$rss" \
    'BEGIN { printf "%s,%d,%d,%.2f,%.0f,%.0f\n", a, r, n, u + s, n / (u + s), m / 1024 }'
  rm -rf "$work/state-$app-$run"
}

measure_base() { [ -z "${FLOWRUN_BASE:-}" ] || measure_flowrun=$FLOWRUN_BASE measure "$@"; }
