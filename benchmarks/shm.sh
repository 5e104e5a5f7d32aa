#!/usr/bin/env bash
# Skein over shared memory vs Skein over TCP (issue 11), between the same two processes kinds: one server
# JVM (`skein.jar serve --port P --shm SOCK`, serving Echo on both) pinned to one core, and the load
# generator (`skein.jar bench`) pinned to the other, run once per case against the same server JVM.
#   1. round-trip latency at concurrency 1 for 64 B, 1 KB, 16 KB, 64 KB and 1 MB (Echo/Say payloads);
#   2. throughput at concurrency 100, 1 KB;
#   3. shmipc-go's own Go-to-Go ping-pong (interop/shmipc `shmipc-peer bench`) on this machine, same cases;
#   4. the idle cost: CPU used by the server and by a client holding one idle session (shm and TCP).
# Targets (the issue's): shm >= 3x faster than TCP from 1 KB to 64 KB at c=1, >= 2x at 1 MB; >= 1.5x
# throughput at c=100. Figures are recorded, never asserted.
# With BASELINE=<git revision>, that revision's fat jar is built too (under target/shm-baseline/, once) and
# a second server JVM of it answers the same shm cases, interleaved with the others, as the "before" columns
# (e.g. BASELINE=bcc085c: shared memory before polling, skein.shm.polling).
#
#   benchmarks/shm.sh                                   # ROUNDS=3 DURATION=10 WARMUP=10 CASE_WARMUP=3 IDLE=20
#   BASELINE=bcc085c benchmarks/shm.sh                  # the same, with before/after columns
#   ROUNDS=1 DURATION=2 WARMUP=3 CASE_WARMUP=1 IDLE=5 benchmarks/shm.sh     # a quick proof that it runs
#
# Writes the section of docs/benchmarks.md between "<!-- shm -->" and "<!-- /shm -->" (appended after
# the "<!-- history -->" section when absent). Environment: ROUNDS (3), DURATION (10), WARMUP (10: server
# JIT warm-up), CASE_WARMUP (3), SIZES ("64 1024 16384 65536 1048576"), CONCURRENCY (100), IDLE (20 s per
# idle window), SERVER_CPU (0), CLIENT_CPU (1), PORT (18475; the baseline server uses PORT+1), BASELINE (none),
# SKIP_BUILD (0), SKIP_GO (0), OUT_MD, SHARED_MACHINE (a note printed above the figures).
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-10}"
CASE_WARMUP="${CASE_WARMUP:-3}"
SIZES="${SIZES:-64 1024 16384 65536 1048576}"
CONCURRENCY="${CONCURRENCY:-100}"
IDLE="${IDLE:-20}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PORT="${PORT:-18475}"
SKIP_BUILD="${SKIP_BUILD:-0}"
SKIP_GO="${SKIP_GO:-0}"
BASELINE="${BASELINE:-}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
JAR=examples/target/skein.jar
COMMAND_LINE="ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CASE_WARMUP=$CASE_WARMUP IDLE=$IDLE"
[[ -n "$BASELINE" ]] && COMMAND_LINE="$COMMAND_LINE BASELINE=$BASELINE"
COMMAND_LINE="$COMMAND_LINE $(printf '%q ' "$0" "$@")"

