#!/usr/bin/env bash
# Overload (issue 15): goodput and the latency of admitted calls against offered load, for each server
# limit: none (`off`), the adaptive limit on queueing delay (`gradient`, `aimd`) and a fixed concurrency
# limit (`fixed`). Echo/Say with CPU_US microseconds of server CPU per call (Echo's cpu_us), so the node's
# capacity sits well below what the load generator can offer.
#
#   benchmarks/overload.sh                                         # the full run (about 25 min)
#   DURATION=3 CASE_WARMUP=2 WARMUP=3 benchmarks/overload.sh       # a short run that proves it works
#
# 1. capacity = closed-loop QPS at concurrency 100 with CPU_US, limits off (after a JIT warm-up; the best of
#    CAPACITY_RUNS runs);
# 2. per mode (a server of its own, its JIT warmed at 0.5x capacity): open-loop `bench --rate` at LOADS times
#    the capacity (latency from each call's scheduled time, a TIMEOUT deadline per call); for `gradient`,
#    the client side at CLIENT_LOAD times the capacity through `bench --governance` (the default chain; a
#    service breaker that counts RESOURCE_EXHAUSTED as a failure; retries of refusals with the retry budget
#    on and off: attempts on the wire per call); then closed
#    loop at CLOSED_C callers with and without CPU_US (callers that send again the moment they are
#    answered or refused), each on a fresh server, the best of CLOSED_RUNS runs.
# The server is pinned to CPU $SERVER_CPU and the load generator to CPU $CLIENT_CPU (taskset). Writes the
# section of docs/benchmarks.md between "<!-- overload -->" and "<!-- /overload -->" (added after the
# "<!-- history -->" marker, which the other scripts keep), with a table and the same figures as CSV.
# Environment: CPU_US (500), PAYLOAD (1024), LOADS ("0.5 1 2 5 10"), MODES ("off gradient aimd fixed"),
# FIXED_LIMIT (100), DURATION (10), CASE_WARMUP (5), WARMUP (10), TIMEOUT (1000, ms), MAX_IN_FLIGHT (20000),
# CLOSED_C (1000), CLIENT_LOAD (5), CAPACITY_RUNS (2), CLOSED_RUNS (3), SERVER_CPU (0), CLIENT_CPU (1), PORT (a free one), SKIP_BUILD (0), OUT_MD,
# NOTE (a sentence for the section, e.g. that the machine was shared).
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CPU_US="${CPU_US:-500}"
PAYLOAD="${PAYLOAD:-1024}"
LOADS="${LOADS:-0.5 1 2 5 10}"
MODES="${MODES:-off gradient aimd fixed}"
FIXED_LIMIT="${FIXED_LIMIT:-100}"
DURATION="${DURATION:-10}"
CASE_WARMUP="${CASE_WARMUP:-5}"
WARMUP="${WARMUP:-10}"
TIMEOUT="${TIMEOUT:-1000}"
MAX_IN_FLIGHT="${MAX_IN_FLIGHT:-20000}"
CLOSED_C="${CLOSED_C:-1000}"
CLIENT_LOAD="${CLIENT_LOAD:-5}"
CAPACITY_RUNS="${CAPACITY_RUNS:-2}"
CLOSED_RUNS="${CLOSED_RUNS:-3}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PORT="${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
NOTE="${NOTE:-}"
JAR=examples/target/skein.jar
COMMAND_LINE="CPU_US=$CPU_US PAYLOAD=$PAYLOAD LOADS=\"$LOADS\" MODES=\"$MODES\" FIXED_LIMIT=$FIXED_LIMIT DURATION=$DURATION CASE_WARMUP=$CASE_WARMUP WARMUP=$WARMUP TIMEOUT=$TIMEOUT CLOSED_C=$CLOSED_C CLIENT_LOAD=$CLIENT_LOAD CAPACITY_RUNS=$CAPACITY_RUNS CLOSED_RUNS=$CLOSED_RUNS $(printf '%q ' "$0" "$@")"

log() { printf '[overload %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin server and load generator"
command -v python3 >/dev/null || die "python3 is needed to parse the load generator's JSON"
command -v java >/dev/null || die "java (17+) is needed"
if [[ "$(nproc)" -lt 2 ]]; then
    log "WARNING: only $(nproc) CPU: server and load generator share it"
    SERVER_CPU=0
    CLIENT_CPU=0
fi
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests package"
    mvn -B -q -DskipTests package
fi
[[ -f "$JAR" ]] || die "$JAR is missing (build failed?)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-overload.XXXXXX")"
RAW="$WORK/raw.jsonl"
: >"$RAW"
SERVER_PID=""
SERVER_RUNS=0

stop_server() {
    local pid="$SERVER_PID"
    SERVER_PID=""
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# mode_config MODE: the server configuration of a mode, as a file.
mode_config() {
    local file="$WORK/$1.conf"
    case "$1" in
        off) : >"$file" ;;
        gradient|aimd) printf 'skein.server.limits.adaptive { enabled = on, algorithm = %s }\n' "$1" >"$file" ;;
        fixed) printf 'skein.server.limits.max-concurrent-calls = %s\n' "$FIXED_LIMIT" >"$file" ;;
        *) die "unknown mode $1 (off, gradient, aimd, fixed)" ;;
    esac
    printf '%s' "$file"
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_server() { # MODE
    local config out="$WORK/server-$1.log.$((++SERVER_RUNS))"
    port_free "$PORT" || die "port $PORT on 127.0.0.1 is taken (set PORT)"
    config="$(mode_config "$1")"
    log "server ($1) on CPU $SERVER_CPU, port $PORT: $(tr '\n' ' ' <"$config")"
    SKEIN_LOG_LEVEL=INFO taskset -c "$SERVER_CPU" java -jar "$JAR" serve --port "$PORT" --host 127.0.0.1 \
        --config "$config" >"$out" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        grep -q '^listening on ' "$out" 2>/dev/null && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$out" >&2; die "the server exited before listening"; }
        sleep 0.1
    done
    die "the server did not print 'listening on' within 60 s"
}

