# shellcheck shell=bash
# Helpers for scripts/bench: brokers on loopback, the client, medians.
# Sourced, not run. Expects BENCH_TMP (a private temp dir) and BENCH_CLIENT
# (the connect_bench binary) to be set by the caller.

BENCH_PIDS=()          # brokers started by this run, stopped by bench_stop_all
BENCH_STARTUP_S=5      # a broker that is not listening by then has failed
# Debian installs the broker in /usr/sbin, outside a normal user's PATH.
BENCH_MOSQUITTO=${BENCH_MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}

bench_log() { printf '%s\n' "$*" >&2; }
bench_die() { bench_log "bench: $*"; exit 1; }

# A free TCP port on 127.0.0.1, chosen by the kernel. The short window before
# the broker binds it is covered by bench_start_broker's retry.
bench_free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The lines every broker of a comparison shares, so that only the
# authentication differs: no persistence, errors-only logging, loopback only.
bench_common_conf() {
  local port=$1
  echo "per_listener_settings false"
  echo "listener $port 127.0.0.1"
  echo "persistence false"
  echo "log_dest stderr"
  echo "log_type error"
  # As root the broker would switch to the mosquitto user, which may not
  # read our temp dir.
  if [ "$(id -u)" -eq 0 ]; then echo "user root"; fi
}

bench_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# bench_try_start NAME PORT CONF_BODY_FUNC [ARGS...]: 0 once listening.
bench_try_start() {
  local name=$1 port=$2 conf_func=$3; shift 3
  local conf="$BENCH_TMP/$name.conf" log="$BENCH_TMP/$name.log" pid i
  { bench_common_conf "$port"; "$conf_func" "$@"; } >"$conf"
  "$BENCH_MOSQUITTO" -c "$conf" 2>"$log" &
  pid=$!
  for ((i = 0; i < BENCH_STARTUP_S * 20; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" || true; return 1; fi
    if bench_port_open "$port"; then BENCH_PIDS+=("$pid"); return 0; fi
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

# bench_start_broker VAR NAME CONF_BODY_FUNC [ARGS...]: starts mosquitto with
# the common lines plus CONF_BODY_FUNC's output; stores the port in VAR.
# shellcheck disable=SC2034  # port_out is a nameref: assigning it is the result
bench_start_broker() {
  local -n port_out=$1
  local name=$2 attempt port
  shift 2
  for attempt in 1 2 3; do
    port=$(bench_free_port)
    if bench_try_start "$name" "$port" "$@"; then port_out=$port; return 0; fi
  done
  bench_log "--- $BENCH_TMP/$name.conf"; cat "$BENCH_TMP/$name.conf" >&2
  bench_log "--- $BENCH_TMP/$name.log"; cat "$BENCH_TMP/$name.log" >&2
  bench_die "broker '$name' did not start (attempt $attempt)"
}

bench_stop_all() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
}

# bench_busy_percent: how busy the CPUs are over half a second, in percent.
# (The load average would still count the previous benchmark run.)
bench_busy_percent() {
  local a b
  a=$(head -n 1 /proc/stat); sleep 0.5; b=$(head -n 1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    split(a, x); split(b, y)
    for (i = 2; i <= 11; i++) { total += y[i] - x[i] }
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.0f", (total > 0 ? 100 * (total - idle) / total : 0) }'
}

# bench_field LINE KEY: the value of KEY=value in a connect_bench line.
bench_field() {
  local kv
  for kv in $1; do
    if [ "${kv%%=*}" = "$2" ]; then echo "${kv#*=}"; return 0; fi
  done
  return 1
}

# bench_median V...: the median of numbers (mean of the middle two if even).
bench_median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_run_client ARGS...: one connect_bench run, its result line on stdout.
bench_run_client() {
  local line
  if ! line=$("$BENCH_CLIENT" --count "$BENCH_COUNT" --warmup "$BENCH_WARMUP" \
      --time-limit "$BENCH_RUN_LIMIT_S" "$@"); then
    bench_die "connect_bench failed: $BENCH_CLIENT $*"
  fi
  echo "$line"
}

# bench_compare FIGURE TARGET SUBJECT SUBJECT_ARGS BASE BASE_ARGS
# Runs the client against the baseline and the subject in alternation
# (BENCH_ROUNDS each, baseline first) so that drifts in machine load hit both
# alike, then prints the figure line on stdout and the rounds on stderr.
# SUBJECT_ARGS and BASE_ARGS name arrays of connect_bench arguments.
bench_compare() {
  local figure=$1 target=$2 subject=$3 base=$5 round line
  local -n subject_args=$4 base_args=$6
  local -a s_rates=() b_rates=() s_p50=() b_p50=() ratios=()
  for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    line=$(bench_run_client "${base_args[@]}")
    b_rates+=("$(bench_field "$line" connects_per_s)"); b_p50+=("$(bench_field "$line" p50_us)")
    bench_log "  round $round $base: $line"
    line=$(bench_run_client "${subject_args[@]}")
    s_rates+=("$(bench_field "$line" connects_per_s)"); s_p50+=("$(bench_field "$line" p50_us)")
    bench_log "  round $round $subject: $line"
    ratios+=("$(awk -v s="${s_rates[-1]}" -v b="${b_rates[-1]}" 'BEGIN { print s / b }')")
  done
  bench_report "$figure" "$target" "$subject" "$base" \
    "$(bench_median "${s_rates[@]}")" "$(bench_median "${b_rates[@]}")"
  bench_log "  median p50: $subject $(bench_median "${s_p50[@]}") us," \
    "$base $(bench_median "${b_p50[@]}") us; median of per-round ratios" \
    "$(bench_median "${ratios[@]}")"
}

# bench_report FIGURE TARGET SUBJECT BASE SUBJECT_RATE BASE_RATE
bench_report() {
  local figure=$1 target=$2 subject=$3 base=$4 s_rate=$5 b_rate=$6 ratio
  ratio=$(awk -v s="$s_rate" -v b="$b_rate" 'BEGIN { printf "%.3f", s / b }')
  printf '%s: %s %.0f/s vs %s %.0f/s = %sx (target >= %sx)\n' \
    "$figure" "$subject" "$s_rate" "$base" "$b_rate" "$ratio" "$target"
  if awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r < t) }'; then
    bench_log "  note: $figure is below its target"
  fi
}