log() { printf '[shm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v taskset >/dev/null || die "taskset (util-linux) is needed"
command -v python3 >/dev/null || die "python3 is needed"
if [[ "$(nproc)" -lt 2 ]]; then SERVER_CPU=0; CLIENT_CPU=0; fi
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests -pl examples -am package"
    mvn -B -q -DskipTests -pl examples -am package
fi
[[ -f "$JAR" ]] || die "$JAR is missing"
BASE_JAR=""
if [[ -n "$BASELINE" ]]; then
    rev="$(git rev-parse --short "$BASELINE")" || die "unknown BASELINE revision $BASELINE"
    BASE_DIR="$ROOT/target/shm-baseline/$rev"
    BASE_JAR="$BASE_DIR/skein.jar"
    if [[ ! -f "$BASE_JAR" ]]; then
        log "building the baseline $rev into $BASE_DIR (package only: nothing is installed)"
        rm -rf "$BASE_DIR/src" && mkdir -p "$BASE_DIR/src"
        git archive "$rev" | tar -x -C "$BASE_DIR/src"
        (cd "$BASE_DIR/src" && mvn -B -q -DskipTests -pl examples -am package)
        cp "$BASE_DIR/src/examples/target/skein.jar" "$BASE_JAR"
    fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-shm-bench.XXXXXX")"
SOCK="$WORK/echo.sock"
BASE_SOCK="$WORK/before.sock"
SERVER_PID=""
BASE_PID=""
cleanup() {
    for pid in $SERVER_PID $BASE_PID; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
json_only() { grep '^{' || true; } # the Go peer logs to stdout too
trap cleanup EXIT

log "server on CPU $SERVER_CPU: port $PORT and shm://$SOCK"
taskset -c "$SERVER_CPU" java -jar "$JAR" serve --port "$PORT" --shm "$SOCK" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do grep -q "listening on shm://" "$WORK/server.log" && break; sleep 0.1; done
grep -q "listening on shm://" "$WORK/server.log" || die "server did not start: $(cat "$WORK/server.log")"
TCP="skein://127.0.0.1:$PORT"
SHM="shm://$SOCK"
TRANSPORTS="tcp shm"
if [[ -n "$BASE_JAR" ]]; then
    log "baseline server ($BASELINE) on CPU $SERVER_CPU: port $((PORT + 1)) and shm://$BASE_SOCK"
    taskset -c "$SERVER_CPU" java -jar "$BASE_JAR" serve --port "$((PORT + 1))" --shm "$BASE_SOCK" >"$WORK/before.log" 2>&1 &
    BASE_PID=$!
    for _ in $(seq 1 300); do grep -q "listening on shm://" "$WORK/before.log" && break; sleep 0.1; done
    grep -q "listening on shm://" "$WORK/before.log" || die "baseline server did not start: $(cat "$WORK/before.log")"
    TRANSPORTS="tcp shm before"
fi

bench() { # $1 = transport (tcp, shm, before), $2 = payload, $3 = concurrency, $4 = duration, $5 = warm-up
    local jar="$JAR" target="$TCP"
    [[ "$1" == shm ]] && target="$SHM"
    [[ "$1" == before ]] && { jar="$BASE_JAR"; target="shm://$BASE_SOCK"; }
    taskset -c "$CLIENT_CPU" java -jar "$jar" bench --target "$target" --method Echo/Say --payload "$2" \
        --concurrency "$3" --duration "$4" --warmup "$5" --connections 1 --json
}
log "JIT warm-up of the server(s): ${WARMUP} s (every transport, 1 KB and 64 KB)"
half=$(( (WARMUP + 1) / 2 ))
for t in $TRANSPORTS; do bench "$t" 1024 16 "$half" 0 >/dev/null; bench "$t" 65536 4 1 0 >/dev/null; done

for r in $(seq 1 "$ROUNDS"); do
    for size in $SIZES; do
        for t in $TRANSPORTS; do
            log "round $r: c=1 $size B over $t"
            bench "$t" "$size" 1 "$DURATION" "$CASE_WARMUP" | json_only \
                | sed "s/^{/{\"case\":\"c1\",\"transport\":\"$t\",\"size\":$size,\"round\":$r,/" >>"$WORK/raw.jsonl"
        done
    done
    for t in $TRANSPORTS; do
        log "round $r: c=$CONCURRENCY 1 KB over $t"
        bench "$t" 1024 "$CONCURRENCY" "$DURATION" "$CASE_WARMUP" | json_only \
            | sed "s/^{/{\"case\":\"c$CONCURRENCY\",\"transport\":\"$t\",\"size\":1024,\"round\":$r,/" >>"$WORK/raw.jsonl"
    done
done
if [[ -n "$BASE_PID" ]]; then kill "$BASE_PID" 2>/dev/null; wait "$BASE_PID" 2>/dev/null || true; BASE_PID=""; fi

# The idle cost: CPU ticks of the server and of a client holding one idle session, over IDLE seconds.
TICKS="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
idle_window() { # $1 = label, $2 = client pid or "", prints one JSON line
    local s0 c0=0 s1 c1=0
    s0=$(cpu_ticks "$SERVER_PID"); [[ -n "$2" ]] && c0=$(cpu_ticks "$2")
    sleep "$IDLE"
    s1=$(cpu_ticks "$SERVER_PID"); [[ -n "$2" ]] && c1=$(cpu_ticks "$2")
    printf '{"case":"idle","transport":"%s","seconds":%s,"serverMs":%s,"clientMs":%s}\n' "$1" "$IDLE" \
        "$(( (s1 - s0) * 1000 / TICKS ))" "$(( (c1 - c0) * 1000 / TICKS ))" >>"$WORK/raw.jsonl"
}
log "idle: the server alone for ${IDLE} s"
idle_window none ""
for t in tcp shm; do
    target="$TCP"; [[ "$t" == shm ]] && target="$SHM"
    taskset -c "$CLIENT_CPU" java -cp "$JAR" benchmarks/shm/IdleSession.java "$target" $(( IDLE + 30 )) \
        >"$WORK/idle-$t.log" 2>&1 &
    IDLE_PID=$!
    for _ in $(seq 1 600); do grep -q '^ready' "$WORK/idle-$t.log" && break; sleep 0.1; done
    grep -q '^ready' "$WORK/idle-$t.log" || die "idle client did not start: $(cat "$WORK/idle-$t.log")"
    sleep 2 # let the client's start-up settle before the window opens
    log "idle: one $t session for ${IDLE} s"
    idle_window "$t" "$IDLE_PID"
    kill "$IDLE_PID" 2>/dev/null; wait "$IDLE_PID" 2>/dev/null || true
done

GO_NOTE=""
if [[ "$SKIP_GO" != 1 ]] && command -v go >/dev/null; then
    log "building interop/shmipc (shmipc-go v0.2.0)"
    (cd interop/shmipc && go build -o "$WORK/shmipc-peer" .)
    log "shmipc-go Go-to-Go ping-pong (in-process server, one session), pinned to CPUs $SERVER_CPU,$CLIENT_CPU"
    for size in $SIZES; do
        taskset -c "$SERVER_CPU,$CLIENT_CPU" "$WORK/shmipc-peer" bench --size "$size" --concurrency 1 \
            --duration "${DURATION}s" --warmup "${CASE_WARMUP}s" | json_only \
            | sed "s/^{/{\"case\":\"go-c1\",\"transport\":\"shmipc-go\",\"size\":$size,/" >>"$WORK/raw.jsonl"
    done
    taskset -c "$SERVER_CPU,$CLIENT_CPU" "$WORK/shmipc-peer" bench --size 1024 --concurrency "$CONCURRENCY" \
        --duration "${DURATION}s" --warmup "${CASE_WARMUP}s" | json_only \
        | sed "s/^{/{\"case\":\"go-c$CONCURRENCY\",\"transport\":\"shmipc-go\",\"size\":1024,/" >>"$WORK/raw.jsonl"
else
    GO_NOTE="shmipc-go ping-pong skipped (no Go toolchain, or SKIP_GO=1)."
fi

DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')" CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
NPROC="$(nproc)" JAVA_VERSION="$(java -version 2>&1 | head -1)" CMD_LINE="$COMMAND_LINE" OUT_MD="$OUT_MD" \
RAW="$WORK/raw.jsonl" ROUNDS="$ROUNDS" DURATION="$DURATION" CONCURRENCY="$CONCURRENCY" GO_NOTE="$GO_NOTE" \
SHARED="${SHARED_MACHINE:-}" BASELINE="$BASELINE" python3 - <<'PY'
import json, os, statistics
env = os.environ
rows = [json.loads(l) for l in open(env["RAW"]) if l.strip()]
base = env.get("BASELINE", "")
def med(case, transport, size, key):
    vals = [key(r) for r in rows if r["case"] == case and r["transport"] == transport and r.get("size") == size]
    return statistics.median(vals) if vals else None
def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)
def ratio(a, b):
    return a / b if a and b else None
def size_name(s):
    return f"{s // 1048576} MB" if s >= 1048576 else f"{s // 1024} KB" if s >= 1024 else f"{s} B"
p50 = lambda r: r["latencyMs"]["p50"]
mean = lambda r: r["latencyMs"]["mean"]
c = env["CONCURRENCY"]
md = ["<!-- shm -->", "## Shared memory vs TCP (issue 11)", ""]
if env.get("SHARED"):
    md += [f"> {env['SHARED']}", ""]
md.append("One server JVM (`skein.jar serve --port P --shm SOCK`, Echo on both) pinned to one core, the load "
          "generator (`skein.jar bench --connections 1`, one JVM per case) on the other; `shm` is `shm://SOCK`, "
          "`tcp` is `skein://127.0.0.1:P`; the same server process answers both, with `skein.shm.polling` at its "
          "defaults. " + (f"`before` is shared memory as of `{base}`, answered by a second server JVM of that revision "
          "(same core, idle while the others run) and driven by that revision's `bench`, interleaved with the "
          "other cases. " if base else "") +
          f"{env['ROUNDS']} rounds of {env['DURATION']} s per case; medians of the rounds.")
md.append("")
md.append(f"- Date: {env['DATE']}; machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}.")
md.append(f"- Command: `{env['CMD_LINE'].strip()}`")
md.append("")
md.append("Round trip at concurrency 1 (Echo/Say, payload bytes each way); speed-up is tcp divided by shm:")
md.append("")
head = "| payload | tcp p50 ms | shm p50 ms | speed-up (p50) | tcp mean ms | shm mean ms | speed-up (mean) |"
rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
if base:
    head += " before: shm p50 ms | before: shm mean ms | before: speed-up (mean) |"
    rule += " ---: | ---: | ---: |"
md += [head + " shmipc-go Go-to-Go p50 ms |", rule + " ---: |"]
sizes = sorted({r["size"] for r in rows if r["case"] == "c1"})
speed = {}
for s in sizes:
    tp, sp, tm, sm = med("c1", "tcp", s, p50), med("c1", "shm", s, p50), med("c1", "tcp", s, mean), med("c1", "shm", s, mean)
    speed[s] = (ratio(tp, sp), ratio(tm, sm))
    line = (f"| {size_name(s)} | {fmt(tp, '.3f')} | {fmt(sp, '.3f')} | {fmt(speed[s][0], '.2f')}x | {fmt(tm, '.3f')} | "
            f"{fmt(sm, '.3f')} | {fmt(speed[s][1], '.2f')}x |")
    if base:
        bp, bm = med("c1", "before", s, p50), med("c1", "before", s, mean)
        line += f" {fmt(bp, '.3f')} | {fmt(bm, '.3f')} | {fmt(ratio(tm, bm), '.2f')}x |"
    md.append(line + f" {fmt(med('go-c1', 'shmipc-go', s, p50), '.3f')} |")
md.append("")
tq = med(f"c{c}", "tcp", 1024, lambda r: r["qps"]); sq = med(f"c{c}", "shm", 1024, lambda r: r["qps"])
bq = med(f"c{c}", "before", 1024, lambda r: r["qps"])
gq = med(f"go-c{c}", "shmipc-go", 1024, lambda r: r["qps"])
terr = sum(sum(r["errors"].values()) if isinstance(r.get("errors"), dict) else 0 for r in rows if r["case"].startswith("c"))
md.append(f"Throughput at concurrency {c}, 1 KB: tcp **{fmt(tq, ',.0f')}** calls/s, shm **{fmt(sq, ',.0f')}** calls/s "
          f"({fmt(ratio(sq, tq), '.2f')}x)" + (f"; before: shm {fmt(bq, ',.0f')} calls/s ({fmt(ratio(bq, tq), '.2f')}x)" if base else "")
          + f"; shmipc-go's own Go-to-Go ping-pong with {c} streams: {fmt(gq, ',.0f')} round trips/s. "
          f"Call errors over all Skein cases: {terr}.")
md.append("")
def verdict(sizes_, need):
    got = [(s, speed.get(s)) for s in sizes_ if s in speed]
    if not got:
        return "not measured"
    by = lambda k: all(v[k] is not None and v[k] >= need for _, v in got)
    return ("**met**" if by(1) else "missed") + " on the mean, " + ("**met**" if by(0) else "missed") + " on p50"
md.append("Targets: c=1 at least 3x faster from 1 KB to 64 KB: " + verdict([1024, 16384, 65536], 3)
          + "; at least 2x at 1 MB: " + verdict([1048576], 2) + f"; c={c} throughput at least 1.5x: "
          + ("**met**" if tq and sq and sq / tq >= 1.5 else "missed") + ".")
md.append("")
idle = {r["transport"]: r for r in rows if r["case"] == "idle"}
if idle:
    parts = []
    for t, label in (("none", "server alone"), ("tcp", "one idle TCP connection"), ("shm", "one idle shm session")):
        if t in idle:
            r = idle[t]
            parts.append(f"{label}: server {r['serverMs']} ms" + (f", client {r['clientMs']} ms" if t != "none" else ""))
    md.append(f"Idle cost, CPU time over {idle[next(iter(idle))]['seconds']} s (utime + stime from /proc), measured from "
              "2 s after the session's last call: a session polls its queue only for `skein.shm.polling.window` after "
              "its last data, then clears its working flag and its event loop blocks; the peer wakes it with a Polling "
              "event on the socket: " + "; ".join(parts) + ".")
    md.append("")
if env.get("GO_NOTE"):
    md += [env["GO_NOTE"], ""]
md.append("<!-- /shm -->")
section = "\n".join(md) + "\n"
path = env["OUT_MD"]
text = open(path).read() if os.path.exists(path) else ""
start, end = text.find("<!-- shm -->"), text.find("<!-- /shm -->")
if start >= 0 and end > start:
    text = text[:start] + section + text[end + len("<!-- /shm -->"):].lstrip("\n")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
print(section)
PY
exit 0
}