# bench MODE CASE ARGS...: one load-generator run, its JSON line kept with the mode and case.
bench() {
    local mode="$1" case="$2"
    shift 2
    local cmd=(taskset -c "$CLIENT_CPU" java -jar "$JAR" bench --target "skein://127.0.0.1:$PORT" --method Echo/Say
               --payload "$PAYLOAD" --json "$@")
    log "$mode / $case: ${cmd[*]:3}"
    local out rc=0
    out="$("${cmd[@]}" 2>"$WORK/bench.err")" || rc=$?
    local line
    line="$(printf '%s\n' "$out" | grep -m1 '^{' || true)"
    if [[ -z "$line" ]]; then
        log "WARNING: $mode / $case produced no JSON (exit $rc): $(tail -3 "$WORK/bench.err")"
        line='{"failed":true}'
    fi
    MODE="$mode" CASE="$case" LINE="$line" python3 - >>"$RAW" <<'PY'
import json, os
rec = {"server": os.environ["MODE"], "case": os.environ["CASE"]}
rec.update(json.loads(os.environ["LINE"]))
print(json.dumps(rec, separators=(",", ":")))
PY
    log "  -> $(tail -1 "$RAW" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
if not r.get("failed"):
    print("ok %.0f/s  ok p99 %.2f ms  refused %s  errors %s" % (r["okQps"], r["okLatencyMs"]["p99"],
          sum(r["refusals"].values()), sum(r["errors"].values())))
')"
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        die "the server died during $mode / $case"
    fi
}

warm() { # MODE [RATE]: a JIT warm-up, closed loop c=100 (capacity) or open loop at RATE (under capacity, so
    # that no limit learns anything from it)
    local load=(--concurrency 100)
    [[ -n "${2:-}" ]] && load=(--rate "$2" --timeout "$TIMEOUT")
    log "JIT warm-up of the $1 server: ${load[*]}, ${WARMUP} s"
    taskset -c "$CLIENT_CPU" java -jar "$JAR" bench --target "skein://127.0.0.1:$PORT" --method Echo/Say \
        --payload "$PAYLOAD" --cpu-us "$CPU_US" "${load[@]}" --duration 1 --warmup "$WARMUP" --json \
        >/dev/null 2>&1 || log "WARNING: warm-up failed"
}

START_DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
START_SECONDS=$SECONDS
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ capacity
start_server off
warm off
# The best of CAPACITY_RUNS runs: on a shared machine one run can meet a neighbour's burst, and every rate
# below is a multiple of this figure.
for i in $(seq 1 "$CAPACITY_RUNS"); do
    bench off "capacity-$i" --cpu-us "$CPU_US" --concurrency 100 --duration "$DURATION" --warmup "$CASE_WARMUP"
