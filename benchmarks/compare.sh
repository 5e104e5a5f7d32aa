#!/usr/bin/env bash
# Skein against grpc-java 1.85.1, measured the same way in one run (issue 4).
#
#   benchmarks/compare.sh                       # DURATION=15 WARMUP=10
#   DURATION=10 WARMUP=5 benchmarks/compare.sh  # shorter
#
# Builds what it needs (mvn -B -q -DskipTests package at the root; SKIP_BUILD=1 skips it), then, with
# every server pinned to CPU $SERVER_CPU and the load generator (java -jar examples/target/skein.jar bench)
# to CPU $CLIENT_CPU with taskset:
#   1. a Skein server (skein.jar serve), native skein://, Echo/Say 1 KB at concurrency 1, 100 and 1000;
#   2. the same Skein server over grpc://, same loads;
#   3. the plain grpc-java Echo server (io.skein.benchmarks.GrpcJavaEchoServer), over grpc://, same loads;
#   4. Echo/Chat (ping-pong on long-lived bidi streams) at concurrency 100 against all three.
# Each server first gets a JIT warm-up run (Echo/Say c=100 for WARMUP seconds, then Chat for half that),
# and every measured case starts with its own --warmup CASE_WARMUP seconds (the load generator is a new
# JVM each time). Writes docs/benchmarks.md (table, targets met/missed, machine, command) and
# docs/benchmarks-raw.jsonl (the load generator's --json line for every case, with "server" and "case"
# fields added). Keeps the JMH section of docs/benchmarks.md that follows the "<!-- jmh -->" marker.
#
# Environment: DURATION (15), WARMUP (10), CASE_WARMUP (min(WARMUP, 5)), PAYLOAD (1024),
# CONNECTIONS (unset: the client's skein.client.connections-per-endpoint), SERVER_CPU (0), CLIENT_CPU (1),
# SKEIN_PORT (18471), GRPC_JAVA_PORT (18472), SERVER_JAVA_OPTS, CLIENT_JAVA_OPTS, SKIP_BUILD (0),
# OUT_MD (docs/benchmarks.md), OUT_RAW (docs/benchmarks-raw.jsonl), H2LOAD (auto: when h2load is installed,
# also measure Echo/Say c=100 against both gRPC servers with it, an independent gRPC client, as a cross-check
# of the load generator's own gRPC client; 0 skips it).
set -euo pipefail
# The whole script is one block, so bash parses it all before running: editing this file while it runs
# cannot derail the run.
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COMMAND_LINE="$(printf '%q ' "$0" "$@")"

DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-10}"
if [[ -z "${CASE_WARMUP:-}" ]]; then
    CASE_WARMUP="$(python3 -c "print('%g' % min(float('$WARMUP'), 5.0))")"
fi
PAYLOAD="${PAYLOAD:-1024}"
CONNECTIONS="${CONNECTIONS:-}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SKEIN_PORT="${SKEIN_PORT:-18471}"
GRPC_JAVA_PORT="${GRPC_JAVA_PORT:-18472}"
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:-}"
CLIENT_JAVA_OPTS="${CLIENT_JAVA_OPTS:-}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
OUT_RAW="${OUT_RAW:-docs/benchmarks-raw.jsonl}"
H2LOAD="${H2LOAD:-auto}"
HOST=127.0.0.1

SKEIN_JAR="examples/target/skein.jar"
BENCH_JAR="benchmarks/target/skein-benchmarks.jar"

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin server and load generator"
command -v python3 >/dev/null || die "python3 is needed to parse the load generator's JSON"
command -v java >/dev/null || die "java (17+) is needed"
if [[ "$(nproc)" -lt 2 ]]; then
    log "WARNING: only $(nproc) CPU: server and load generator share it"
    SERVER_CPU=0
    CLIENT_CPU=0
fi

# ------------------------------------------------------------------ build
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests package"
    mvn -B -q -DskipTests package
