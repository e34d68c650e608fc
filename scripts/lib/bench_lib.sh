# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for scripts/bench: brokers on loopback, the client, medians.
# Sourced, not run. The caller sets BENCH_TMP (a private temp dir),
# BENCH_CLIENT (the connect_bench binary), BENCH_COUNT, BENCH_WARMUP,
# BENCH_ROUNDS and BENCH_RUN_LIMIT_S; BENCH_MOSQUITTO may name another broker.

BENCH_PIDS=()          # brokers started by this run, stopped by bench_stop_all
declare -A BENCH_PORT_PID=()  # port -> the broker listening there
BENCH_STARTUP_S=5      # a broker that is not listening by then has failed
# The CPU that the client and every broker share (taskset), or "none". With
# the client and the broker on one CPU a connect costs their sum, without
# cross-CPU wake-ups, whose cost swings from run to run on a small VM. Here
# (2-core VM) an A/A comparison of two stock brokers varied ~9% run to run
# unpinned, ~3.5% pinned to one CPU, and worse pinned to two.
BENCH_CPU=${BENCH_CPU-$(($(nproc) - 1))}
# Debian installs the broker in /usr/sbin, outside a normal user's PATH.
BENCH_MOSQUITTO=${BENCH_MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}

bench_log() { printf '%s\n' "$*" >&2; }

# bench_pin_prefix: the command words that pin a process to BENCH_CPU.
bench_pin_prefix() {
  if [ "$BENCH_CPU" != none ]; then echo "taskset -c $BENCH_CPU"; fi
}
bench_die() { bench_log "bench: $*"; exit 1; }

# bench_other_cpus_prefix: the command words that pin a process to every CPU
# but BENCH_CPU (to BENCH_CPU itself on a one-CPU machine): for what stands
# for other machines in a figure (other devices, a remote function).
bench_other_cpus_prefix() {
  [ "$BENCH_CPU" != none ] || return 0
  local others
  others=$(seq 0 $(($(nproc) - 1)) | awk -v cpu="$BENCH_CPU" '$1 != cpu' | paste -sd, -)
  echo "taskset -c ${others:-$BENCH_CPU}"
}

# bench_mosquitto_21: whether BENCH_MOSQUITTO is Mosquitto 2.1 or later, whose
# config form differs (no per_listener_settings; global_plugin).
bench_mosquitto_21() {
  local version
  version=$("$BENCH_MOSQUITTO" -h 2>/dev/null | awk 'NR == 1 { print $3 }' || true)
  printf '%s\n' 2.1 "$version" | sort -C -V
}

