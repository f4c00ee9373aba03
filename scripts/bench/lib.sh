# shellcheck shell=bash
# The helpers the bash benchmark drivers of scripts/bench share. Sourced, not run, right after `set -euo pipefail`:
#
#   source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
#
# It only defines functions: it sets no shell option and starts nothing. The functions read what the driver sets:
# root and scratch (the repository and the build folder in it), tmp, ok and keep (the temp folder, whether the run
# succeeded, --keep), server_pid (the server started last) and helper_pids (background clients and pollers); and,
# where a driver wants other words than the defaults, server_label, stop_timeout_s and result_tags.
# shellcheck disable=SC2154 # those variables are the driver's

# log MESSAGE…: a step's heading.
log() { printf '\n== %s\n' "$*"; }

# --- build and ports -------------------------------------------------------------------------------------------
# build_products PRODUCT…: `swift build -c release` of just these products into $scratch, each command logged (a
# target someone is still writing elsewhere in the package then does not stop the benchmark).
build_products() {
  local product
  for product in "$@"; do
    log "build: swift build -c release --scratch-path $scratch --product $product"
    swift build -c release --scratch-path "$scratch" --product "$product"
  done
}

# find_binaries: sets switchyard and bench to the release binaries in $root/$scratch; exits 1 if one is missing.
find_binaries() {
  local b
  switchyard="$root/$scratch/release/switchyard"
  bench="$root/$scratch/release/switchyard-bench"
  for b in "$switchyard" "$bench"; do
    [ -x "$b" ] || { echo "missing $b (run without --no-build)" >&2; exit 1; }
  done
}

# free_ports N: N distinct free loopback ports on one line (bound together, so they differ, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
EOF
}