done
CAPACITY="$(grep '"case":"capacity-' "$RAW" | python3 -c '
import json, sys
print(max([json.loads(l).get("okQps", 0) for l in sys.stdin if l.strip()] or [0]))')"
python3 -c "import sys; sys.exit(0 if float('$CAPACITY') > 0 else 1)" || die "no capacity measured"
log "capacity: $CAPACITY calls/s"
stop_server

# ------------------------------------------------------------------ the matrix
for mode in $MODES; do
    start_server "$mode"
    warm "$mode" "$(python3 -c "print('%.1f' % (0.5 * $CAPACITY))")"
    for load in $LOADS; do
        rate="$(python3 -c "print('%.1f' % ($load * $CAPACITY))")"
        bench "$mode" "open-$load" --cpu-us "$CPU_US" --rate "$rate" --max-in-flight "$MAX_IN_FLIGHT" \
            --timeout "$TIMEOUT" --duration "$DURATION" --warmup "$CASE_WARMUP"
    done
    if [[ "$mode" == gradient ]]; then
        rate="$(python3 -c "print('%.1f' % ($CLIENT_LOAD * $CAPACITY))")"
        retry='methods.Say { idempotent = true, retry { max-retries = 2, retryable-codes = [RESOURCE_EXHAUSTED, UNAVAILABLE] } }'
        printf 'skein.client.services."skein.examples.echo.Echo" { %s }\n' "$retry" >"$WORK/retry-budget.conf"
        printf 'skein.client.services."skein.examples.echo.Echo" { %s, retry.budget.enabled = false }\n' "$retry" \
            >"$WORK/retry-nobudget.conf"
        printf 'skein.client.services."skein.examples.echo.Echo".circuit-breaker.failure-codes = %s\n' \
            '[UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE, DATA_LOSS]' >"$WORK/breaker-re.conf"
        for client in defaults breaker-re retry-budget retry-nobudget; do
            args=(--governance)
            [[ "$client" != defaults ]] && args+=(--config "$WORK/$client.conf")
            bench "$mode" "client-$client" --cpu-us "$CPU_US" --rate "$rate" --max-in-flight "$MAX_IN_FLIGHT" \
                --timeout "$TIMEOUT" --duration "$DURATION" --warmup "$CASE_WARMUP" "${args[@]}"
        done
    fi
    stop_server
    # Closed loop on fresh servers: callers that never back off arrive at a limit that has not just been
    # through an open-loop overload (and they teach the churn guard to hold, which no later case should see).
    for closed in cpu nocpu; do
        start_server "$mode"
        warm "$mode" "$(python3 -c "print('%.1f' % (0.5 * $CAPACITY))")"
        cpu=()
        [[ "$closed" == cpu ]] && cpu=(--cpu-us "$CPU_US")
        # The best of CLOSED_RUNS runs: a closed loop without cpu_us runs ~100x the calls/s of the warm-up,
        # and one run's figure still moves by 20-30 % with the JIT from one server JVM to the next.
        for i in $(seq 1 "$CLOSED_RUNS"); do
            bench "$mode" "closed-$closed-$i" "${cpu[@]}" --concurrency "$CLOSED_C" --duration "$DURATION" \
                --warmup "$CASE_WARMUP"
        done
        stop_server
    done
    grep -h "churn" "$WORK"/server-"$mode".log.* | sed "s/^/[$mode] /" >>"$WORK/events.log" || true
done

ELAPSED=$((SECONDS - START_SECONDS))
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ report
DATE="$START_DATE" ELAPSED="$ELAPSED" LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" NPROC="$(nproc)" \
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" JAVA_VERSION="$(java -version 2>&1 | head -1)" \
CMD_LINE="$COMMAND_LINE" OUT_MD="$OUT_MD" RAW="$RAW" EVENTS="$WORK/events.log" CAPACITY="$CAPACITY" CPU_US="$CPU_US" \
PAYLOAD="$PAYLOAD" LOADS="$LOADS" MODES="$MODES" FIXED_LIMIT="$FIXED_LIMIT" TIMEOUT="$TIMEOUT" CLOSED_C="$CLOSED_C" CLOSED_RUNS="$CLOSED_RUNS" \
CLIENT_LOAD="$CLIENT_LOAD" DURATION="$DURATION" SERVER_CPU="$SERVER_CPU" CLIENT_CPU="$CLIENT_CPU" NOTE="$NOTE" \
python3 "$ROOT/benchmarks/overload-report.py"
log "wrote the overload section of $OUT_MD in $((SECONDS - START_SECONDS)) s"
}