# A free TCP port on 127.0.0.1, chosen by the kernel. The short window before
# the broker binds it is covered by bench_start_broker's retry.
bench_free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The lines every broker of a comparison shares, so that only the
# authentication differs: no persistence, errors-only logging, loopback only.
# Mosquitto 2.0 needs per_listener_settings false for one plugin on every
# listener; 2.1 deprecates it (a warning at every start): global_plugin.
bench_common_conf() {
  local port=$1
  bench_mosquitto_21 || echo "per_listener_settings false"
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
  local -a pin
  read -r -a pin <<<"$(bench_pin_prefix)"
  { bench_common_conf "$port"; "$conf_func" "$@"; } >"$conf"
  # taskset execs the broker, so $! is the broker's own pid.
  "${pin[@]}" "$BENCH_MOSQUITTO" -c "$conf" 2>"$log" &
  pid=$!
  for ((i = 0; i < BENCH_STARTUP_S * 20; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" || true; return 1; fi
    if bench_port_open "$port"; then
      BENCH_PIDS+=("$pid"); BENCH_PORT_PID[$port]=$pid; return 0
    fi
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
  bench_log "--- $BENCH_TMP/$name.log (last lines)"; tail -n 20 "$BENCH_TMP/$name.log" >&2
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
  BENCH_PORT_PID=()
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
# A figure may set BENCH_CLIENT_CMD (a local array: the command words) to run
# another client that takes the same --count/--warmup/--time-limit options and
# prints the same line (tests/bench/scram_login_bench.js).
bench_run_client() {
  local line
  local -a pin client=("$BENCH_CLIENT")
  if [ -n "${BENCH_CLIENT_CMD+set}" ]; then client=("${BENCH_CLIENT_CMD[@]}"); fi
  read -r -a pin <<<"$(bench_pin_prefix)"
  if ! line=$("${pin[@]}" "${client[@]}" --count "$BENCH_COUNT" --warmup "$BENCH_WARMUP" \
      --time-limit "$BENCH_RUN_LIMIT_S" "$@"); then
    bench_die "${client[0]##*/} failed: ${client[*]} $*"
  fi
  echo "$line"
}

# bench_cpu_ns PID: CPU time the process has used, in ns (schedstat is exact;
# /proc/PID/stat counts clock ticks).
bench_cpu_ns() {
  if [ -r "/proc/$1/schedstat" ]; then
    awk '{ print $1 }' "/proc/$1/schedstat"
  else
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1e9 / hz }' "/proc/$1/stat"
  fi
}

# bench_process_cpu_ns PID: bench_cpu_ns summed over all the process's
# threads (a plugin's worker threads too).
bench_process_cpu_ns() {
  cat /proc/"$1"/task/*/schedstat | awk '{ ns += $1 } END { printf "%.0f\n", ns }'
}

# bench_arg NAME ARGS...: the value following NAME in ARGS.
bench_arg() {
  local name=$1
  shift
  while [ $# -gt 1 ]; do
    if [ "$1" = "$name" ]; then echo "$2"; return 0; fi
    shift
  done
  return 1
}

# bench_measured_run ARGS_ARRAY_NAME: one client run against the broker on
# the array's --port. Prints the client's line plus broker_cpu_us, the
# broker's CPU time per connect (warm-up included): a second view of the
# plugin's cost, on the broker's one thread, that the client's share does
# not dilute.
bench_measured_run() {
  local -n run_args=$1
  local pid cpu0 cpu1 line
  pid=${BENCH_PORT_PID[$(bench_arg --port "${run_args[@]}")]}
  cpu0=$(bench_cpu_ns "$pid") || return 1
  line=$(bench_run_client "${run_args[@]}") || return 1
  cpu1=$(bench_cpu_ns "$pid") || return 1
  echo "$line broker_cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" \
    -v n=$((BENCH_COUNT + BENCH_WARMUP)) 'BEGIN { printf "%.1f", (b - a) / 1000 / n }')"
}

# bench_median_field KEY LINE...: the median of KEY's values in the lines.
bench_median_field() {
  local key=$1 line
  local -a values=()
  shift
  for line in "$@"; do values+=("$(bench_field "$line" "$key")"); done
  bench_median "${values[@]}"
}

# bench_compare FIGURE TARGET SUBJECT SUBJECT_ARGS BASE BASE_ARGS (TARGET: a
# ratio, "-" for a control, or "none" for a figure that only reports)
# Runs the client against the baseline and the subject in alternation
# (BENCH_ROUNDS each, order swapped every round) so that drifts in machine
# load and the order within a pair (the previous run's TIME_WAIT sockets, for
# one) hit both alike; prints the figure line on stdout, the rounds on stderr.
# SUBJECT_ARGS and BASE_ARGS name arrays of connect_bench arguments.
bench_compare() {
  local figure=$1 target=$2 subject=$3 subject_args=$4 base=$5 base_args=$6 round i
  local -a s_lines=() b_lines=() ratios=()
  for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    # A B, B A, A B, ...: a run's position in its pair favours neither side.
    if ((round % 2)); then
      b_lines+=("$(bench_measured_run "$base_args")") || return 1
      bench_log "  round $round $base: ${b_lines[-1]}"
    fi
    s_lines+=("$(bench_measured_run "$subject_args")") || return 1
    bench_log "  round $round $subject: ${s_lines[-1]}"
    if ((round % 2 == 0)); then
      b_lines+=("$(bench_measured_run "$base_args")") || return 1
      bench_log "  round $round $base: ${b_lines[-1]}"
    fi
  done
  # A figure whose client counts something else names the field (BENCH_RATE_FIELD).
  local rate=${BENCH_RATE_FIELD:-connects_per_s}
  for i in "${!s_lines[@]}"; do
    ratios+=("$(awk -v s="$(bench_field "${s_lines[i]}" "$rate")" \
      -v b="$(bench_field "${b_lines[i]}" "$rate")" 'BEGIN { print s / b }')")
  done
  bench_report "$figure" "$target" "$subject" "$base" \
    "$(bench_median_field "$rate" "${s_lines[@]}")" \
    "$(bench_median_field "$rate" "${b_lines[@]}")"
  local p50_subject p50_base
  # Only the connect clients report a latency (publish_bench, with its own rate field, does not).
  p50_subject=$(bench_median_field p50_us "${s_lines[@]}" || true)
  p50_base=$(bench_median_field p50_us "${b_lines[@]}" || true)
  [ -n "${BENCH_RATE_FIELD:-}" ] || bench_log "  medians: p50 $subject $p50_subject us, $base $p50_base us"
  bench_log "  medians: broker CPU per ${BENCH_UNIT:-connect}" \
    "$subject $(bench_median_field broker_cpu_us "${s_lines[@]}") us," \
    "$base $(bench_median_field broker_cpu_us "${b_lines[@]}") us;" \
    "per-round rate ratios $(bench_median "${ratios[@]}")"
}

# bench_report FIGURE TARGET SUBJECT BASE SUBJECT_RATE BASE_RATE
# TARGET "-" marks a control (an A/A comparison), "none" a figure without one.
bench_report() {
  local figure=$1 target=$2 subject=$3 base=$4 s_rate=$5 b_rate=$6 ratio goal
  ratio=$(awk -v s="$s_rate" -v b="$b_rate" 'BEGIN { printf "%.3f", s / b }')
  goal="target >= ${target}x"
  [ "$target" != "-" ] || goal="control: ideally 1.000x"
  [ "$target" != "none" ] || goal="no target"
  printf '%s: %s %.0f/s vs %s %.0f/s = %sx (%s)\n' \
    "$figure" "$subject" "$s_rate" "$base" "$b_rate" "$ratio" "$goal"
  if [ "$target" != "-" ] && [ "$target" != "none" ] && awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r < t) }'; then
    bench_log "  note: $figure is below its target"
  fi
}

# bench_report_rate FIGURE TARGET RATE WHAT...: a figure that is a rate, not a
# ratio: "FIGURE: RATE/s WHAT (target >= TARGET/s)".
bench_report_rate() {
  local figure=$1 target=$2 rate=$3
  shift 3
  printf '%s: %.0f/s %s (target >= %s/s)\n' "$figure" "$rate" "$*" "$target"
  if awk -v r="$rate" -v t="$target" 'BEGIN { exit !(r < t) }'; then
    bench_log "  note: $figure is below its target"
  fi
}