fi
[[ -f "$SKEIN_JAR" ]] || die "$SKEIN_JAR is missing (build failed?)"
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR is missing (build failed?)"
SKEIN_HELP="$(java -jar "$SKEIN_JAR" help 2>&1 || true)"
grep -q "^ *bench " <<<"$SKEIN_HELP" || die "$SKEIN_JAR has no 'bench' command"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-compare.XXXXXX")"
RAW_TMP="$WORK/raw.jsonl"
: > "$RAW_TMP"
SERVER_PID=""

stop_server() {
    local pid="$SERVER_PID"
    SERVER_PID=""
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "server $pid ignored SIGTERM for 10 s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() {
    ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# start_server NAME PORT COMMAND...: starts the server pinned to SERVER_CPU, waits for "listening on".
start_server() {
    local name="$1" port="$2"
    shift 2
    port_free "$port" || die "port $port on $HOST is taken (set SKEIN_PORT / GRPC_JAVA_PORT)"
    local out="$WORK/$name.log"
    log "starting $name: taskset -c $SERVER_CPU $*"
    # taskset execs java, so $! is the JVM's pid.
    taskset -c "$SERVER_CPU" "$@" >"$out" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        if grep -q '^listening on ' "$out" 2>/dev/null; then
            log "$name: $(grep -m1 '^listening on ' "$out")"
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$out" >&2; die "$name exited before listening"; }
        sleep 0.1
    done
    cat "$out" >&2
    die "$name did not print 'listening on' within 60 s"
}

# bench_cmd TARGET METHOD CONCURRENCY DURATION WARMUP: prints the load generator's command line.
bench_cmd() {
    local target="$1" method="$2" c="$3" duration="$4" warmup="$5"
    local cmd=(taskset -c "$CLIENT_CPU" java)
    # shellcheck disable=SC2206
    [[ -n "$CLIENT_JAVA_OPTS" ]] && cmd+=($CLIENT_JAVA_OPTS)
    cmd+=(-jar "$SKEIN_JAR" bench --target "$target" --method "$method" --payload "$PAYLOAD"
          --concurrency "$c")
    if [[ -n "$CONNECTIONS" ]]; then
        cmd+=(--connections "$(( c < CONNECTIONS ? c : CONNECTIONS ))")
    fi
    cmd+=(--duration "$duration" --warmup "$warmup" --json)
    printf '%q ' "${cmd[@]}"
}

# warm SERVER TARGET: a JIT warm-up run for the server (results thrown away).
warm() {
    local server="$1" target="$2" half
    half="$(python3 -c "print('%g' % max(1.0, float('$WARMUP') / 2))")"
    log "JIT warm-up of $server via $target: Echo/Say c=100 ${WARMUP}s, Echo/Chat c=100 ${half}s"
    eval "$(bench_cmd "$target" Echo/Say 100 1 "$WARMUP")" >/dev/null 2>"$WORK/warm.err" \
        || { cat "$WORK/warm.err" >&2; log "WARNING: warm-up run of $server failed"; }
    eval "$(bench_cmd "$target" Echo/Chat 100 1 "$half")" >/dev/null 2>"$WORK/warm.err" \
        || { cat "$WORK/warm.err" >&2; log "WARNING: Chat warm-up run of $server failed"; }
}

FAILED_CASES=0

# run_case SERVER CASE TARGET METHOD CONCURRENCY: one measured run, its JSON line kept.
run_case() {
    local server="$1" case="$2" target="$3" method="$4" c="$5"
    local cmd out rc=0
    cmd="$(bench_cmd "$target" "$method" "$c" "$DURATION" "$CASE_WARMUP")"
    log "$server / $case: $cmd"
    out="$(eval "$cmd" 2>"$WORK/case.err")" || rc=$?
    local line
    line="$(printf '%s\n' "$out" | grep -m1 '^{' || true)"
    if [[ -z "$line" ]]; then
        FAILED_CASES=$((FAILED_CASES + 1))
        log "WARNING: $server / $case produced no JSON (exit $rc):"
        tail -20 "$WORK/case.err" >&2 || true
        line='{}'
    fi
    SERVER="$server" CASE="$case" RC="$rc" CMD="$cmd" LINE="$line" python3 - >>"$RAW_TMP" <<'PY'
import json, os
raw = json.loads(os.environ["LINE"])
rec = {"server": os.environ["SERVER"], "case": os.environ["CASE"]}
if not raw:
    rec["failed"] = True
    rec["exitCode"] = int(os.environ["RC"])
rec.update(raw)
print(json.dumps(rec, separators=(",", ":")))
PY
    local summary
    summary="$(LINE="$line" python3 -c '
import json, os
r = json.loads(os.environ["LINE"])
if r:
    l = r["latencyMs"]
    print("qps %.0f  p50 %.3f ms  p99 %.3f ms  errors %s" % (r["qps"], l["p50"], l["p99"], r["errors"] or 0))
')"
    [[ -n "$summary" ]] && log "  -> $summary"
    if [[ -n "$SERVER_PID" ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
        die "the $server server died during $case"
    fi
}

# h2load_case SERVER PORT: Echo/Say at c=100 from h2load (nghttp2), an independent gRPC client, on the same
# CPU as the load generator; a cross-check of the load generator's own gRPC client. h2load reports no
# percentiles (mean only) and sees gRPC errors only as HTTP statuses.
H2LOAD_CMD_EXAMPLE=""
h2load_case() {
    local server="$1" port="$2"
    [[ "$H2LOAD" != 0 ]] && command -v h2load >/dev/null || return 0
    local conns="${CONNECTIONS:-2}" body="$WORK/echo-request.grpc"
    [[ "$conns" -le 100 ]] || conns=100
    local streams=$(( (100 + conns - 1) / conns ))
    PAYLOAD="$PAYLOAD" BODY="$body" python3 - <<'PY'
import os
payload = bytes(i % 256 for i in range(int(os.environ["PAYLOAD"])))
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
msg = b"\x0a\x05bench" + (b"\x12" + varint(len(payload)) + payload if payload else b"")
with open(os.environ["BODY"], "wb") as f:
    f.write(b"\x00" + len(msg).to_bytes(4, "big") + msg)
PY
    local url="http://$HOST:$port/skein.examples.echo.Echo/Say"
    local cmd=(taskset -c "$CLIENT_CPU" h2load -c "$conns" -m "$streams" -d "$body"
               -H "content-type: application/grpc" -H "te: trailers")
    H2LOAD_CMD_EXAMPLE="$(printf '%q ' "${cmd[@]}" -D "$DURATION" "$url")"
    log "$server / h2load-say-c100: ${H2LOAD_CMD_EXAMPLE}"
    "${cmd[@]}" -D "$CASE_WARMUP" "$url" >/dev/null 2>&1 || true
    local out rc=0
    out="$("${cmd[@]}" -D "$DURATION" "$url" 2>&1)" || rc=$?
    SERVER="$server" OUT="$out" RC="$rc" CONNS="$conns" URL="$url" PAYLOAD="$PAYLOAD" python3 - >>"$RAW_TMP" <<'PY'
import json, os, re
out = os.environ["OUT"]
rec = {"server": os.environ["SERVER"], "case": "h2load-say-c100", "tool": "h2load", "target": os.environ["URL"],
       "payloadBytes": int(os.environ["PAYLOAD"]), "concurrency": 100, "connections": int(os.environ["CONNS"])}
fin = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", out)
req = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
lat = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", out)
codes = re.search(r"status codes: (\d+) 2xx", out)
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
if fin and req and lat:
    rec.update({"durationSeconds": float(fin.group(1)), "calls": int(req.group(2)),
                "errors": {k: v for k, v in (("failed", int(req.group(3))), ("errored", int(req.group(4))))
                           if v},
                "qps": float(fin.group(2)),
                "latencyMs": {"min": ms(lat.group(1), lat.group(2)), "max": ms(lat.group(3), lat.group(4)),
                              "mean": ms(lat.group(5), lat.group(6))}})
    # (a request cut off by -D can count as 2xx without being done, so only a shortfall counts)
    if codes and int(codes.group(1)) < int(req.group(2)):
        rec["errors"]["non-2xx"] = int(req.group(2)) - int(codes.group(1))
else:
    rec.update({"failed": True, "exitCode": int(os.environ["RC"]), "output": out[-400:]})
print(json.dumps(rec, separators=(",", ":")))
PY
    log "  -> $(tail -1 "$RAW_TMP" | cut -c1-200)"
}

SAY_LOADS=(1 100 1000)
START_DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
START_SECONDS=$SECONDS
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ 1, 2, 4: Skein
# shellcheck disable=SC2086
start_server skein "$SKEIN_PORT" java $SERVER_JAVA_OPTS -jar "$SKEIN_JAR" serve --port "$SKEIN_PORT" --host "$HOST"
SKEIN_SERVER_CMD="taskset -c $SERVER_CPU java ${SERVER_JAVA_OPTS:+$SERVER_JAVA_OPTS }-jar $SKEIN_JAR serve --port $SKEIN_PORT --host $HOST"
warm skein "skein://$HOST:$SKEIN_PORT"
for c in "${SAY_LOADS[@]}"; do
    run_case skein "say-c$c" "skein://$HOST:$SKEIN_PORT" Echo/Say "$c"
done
run_case skein chat-c100 "skein://$HOST:$SKEIN_PORT" Echo/Chat 100
warm skein-grpc "grpc://$HOST:$SKEIN_PORT"
for c in "${SAY_LOADS[@]}"; do
    run_case skein-grpc "say-c$c" "grpc://$HOST:$SKEIN_PORT" Echo/Say "$c"
done
run_case skein-grpc chat-c100 "grpc://$HOST:$SKEIN_PORT" Echo/Chat 100
h2load_case skein-grpc "$SKEIN_PORT"
stop_server

# ------------------------------------------------------------------ 3, 4: grpc-java
# shellcheck disable=SC2086
start_server grpc-java "$GRPC_JAVA_PORT" java $SERVER_JAVA_OPTS -cp "$BENCH_JAR" io.skein.benchmarks.GrpcJavaEchoServer \
    --port "$GRPC_JAVA_PORT" --host "$HOST"
GRPC_JAVA_SERVER_CMD="taskset -c $SERVER_CPU java ${SERVER_JAVA_OPTS:+$SERVER_JAVA_OPTS }-cp $BENCH_JAR io.skein.benchmarks.GrpcJavaEchoServer --port $GRPC_JAVA_PORT --host $HOST"
warm grpc-java "grpc://$HOST:$GRPC_JAVA_PORT"
for c in "${SAY_LOADS[@]}"; do
    run_case grpc-java "say-c$c" "grpc://$HOST:$GRPC_JAVA_PORT" Echo/Say "$c"
done
run_case grpc-java chat-c100 "grpc://$HOST:$GRPC_JAVA_PORT" Echo/Chat 100
h2load_case grpc-java "$GRPC_JAVA_PORT"
stop_server

ELAPSED=$((SECONDS - START_SECONDS))
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ report
mkdir -p "$(dirname "$OUT_MD")" "$(dirname "$OUT_RAW")"
cp "$RAW_TMP" "$OUT_RAW"

JAVA_VERSION="$(java -version 2>&1 | head -3)" \
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" NPROC="$(nproc)" KERNEL="$(uname -sr)" START_DATE="$START_DATE" ELAPSED="$ELAPSED" \
COMMAND_LINE="DURATION=$DURATION WARMUP=$WARMUP CASE_WARMUP=$CASE_WARMUP PAYLOAD=$PAYLOAD${CONNECTIONS:+ CONNECTIONS=$CONNECTIONS} $COMMAND_LINE" \
BENCH_EXAMPLE="$(bench_cmd "skein://$HOST:$SKEIN_PORT" Echo/Say 100 "$DURATION" "$CASE_WARMUP")" \
H2LOAD_CMD_EXAMPLE="$H2LOAD_CMD_EXAMPLE" SKEIN_SERVER_CMD="$SKEIN_SERVER_CMD" GRPC_JAVA_SERVER_CMD="$GRPC_JAVA_SERVER_CMD" \
DURATION="$DURATION" WARMUP="$WARMUP" CASE_WARMUP="$CASE_WARMUP" PAYLOAD="$PAYLOAD" \
SERVER_CPU="$SERVER_CPU" CLIENT_CPU="$CLIENT_CPU" RAW="$OUT_RAW" OUT_MD="$OUT_MD" \
python3 - <<'PY'
import json, os

env = os.environ
runs = {}
with open(env["RAW"]) as f:
    for line in f:
        line = line.strip()
        if line:
            r = json.loads(line)
            runs[(r["server"], r["case"])] = r

def get(server, case):
    r = runs.get((server, case))
    return None if r is None or r.get("failed") else r

def errors(r):
    return sum(r.get("errors", {}).values()) if r else 0

def fmt_num(v):
    return "—" if v is None else f"{v:,.0f}"

def fmt_ms(v):
    return "—" if v is None else f"{v:.3f}"

def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"

SERVERS = [("skein", "Skein", "skein:// (native)"), ("skein-grpc", "Skein", "grpc://"),
           ("grpc-java", "grpc-java 1.85.1", "grpc://")]
CASES = [("say-c1", "Echo/Say", 1), ("say-c100", "Echo/Say", 100), ("say-c1000", "Echo/Say", 1000),
         ("chat-c100", "Echo/Chat", 100)]

def qps(r): return r["qps"] if r else None
def p50(r): return r["latencyMs"]["p50"] if r else None
def p99(r): return r["latencyMs"]["p99"] if r else None

# ---- targets
def target(name, ok, detail, involved):
    errs = sum(errors(r) for r in involved if r)
    if ok is None:
        verdict = "not measured"
    else:
        verdict = "**met**" if ok else "**missed**"
        if errs:
            verdict += f" ({errs} failed calls in these runs)"
    return f"| {name} | {detail} | {verdict} |"

def cmp(a, b, fn):
    return None if a is None or b is None else fn(a, b)

n100, g100, j100 = get("skein", "say-c100"), get("skein-grpc", "say-c100"), get("grpc-java", "say-c100")
nchat, jchat = get("skein", "chat-c100"), get("grpc-java", "chat-c100")
n1, j1 = get("skein", "say-c1"), get("grpc-java", "say-c1")
targets = [
    target("Native unary 1 KB, c=100: QPS ≥ 1.5× grpc-java and p99 ≤ grpc-java's",
           cmp(n100, j100, lambda a, b: a["qps"] >= 1.5 * b["qps"] and p99(a) <= p99(b)),
           f"QPS {fmt_num(qps(n100))} vs {fmt_num(qps(j100))} ({ratio(qps(n100), qps(j100))}); "
           f"p99 {fmt_ms(p99(n100))} vs {fmt_ms(p99(j100))} ms", [n100, j100]),
    target("Skein over gRPC, unary 1 KB, c=100: QPS ≥ grpc-java's",
           cmp(g100, j100, lambda a, b: a["qps"] >= b["qps"]),
           f"QPS {fmt_num(qps(g100))} vs {fmt_num(qps(j100))} ({ratio(qps(g100), qps(j100))})", [g100, j100]),
    target("Streaming (Chat) c=100, native: msgs/s ≥ 1.5× grpc-java's",
           cmp(nchat, jchat, lambda a, b: a["qps"] >= 1.5 * b["qps"]),
           f"{fmt_num(qps(nchat))} vs {fmt_num(qps(jchat))} msgs/s ({ratio(qps(nchat), qps(jchat))})",
           [nchat, jchat]),
    target("Latency, unary 1 KB, c=1, native: p50 ≤ grpc-java's",
           cmp(n1, j1, lambda a, b: p50(a) <= p50(b)),
           f"p50 {fmt_ms(p50(n1))} vs {fmt_ms(p50(j1))} ms ({ratio(p50(n1), p50(j1))})", [n1, j1]),
]

# ---- results table
rows = []
for case, method, c in CASES:
    base = get("grpc-java", case)
    for server, label, proto in SERVERS:
        r = get(server, case)
        unit = "msgs/s" if method == "Echo/Chat" else "QPS"
        is_base = server == "grpc-java"
        rows.append("| {} c={} | {} | {} | {} | {} {} | {} | {} | {} | {} | {} | {} | {} |".format(
            method, c, label, proto,
            r["connections"] if r else "—",
            fmt_num(qps(r)), unit if r else "",
            "1.00×" if is_base and r else ratio(qps(r), qps(base)),
            fmt_ms(p50(r)), "1.00×" if is_base and r else ratio(p50(r), p50(base)),
            fmt_ms(p99(r)), "1.00×" if is_base and r else ratio(p99(r), p99(base)),
            fmt_ms(r["latencyMs"]["p999"]) if r else "—",
            ("FAILED (no result)" if (server, case) in runs else "not run") if r is None
            else (", ".join(f"{k}={v}" for k, v in r["errors"].items()) or "0")))

md = []
md.append("# Benchmarks: Skein against grpc-java")
md.append("")
md.append("Written by `benchmarks/compare.sh` (issue 4); do not edit by hand above the JMH section. "
          "Closed-loop load from Skein's own load generator (`skein.jar bench`) against each server in turn, "
          f"server pinned to CPU {env['SERVER_CPU']} and load generator to CPU {env['CLIENT_CPU']} (`taskset`), "
          "so every figure is a ratio measured in one run on one machine, not an absolute claim. "
          "Ratios are Skein's figure divided by grpc-java's for the same load "
          "(above 1 is better for QPS, below 1 is better for latency).")
md.append("")
md.append("## Targets (issue 4)")
md.append("")
md.append("| target | measured | verdict |")
md.append("| --- | --- | --- |")
md.extend(targets)
md.append("")
md.append("## Results")
md.append("")
md.append(f"Echo with a {env['PAYLOAD']}-byte payload. For Chat the rate is messages per second over long-lived "
          "bidi streams (one message in flight per stream, ping-pong) and latency is per message round trip. "
          "Latencies in milliseconds (HdrHistogram). Errors are failed calls by status; failed calls are counted, "
          "never dropped from the figures.")
md.append("")
md.append("| load | server | protocol | conns | rate | × grpc-java | p50 ms | × grpc-java | p99 ms | × grpc-java "
          "| p99.9 ms | errors |")
md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
md.extend(rows)
md.append("")
h_s, h_j = get("skein-grpc", "h2load-say-c100"), get("grpc-java", "h2load-say-c100")
if h_s or h_j or ("skein-grpc", "h2load-say-c100") in runs:
    md.append("")
    md.append("### Cross-check over gRPC with an independent client (h2load)")
    md.append("")
    md.append("The load generator's gRPC client is Skein's own, so the gRPC rows above measure it as much as the "
              "servers. The same Echo/Say c=100 load from h2load (nghttp2), on the load generator's CPU, against both "
              "gRPC servers; h2load reports no percentiles, only the mean, and sees gRPC errors only as HTTP statuses.")
    md.append("")
    md.append("| load | server | conns × streams | rate | × grpc-java | mean ms | × grpc-java | errors |")
    md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |")
    for server, label, r in (("skein-grpc", "Skein (grpc://)", h_s), ("grpc-java", "grpc-java 1.85.1", h_j)):
        is_base = server == "grpc-java"
        mean = r["latencyMs"]["mean"] if r else None
        base_mean = h_j["latencyMs"]["mean"] if h_j else None
        conns = r["connections"] if r else None
        md.append("| Echo/Say c=100 | {} | {} | {} QPS | {} | {} | {} | {} |".format(
            label, f"{conns} × {-(-100 // conns)}" if conns else "—", fmt_num(qps(r)),
            "1.00×" if is_base and r else ratio(qps(r), qps(h_j)), fmt_ms(mean),
            "1.00×" if is_base and r else ratio(mean, base_mean),
            "FAILED (no result)" if r is None else (", ".join(f"{k}={v}" for k, v in r["errors"].items()) or "0")))
    md.append("")
    md.append("h2load command (per server; the `-d` file is the gRPC-framed EchoRequest: message \"bench\" and "
              "the payload):")
    md.append("")
    md.append("```")
    md.append(env.get("H2LOAD_CMD_EXAMPLE", "").strip())
    md.append("```")
md.append("")
md.append("Raw results (one JSON object per case, as `bench --json` printed it, plus `server` and `case`; the "
          "h2load lines, `\"tool\":\"h2load\"`, are parsed from its output): `docs/benchmarks-raw.jsonl`.")
md.append("")
md.append("## How it was measured")
md.append("")
md.append(f"- Date: {env['START_DATE']} (the run took {int(env['ELAPSED']) // 60} min {int(env['ELAPSED']) % 60} s).")
md.append(f"- Machine: `nproc` = {env['NPROC']}, CPU: {env['CPU_MODEL']}, kernel {env['KERNEL']}; load average "
          f"(1, 5, 15 min) {env['LOAD_START']} at the start and {env['LOAD_END']} at the end "
          "(anything else running on the machine skews the figures).")
md.append("- JDK (`java -version`):")
md.append("")
md.append("```")
md.append(env["JAVA_VERSION"])
md.append("```")
md.append("")
md.append("- Command:")
md.append("")
md.append("```")
md.append(env["COMMAND_LINE"].strip())
md.append("```")
md.append("")
md.append("- Servers (each alone on the machine, one after the other):")
md.append("")
md.append("```")
md.append(env["SKEIN_SERVER_CMD"])
md.append(env["GRPC_JAVA_SERVER_CMD"])
md.append("```")
md.append("")
md.append("- Each measured case is one load-generator run, for example:")
md.append("")
md.append("```")
md.append(env["BENCH_EXAMPLE"].strip())
md.append("```")
md.append("")
md.append(f"- Warm-up: before its cases each server (and the Skein server again before its gRPC cases) gets a JIT "
          f"warm-up run of Echo/Say at c=100 for {env['WARMUP']} s and Echo/Chat at c=100 for half that; every "
          f"measured case then warms up for {env['CASE_WARMUP']} s (`--warmup`) before measuring for "
          f"{env['DURATION']} s (`--duration`).")
md.append("- The grpc-java server is `io.skein.benchmarks.GrpcJavaEchoServer` (benchmarks module): plain "
          "`grpc-netty-shaded` 1.85.1, `NettyServerBuilder`, default executor, an `EchoGrpc.EchoImplBase`.")
md.append("")

report = "\n".join(md)
path = env["OUT_MD"]
tail = ""
if os.path.exists(path):
    with open(path) as f:
        old = f.read()
    i = old.find("<!-- jmh -->")
    if i >= 0:
        tail = old[i:]
with open(path, "w") as f:
    f.write(report)
    if tail:
        f.write("\n" + tail)
print(report)
PY

log "wrote $OUT_MD and $OUT_RAW in $((SECONDS - START_SECONDS)) s"
if [[ "$FAILED_CASES" -gt 0 ]]; then
    log "WARNING: $FAILED_CASES case(s) produced no result"
    exit 1
fi
exit 0
}
