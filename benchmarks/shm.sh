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
#
#   benchmarks/shm.sh                                   # ROUNDS=3 DURATION=10 WARMUP=10 CASE_WARMUP=3 IDLE=20
#   ROUNDS=1 DURATION=2 WARMUP=3 CASE_WARMUP=1 IDLE=5 benchmarks/shm.sh     # a quick proof that it runs
#
# Writes the section of docs/benchmarks.md between "<!-- shm -->" and "<!-- /shm -->" (appended after
# the "<!-- history -->" section when absent). Environment: ROUNDS (3), DURATION (10), WARMUP (10: server
# JIT warm-up), CASE_WARMUP (3), SIZES ("64 1024 16384 65536 1048576"), CONCURRENCY (100), IDLE (20 s per
# idle window), SERVER_CPU (0), CLIENT_CPU (1), PORT (18475), SKIP_BUILD (0), SKIP_GO (0), OUT_MD.
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
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
JAR=examples/target/skein.jar
COMMAND_LINE="ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CASE_WARMUP=$CASE_WARMUP IDLE=$IDLE $(printf '%q ' "$0" "$@")"

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

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-shm-bench.XXXXXX")"
SOCK="$WORK/echo.sock"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; fi
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

bench() { # $1 = target, $2 = payload, $3 = concurrency, $4 = duration, $5 = warm-up
    taskset -c "$CLIENT_CPU" java -jar "$JAR" bench --target "$1" --method Echo/Say --payload "$2" \
        --concurrency "$3" --duration "$4" --warmup "$5" --connections 1 --json
}
log "JIT warm-up of the server: ${WARMUP} s (both transports, 1 KB and 64 KB)"
half=$(( (WARMUP + 1) / 2 ))
for t in "$TCP" "$SHM"; do bench "$t" 1024 16 "$half" 0 >/dev/null; bench "$t" 65536 4 1 0 >/dev/null; done

for r in $(seq 1 "$ROUNDS"); do
    for size in $SIZES; do
        for t in tcp shm; do
            target="$TCP"; [[ "$t" == shm ]] && target="$SHM"
            log "round $r: c=1 $size B over $t"
            bench "$target" "$size" 1 "$DURATION" "$CASE_WARMUP" | json_only \
                | sed "s/^{/{\"case\":\"c1\",\"transport\":\"$t\",\"size\":$size,\"round\":$r,/" >>"$WORK/raw.jsonl"
        done
    done
    for t in tcp shm; do
        target="$TCP"; [[ "$t" == shm ]] && target="$SHM"
        log "round $r: c=$CONCURRENCY 1 KB over $t"
        bench "$target" 1024 "$CONCURRENCY" "$DURATION" "$CASE_WARMUP" | json_only \
            | sed "s/^{/{\"case\":\"c$CONCURRENCY\",\"transport\":\"$t\",\"size\":1024,\"round\":$r,/" >>"$WORK/raw.jsonl"
    done
done

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
SHARED="${SHARED_MACHINE:-}" python3 - <<'PY'
import json, os, statistics
env = os.environ
rows = [json.loads(l) for l in open(env["RAW"]) if l.strip()]
def med(case, transport, size, key):
    vals = [key(r) for r in rows if r["case"] == case and r["transport"] == transport and r.get("size") == size]
    return statistics.median(vals) if vals else None
def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)
def size_name(s):
    return f"{s // 1048576} MB" if s >= 1048576 else f"{s // 1024} KB" if s >= 1024 else f"{s} B"
c = env["CONCURRENCY"]
md = ["<!-- shm -->", "## Shared memory vs TCP (issue 11)", ""]
if env.get("SHARED"):
    md += [f"> {env['SHARED']}", ""]
md.append("One server JVM (`skein.jar serve --port P --shm SOCK`, Echo on both) pinned to one core, the load "
          "generator (`skein.jar bench --connections 1`, one JVM per case) on the other; `shm` is `shm://SOCK`, "
          "`tcp` is `skein://127.0.0.1:P`; the same server process answers both. "
          f"{env['ROUNDS']} rounds of {env['DURATION']} s per case; medians of the rounds.")
md.append("")
md.append(f"- Date: {env['DATE']}; machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}.")
md.append(f"- Command: `{env['CMD_LINE'].strip()}`")
md.append("")
md.append("Round trip at concurrency 1 (Echo/Say, payload bytes each way):")
md.append("")
md.append("| payload | tcp p50 ms | shm p50 ms | tcp mean ms | shm mean ms | speed-up (mean) | shmipc-go Go-to-Go p50 ms |")
md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
sizes = sorted({r["size"] for r in rows if r["case"] == "c1"})
for s in sizes:
    tp = med("c1", "tcp", s, lambda r: r["latencyMs"]["p50"]); sp = med("c1", "shm", s, lambda r: r["latencyMs"]["p50"])
    tm = med("c1", "tcp", s, lambda r: r["latencyMs"]["mean"]); sm = med("c1", "shm", s, lambda r: r["latencyMs"]["mean"])
    go = med("go-c1", "shmipc-go", s, lambda r: r["latencyMs"]["p50"])
    speed = tm / sm if tm and sm else None
    md.append(f"| {size_name(s)} | {fmt(tp, '.3f')} | {fmt(sp, '.3f')} | {fmt(tm, '.3f')} | {fmt(sm, '.3f')} | "
              f"{fmt(speed, '.2f')}x | {fmt(go, '.3f')} |")
md.append("")
tq = med(f"c{c}", "tcp", 1024, lambda r: r["qps"]); sq = med(f"c{c}", "shm", 1024, lambda r: r["qps"])
gq = med(f"go-c{c}", "shmipc-go", 1024, lambda r: r["qps"])
terr = sum(sum(r["errors"].values()) if isinstance(r.get("errors"), dict) else 0 for r in rows if r["case"].startswith("c"))
md.append(f"Throughput at concurrency {c}, 1 KB: tcp **{fmt(tq, ',.0f')}** calls/s, shm **{fmt(sq, ',.0f')}** calls/s "
          f"({fmt(sq / tq if tq and sq else None, '.2f')}x); shmipc-go's own Go-to-Go ping-pong with {c} streams: "
          f"{fmt(gq, ',.0f')} round trips/s. Call errors over all Skein cases: {terr}.")
md.append("")
idle = {r["transport"]: r for r in rows if r["case"] == "idle"}
if idle:
    parts = []
    for t, label in (("none", "server alone"), ("tcp", "one idle TCP connection"), ("shm", "one idle shm session")):
        if t in idle:
            r = idle[t]
            parts.append(f"{label}: server {r['serverMs']} ms" + (f", client {r['clientMs']} ms" if t != "none" else ""))
    md.append(f"Idle cost, CPU time over {idle[next(iter(idle))]['seconds']} s (utime + stime from /proc; a session "
              "has no busy polling: the peer is woken by a Polling event on the socket only when its working flag "
              "was clear): " + "; ".join(parts) + ".")
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