# --- processes and cleanup -------------------------------------------------------------------------------------
# stop_server: stops $server_pid and clears it: SIGTERM, up to $stop_timeout_s (15) s to drain, then SIGKILL; then
# SIGKILL to any of its children (found by parent pid beforehand) that outlived it.
stop_server() {
  [ -n "${server_pid:-}" ] || return 0
  local pid=$server_pid timeout_s=${stop_timeout_s:-15} children child
  server_pid=""
  children=$(pgrep -P "$pid" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $(( timeout_s * 10 ))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "warning: pid $pid did not stop within $timeout_s s of SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for child in $children; do
    if kill -0 "$child" 2>/dev/null; then
      echo "warning: child $child of $pid outlived it; killing it" >&2
      kill -KILL "$child" 2>/dev/null || true
    fi
  done
}

# stop_helpers: SIGTERM to every pid in helper_pids (clients and pollers still running), waits for them, empties it.
stop_helpers() {
  local pid
  for pid in ${helper_pids[@]+"${helper_pids[@]}"}; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in ${helper_pids[@]+"${helper_pids[@]}"}; do
    wait "$pid" 2>/dev/null || true
  done
  helper_pids=()
}

# finish_tmp WHAT: removes $tmp after a run that succeeded (ok=1) without --keep; otherwise says it kept WHAT there.
finish_tmp() {
  if [ "$ok" -eq 1 ] && [ "$keep" -eq 0 ]; then
    rm -rf "$tmp"
  else
    echo "$1 kept in $tmp" >&2
  fi
}

# cleanup: the EXIT trap of a driver: stops its helpers and its server, then finish_tmp.
cleanup() {
  stop_helpers
  stop_server
  finish_tmp "logs and data"
}

# wait_http URL DEADLINE_S [CURL_ARGS…]: polls until URL answers 200; fails if $server_pid died (the message calls it
# $server_label, "server" by default) or time ran out.
wait_http() {
  local url=$1 seconds=$2 deadline=$(( $(date +%s) + $2 ))
  shift 2
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the ${server_label:-server} exited before $url answered" >&2
      return 1
    fi
    if [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$@" "$url" || true)" = 200 ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "$url did not answer 200 within $seconds s" >&2
  return 1
}

# --- CPU -------------------------------------------------------------------------------------------------------
# machine_ticks: busy and total clock ticks of the whole machine so far (/proc/stat: user..steal, minus idle and
# iowait).
machine_ticks() { awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit }' /proc/stat; }

# machine_busy: cores busy machine-wide over one second.
machine_busy() {
  local a b
  a=$(machine_ticks)
  sleep 1
  b=$(machine_ticks)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.2f", (y[2] > x[2]) ? (y[1] - x[1]) / (y[2] - x[2]) * n : 0 }'
}

# measure_idle [TOP_FILE]: how busy the machine is before the run (other sessions share this VM): sets idle_busy and
# loadavg, says so, and warns above 0.25 cores. With TOP_FILE it also gives the load average, saves `top` there and
# shows its busiest processes with the warning.
# shellcheck disable=SC2120 # TOP_FILE is optional
measure_idle() {
  local top_file=${1:-}
  idle_busy=$(machine_busy)
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
  if [ -n "$top_file" ]; then
    top -bn1 | head -n 12 >"$top_file" || true
    echo "machine busy before the run: $idle_busy of $(nproc) cores; load average $loadavg"
  else
    echo "machine busy before the run: $idle_busy of $(nproc) cores"
  fi
  if awk -v b="$idle_busy" 'BEGIN { exit !(b > 0.25) }'; then
    echo "warning: something else is using the CPU; the figures below include its noise" >&2
    if [ -n "$top_file" ]; then sed -n '7,12p' "$top_file" >&2; fi
  fi
}

# cpu_ticks PID…: the sum of user+system clock ticks of these processes (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
  local total=0 pid stat fields
  for pid in "$@"; do
    stat=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    read -ra fields <<<"$stat"
    total=$(( total + fields[11] + fields[12] ))
  done
  echo "$total"
}

# process_tree PID: PID and all its descendants, one a line.
process_tree() {
  local pid=$1 child
  echo "$pid"
  for child in $(pgrep -P "$pid" 2>/dev/null || true); do process_tree "$child"; done
}

# --- results ---------------------------------------------------------------------------------------------------
# result_field FILE KEY: KEY's value in the last `result key=value …` line of FILE (or of a line starting with any
# word of $result_tags, a sed alternation such as 'result\|move', where the driver sets it).
result_field() {
  sed -n 's/^\('"${result_tags:-result}"'\) .*\b'"$2"'=\([^ ]*\).*/\2/p' "$1" | tail -1
}

# ratio A B: A / B to two decimals, or n/a when A is missing or B is not above 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# other BUSY CLIENT SERVER: cores busy machine-wide that were neither the client's nor the server's (at least 0).
other() { awk -v b="$1" -v c="$2" -v s="$3" 'BEGIN { o = b - c - s; printf "%.2f", (o < 0 ? 0 : o) }'; }

# other_of FILE: `other` from the machine_busy, client_cpu and server_cpu of FILE's result line.
other_of() {
  other "$(result_field "$1" machine_busy)" "$(result_field "$1" client_cpu)" "$(result_field "$1" server_cpu)"
}

# wrk_rps FILE: wrk's "Requests/sec", rounded.
wrk_rps() { awk '/^Requests\/sec:/ { print int($2 + 0.5) }' "$1"; }

# wrk_p99_ms FILE: wrk's 99th percentile latency (from --latency) in ms.
wrk_p99_ms() {
  awk '$1 == "99%" {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
    printf "%.2f", v }' "$1"
}

# wrk_non2xx FILE: wrk's count of non-2xx/3xx answers (0 when it names none).
wrk_non2xx() { awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }' "$1"; }

# wrk_socket_errors FILE: wrk's socket errors (connect, read, write, timeout) added up.
wrk_socket_errors() {
  awk '/Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0 } END { print n + 0 }' "$1"
}

# report_fleet_log FILE: counts FILE's lines at warning or above (swift-log's level follows the timestamp), crash
# reports, and processes that exited other than with 0 (the supervisor logs every exit with its status); shows 5.
report_fleet_log() {
  local pattern='^[^ ]+ (warning|error|critical) |Fatal error|status=(exited\([1-9]|signal)' count
  count=$(grep -Ec "$pattern" "$1" || true)
  echo "fleet log: $count lines at warning or above, crashes or non-zero exits ($1 with --keep)"
  if [ "$count" -gt 0 ]; then
    grep -E "$pattern" "$1" | head -n 5 || true
  fi
}
