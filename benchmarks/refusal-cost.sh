#!/usr/bin/env bash
# What a refused call costs the node that refuses it (issue 15): the server's CPU time (utime + stime from
# /proc, the whole JVM: event loop, actors, GC, metrics) per call, for open-loop Echo/Say at RATE calls/s
# against a server pinned to one core, once with a limit that refuses nearly every call before it is decoded
# (`skein.server.limits.qps = 1`) and once with no limit and no `cpu_us` (every call answered). At k times
# its capacity a node refuses k - 1 calls per call it serves, so this figure bounds the goodput an overload
# can keep: see docs/governance.md, "What goodput can be".
#
#   benchmarks/refusal-cost.sh                   # RATE=15000 DURATION=10 WARMUP=10
#
# Writes the section of docs/benchmarks.md between "<!-- refusal-cost -->" and "<!-- /refusal-cost -->"
# (appended at the end the first time). Environment: RATE (15000), PAYLOAD (1024), DURATION (10), WARMUP
# (10, an unmeasured run of the same load first), SERVER_CPU (0), CLIENT_CPU (1), SKIP_BUILD (0), OUT_MD,
# NOTE (a sentence for the section).
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RATE="${RATE:-15000}"
PAYLOAD="${PAYLOAD:-1024}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-10}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
NOTE="${NOTE:-}"
JAR=examples/target/skein.jar
COMMAND_LINE="RATE=$RATE PAYLOAD=$PAYLOAD DURATION=$DURATION WARMUP=$WARMUP $(printf '%q ' "$0" "$@")"

log() { printf '[refusal-cost %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin server and load generator"
command -v python3 >/dev/null || die "python3 is needed"
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests package"
    mvn -B -q -DskipTests package
fi
[[ -f "$JAR" ]] || die "$JAR is missing"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-refusal-cost.XXXXXX")"
SERVER_PID=""
stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT
START_DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

# case NAME CONFIG: a fresh server with CONFIG, a warm-up run, then the measured run; one JSON line in results.
run_case() {
    local name="$1" port
    printf '%s\n' "$2" >"$WORK/$name.conf"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    taskset -c "$SERVER_CPU" java -jar "$JAR" serve --port "$port" --host 127.0.0.1 --config "$WORK/$name.conf" \
        >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        grep -q '^listening on ' "$WORK/$name.log" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the $name server exited: $(tail -3 "$WORK/$name.log")"
        sleep 0.1
    done
    local bench=(taskset -c "$CLIENT_CPU" java -jar "$JAR" bench --target "skein://127.0.0.1:$port"
                 --method Echo/Say --payload "$PAYLOAD" --rate "$RATE" --json)
    log "$name: warm-up ${WARMUP} s"
    "${bench[@]}" --duration "$WARMUP" --warmup 0 >/dev/null 2>&1 || log "WARNING: the warm-up failed"
    local before after out
    before="$(ticks)"
    log "$name: ${DURATION} s at $RATE calls/s"
    out="$("${bench[@]}" --duration "$DURATION" --warmup 0 2>"$WORK/bench.err" | grep -m1 '^{')" \
        || die "$name: bench printed no result: $(tail -3 "$WORK/bench.err")"
    after="$(ticks)"
    stop_server
    python3 -c '
import json, sys
r = json.loads(sys.argv[1]); r["case"] = sys.argv[2]; r["serverCpuSeconds"] = (int(sys.argv[4]) - int(sys.argv[3])) / 100
print(json.dumps(r))' "$out" "$name" "$before" "$after" >>"$WORK/results.jsonl"
}

run_case refused 'skein.server.limits.qps = 1'
run_case answered ''

DATE="$START_DATE" LOAD_START="$LOAD_START" LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)" NPROC="$(nproc)" \
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" JAVA_VERSION="$(java -version 2>&1 | head -1)" \
CMD_LINE="$COMMAND_LINE" RESULTS="$WORK/results.jsonl" OUT_MD="$OUT_MD" NOTE="$NOTE" RATE="$RATE" \
PAYLOAD="$PAYLOAD" SERVER_CPU="$SERVER_CPU" CLIENT_CPU="$CLIENT_CPU" python3 - <<'PY'
import json, os
env = os.environ
rows = [json.loads(l) for l in open(env["RESULTS"]) if l.strip()]
md = ["<!-- refusal-cost -->", "## What a refused call costs the node (issue 15)", "",
      f"Written by `benchmarks/refusal-cost.sh`. Open-loop Echo/Say, {env['PAYLOAD']}-byte payload, at "
      f"{int(env['RATE']):,} calls/s against a server pinned to CPU {env['SERVER_CPU']} (the load generator on CPU "
      f"{env['CLIENT_CPU']}); the server's CPU time (user + system, the whole JVM) over the measured run, per call. "
      "`refused`: `skein.server.limits.qps = 1`, so nearly every call is answered `RESOURCE_EXHAUSTED` before its "
      "request is decoded; `answered`: no limit, no `cpu_us`, every call served.", ""]
if env.get("NOTE"):
    md += [f"**{env['NOTE']}**", ""]
md += [f"- Date: {env['DATE']}; machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}; "
       f"load average {env['LOAD_START']} at the start, {env['LOAD_END']} at the end.",
       f"- Command: `{env['CMD_LINE'].strip()}`", "",
       "| case | calls | refused | answered OK | other errors | server CPU s | server CPU share | µs of server CPU per call |",
       "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for r in rows:
    refused = sum(r.get("refusals", {}).values())
    other = sum(r.get("errors", {}).values()) - refused
    ok = round(r["okQps"] * r["durationSeconds"])
    cpu = r["serverCpuSeconds"]
    md.append(f"| {r['case']} | {r['calls']:,} | {refused:,} | {ok:,} | {other:,} | {cpu:.2f} | "
              f"{cpu / r['durationSeconds'] * 100:.0f} % | {cpu * 1e6 / max(1, r['calls']):.1f} |")
md += ["", "<!-- /refusal-cost -->"]
section = "\n".join(md)
path = env["OUT_MD"]
text = open(path).read()
start, end = text.find("<!-- refusal-cost -->"), text.find("<!-- /refusal-cost -->")
if start >= 0 and end > start:
    text = text[:start] + section + text[end + len("<!-- /refusal-cost -->"):]
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
log "wrote the refusal-cost section of $OUT_MD"
}
