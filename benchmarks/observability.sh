#!/usr/bin/env bash
# What observability costs a node (issue 12): Echo/Say 1 KB at concurrency 100, over the native protocol
# (skein://) and gRPC (grpc://), against four Skein servers that differ only in skein.observability:
#   off      skein.observability.enabled = off (no Kamon, no observer on the call path)
#   default  the documented defaults (RPC metrics, gauges, /metrics endpoint, tracing sampled at 1 %; no
#            exporter is configured, so sampled calls propagate their ids and flag but build no Kamon span)
#   exported the defaults with tracing.spans = always: 1 % of calls get a Kamon span, as with an exporter
#   sampled  the defaults with tracing.sampler = always and spans = always (a server span for every call)
# The servers run side by side, pinned to the same CPU ($SERVER_CPU); only the one under load does
# work. One client JVM (benchmarks/shm/Interleaved.java, on $CLIENT_CPU, not observed) loads them in turn,
# round after round, so each round compares the same machine state and no run pays a cold client's JIT; its
# first round warms it up and is not counted. Two JVMs of the same build differ by several per cent by the
# luck of their JIT alone, so the whole thing is repeated on FORKS fresh sets of servers. Besides QPS, the
# script measures each server's CPU per call (its threads' CPU time over the rounds, the JIT compiler's
# threads left out) from /proc. Target: under 5 % QPS loss with the defaults.
#
#   benchmarks/observability.sh                  # FORKS=4 ROUNDS=10 DURATION=3 WARMUP=20
#   FORKS=1 ROUNDS=2 DURATION=2 WARMUP=4 SKIP_BUILD=1 benchmarks/observability.sh   # a quick check
#
# Writes the section of docs/benchmarks.md between "<!-- observability -->" and "<!-- /observability -->"
# (appended at the end the first time; nothing else is touched). Environment: FORKS (4), ROUNDS (10, counted
# rounds per fork and protocol; short rounds pair each mode with `off` closely in time), DURATION (3 s per
# run), WARMUP (20, each server's JIT warm-up before its fork's rounds, split over the protocols),
# CONCURRENCY (100), PAYLOAD (1024), SERVER_CPU (0), CLIENT_CPU (1), PORT (18480: servers on PORT..PORT+3,
# their metrics endpoints on PORT+10..PORT+13), SKIP_BUILD (0), OUT_MD (docs/benchmarks.md), NOTE (a line
# added to the section, e.g. "shared machine").
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FORKS="${FORKS:-4}"
ROUNDS="${ROUNDS:-10}"
DURATION="${DURATION:-3}"
WARMUP="${WARMUP:-20}"
CONCURRENCY="${CONCURRENCY:-100}"
PAYLOAD="${PAYLOAD:-1024}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PORT="${PORT:-18480}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
NOTE="${NOTE:-}"
JAR=examples/target/skein.jar
MODES=(off default exported sampled)
COMMAND_LINE="FORKS=$FORKS ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CONCURRENCY=$CONCURRENCY PAYLOAD=$PAYLOAD $(printf '%q ' "$0" "$@")"

log() { printf '[observability %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v taskset >/dev/null || die "taskset (util-linux) is needed"
command -v python3 >/dev/null || die "python3 is needed"
if [[ "$(nproc)" -lt 2 ]]; then SERVER_CPU=0; CLIENT_CPU=0; fi
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests package"
    mvn -B -q -DskipTests package
fi
[[ -f "$JAR" ]] || die "$JAR is missing"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-observability.XXXXXX")"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# CPU seconds x 100 (clock ticks) of process $1's threads, the JIT compilers' left out.
app_ticks() {
    python3 - "$1" <<'PY'
import glob, sys
total = 0
for f in glob.glob(f"/proc/{sys.argv[1]}/task/*/stat"):
    try:
        s = open(f).read()
    except OSError:
        continue
    if s[s.index("(") + 1:s.rindex(")")].startswith(("C1 Compi", "C2 Compi")):
        continue
    fields = s[s.rindex(")") + 2:].split()
    total += int(fields[11]) + int(fields[12])
print(total)
PY
}

declare -A SERVER_PORT SERVER_PID
start_servers() {
    PIDS=()
    for i in "${!MODES[@]}"; do
        mode="${MODES[$i]}"
        port=$((PORT + i))
        metrics=$((PORT + 10 + i))
        SERVER_PORT[$mode]=$port
        case "$mode" in
            off) echo 'skein.observability.enabled = off' >"$WORK/$mode.conf" ;;
            default) echo "skein.observability.http { host = \"127.0.0.1\", port = $metrics }" >"$WORK/$mode.conf" ;;
            exported) printf 'skein.observability.http { host = "127.0.0.1", port = %d }\nskein.observability.tracing.spans = always\n' \
                "$metrics" >"$WORK/$mode.conf" ;;
            sampled) printf 'skein.observability.http { host = "127.0.0.1", port = %d }\nskein.observability.tracing { sampler = always, spans = always }\n' \
                "$metrics" >"$WORK/$mode.conf" ;;
        esac
        taskset -c "$SERVER_CPU" java -Dpekko.loglevel=WARNING -jar "$JAR" serve --host 127.0.0.1 --port "$port" \
            --config "$WORK/$mode.conf" >"$WORK/$mode.log" 2>&1 &
        PIDS+=($!)
        SERVER_PID[$mode]=$!
    done
    for mode in "${MODES[@]}"; do
        for _ in $(seq 1 300); do grep -q "listening on" "$WORK/$mode.log" && break; sleep 0.1; done
        grep -q "listening on" "$WORK/$mode.log" || die "server '$mode' did not start: $(cat "$WORK/$mode.log")"
    done
}
stop_servers() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
}

SCRAPE=""
for fork in $(seq 1 "$FORKS"); do
    log "fork $fork/$FORKS: servers ${MODES[*]} on CPU $SERVER_CPU, ports $PORT.."
    start_servers
    for mode in "${MODES[@]}"; do
        log "fork $fork: JIT warm-up of server '$mode', ${WARMUP} s (both protocols)"
        for scheme in skein grpc; do
            taskset -c "$CLIENT_CPU" java -jar "$JAR" bench --target "$scheme://127.0.0.1:${SERVER_PORT[$mode]}" \
                --method Echo/Say --payload "$PAYLOAD" --concurrency "$CONCURRENCY" --duration "$((WARMUP / 2 + 1))" \
                --warmup 0 >/dev/null 2>&1 || die "warm-up of '$mode' over $scheme failed"
        done
    done
    for scheme in skein grpc; do
        targets=()
        for mode in "${MODES[@]}"; do
            targets+=("$scheme://127.0.0.1:${SERVER_PORT[$mode]}")
            echo "${SERVER_PID[$mode]} $(app_ticks "${SERVER_PID[$mode]}")" >"$WORK/ticks.$mode"
        done
        log "fork $fork: $scheme, $((ROUNDS + 1)) rounds of $DURATION s (the first one warms the client up)"
        taskset -c "$CLIENT_CPU" java -cp "$JAR" benchmarks/shm/Interleaved.java "$PAYLOAD" "$CONCURRENCY" "$DURATION" \
            "$((ROUNDS + 1))" "${targets[@]}" >"$WORK/interleaved.out" 2>&1 || die "Interleaved failed: $(tail -5 "$WORK/interleaved.out")"
        for i in "${!MODES[@]}"; do
            mode="${MODES[$i]}"
            read -r _ before <"$WORK/ticks.$mode"
            after="$(app_ticks "${SERVER_PID[$mode]}")"
            # Every run of Interleaved has a 0.5 s warm-up of its own, which the CPU time includes too.
            awk -v t="${targets[$i]}" -v m="$mode" -v s="$scheme" -v f="$fork" -v d="$DURATION" -v cpu="$((after - before))" \
                '$1 == "round" && $3 == t { calls += $4 * (d + 0.5); if ($2 > 0) printf "{\"observability\":\"%s\",\"scheme\":\"%s\",\"fork\":%d,\"round\":%d,\"qps\":%s,\"p50\":%s,\"errors\":%d}\n", m, s, f, $2, $4, $7, $NF }
                 END { printf "{\"observability\":\"%s\",\"scheme\":\"%s\",\"fork\":%d,\"cpuUsPerCall\":%.4f}\n", m, s, f, cpu * 10000 / calls }' \
                "$WORK/interleaved.out" >>"$WORK/raw.jsonl"
        done
    done
    if [[ "$fork" == "$FORKS" ]]; then
        # The sampled server's own view, as evidence that it observed the load (not asserted: printed).
        SCRAPE="$(curl -s "http://127.0.0.1:$((PORT + 10 + ${#MODES[@]} - 1))/metrics" 2>/dev/null | grep -c '^rpc_server_duration_seconds_count{' || true)"
    fi
    stop_servers
done

BENCH_JAR=benchmarks/target/skein-benchmarks.jar
if [[ -f "$BENCH_JAR" ]]; then
    log "JMH: ObservationBenchmark (the observer's CPU cost per server call, no sockets) on CPU $SERVER_CPU"
    taskset -c "$SERVER_CPU" java -jar "$BENCH_JAR" ObservationBenchmark -f 1 -wi 5 -i 5 -w 1 -r 1 -prof gc \
        -rf json -rff "$WORK/jmh.json" >"$WORK/jmh.log" 2>&1 || log "WARNING: JMH run failed: $(tail -5 "$WORK/jmh.log")"
fi
if [[ -f "$BENCH_JAR" ]]; then
    log "CPU time per observed server call (ObservationCpuCost) on CPU $SERVER_CPU"
    for mode in off default exported sampled metrics tracing; do
        taskset -c "$SERVER_CPU" java -cp "$BENCH_JAR" io.skein.benchmarks.ObservationCpuCost "$mode" 2>/dev/null \
            | grep '^{' >>"$WORK/cpu.jsonl" || log "WARNING: ObservationCpuCost $mode failed"
    done
fi
DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')" CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
NPROC="$(nproc)" JAVA_VERSION="$(java -version 2>&1 | head -1)" CMD_LINE="$COMMAND_LINE" OUT_MD="$OUT_MD" \
RAW="$WORK/raw.jsonl" JMH="$WORK/jmh.json" CPU="$WORK/cpu.jsonl" FORKS="$FORKS" ROUNDS="$ROUNDS" DURATION="$DURATION" CONCURRENCY="$CONCURRENCY" PAYLOAD="$PAYLOAD" \
NOTE="$NOTE" SCRAPE="$SCRAPE" LOAD="$(cut -d' ' -f1-3 /proc/loadavg)" \
python3 - <<'PY'
import json, os, statistics
env = os.environ
allrows = [json.loads(l) for l in open(env["RAW"]) if l.strip()]
rows = [r for r in allrows if "qps" in r]
cpus = [r for r in allrows if "cpuUsPerCall" in r]
modes = ["off", "default", "exported", "sampled"]
md = ["<!-- observability -->", "## Observability cost (issue 12)", ""]
md.append(f"Echo/Say {env['PAYLOAD']} B at concurrency {env['CONCURRENCY']} against four Skein servers side by side "
          "on one pinned core, one warm load generator (`benchmarks/shm/Interleaved.java`, not observed) on the other "
          "loading them in turn: `off` = `skein.observability.enabled = off`; `default` = the documented defaults "
          "(RPC metrics, governance gauges, `/metrics`, tracing sampled at 1 %, no exporter: no Kamon spans); "
          "`exported` = the defaults with `tracing.spans = always` (1 % of calls get a span, as with an "
          "exporter); `sampled` = the defaults with "
          f"`tracing.sampler = always` and `tracing.spans = always`. {env['FORKS']} forks (fresh servers) x {env['ROUNDS']} rounds of "
          f"{env['DURATION']} s per protocol; QPS and p50 are medians over all rounds; loss = median over the rounds "
          "of (off - mode) / off within the same fork and round; server CPU per call = the server's threads' CPU "
          "time (JIT compiler threads left out) over its calls, median over the forks.")
md.append("")
if env.get("NOTE"):
    md.append(f"- **{env['NOTE']}**")
md.append(f"- Date: {env['DATE']}; machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}; "
          f"load average at the end: {env['LOAD']}.")
md.append(f"- Command: `{env['CMD_LINE'].strip()}`")
md.append("")
md.append("| protocol | observability | QPS (median) | p50 ms (median) | errors | QPS loss vs off | server CPU µs/call | CPU vs off | QPS per fork (medians) |")
md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
verdicts = []
for scheme in ("skein", "grpc"):
    by = {m: {(r["fork"], r["round"]): r for r in rows if r["scheme"] == scheme and r["observability"] == m}
          for m in modes}
    cpu = {m: statistics.median(r["cpuUsPerCall"] for r in cpus if r["scheme"] == scheme and r["observability"] == m)
           for m in modes if any(r["scheme"] == scheme and r["observability"] == m for r in cpus)}
    for m in modes:
        if not by[m]:
            continue
        q = statistics.median(r["qps"] for r in by[m].values())
        p50 = statistics.median(r["p50"] for r in by[m].values())
        errors = sum(r["errors"] for r in by[m].values())
        if m == "off":
            loss = "-"
        else:
            pairs = [(by["off"][k]["qps"] - r["qps"]) / by["off"][k]["qps"] * 100
                     for k, r in by[m].items() if k in by["off"] and by["off"][k]["qps"]]
            value = statistics.median(pairs) if pairs else float("nan")
            loss = f"{value:.1f} %"
            if m == "default":
                verdicts.append((scheme, value))
        forks = sorted({k[0] for k in by[m]})
        per_fork = ", ".join(format(statistics.median(r["qps"] for k, r in by[m].items() if k[0] == f), ",.0f")
                             for f in forks)
        c = f"{cpu[m]:.2f}" if m in cpu else "-"
        cv = "-" if m == "off" or m not in cpu or "off" not in cpu else f"{(cpu[m] - cpu['off']) / cpu['off'] * 100:+.1f} %"
        md.append(f"| {scheme} | {m} | {q:,.0f} | {p50:.3f} | {errors} | {loss} | {c} | {cv} | {per_fork} |")
md.append("")
for scheme, value in verdicts:
    if value < -5:
        verdict = "not judged: `default` beat `off` by more than 5 %, so these rounds measured the machine's noise"
    else:
        verdict = "met" if value < 5 else "missed"
    md.append(f"- Target under 5 % QPS loss with the defaults over `{scheme}`: **{verdict}** ({value:.1f} %).")
jmh = {}
if os.path.exists(env["JMH"]):
    for r in json.load(open(env["JMH"])):
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
        jmh[r["params"]["mode"]] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"], alloc)
if "off" in jmh:
    parts = []
    for m in ("default", "exported", "sampled", "metrics", "tracing"):
        if m in jmh:
            cost = jmh[m][0] - jmh["off"][0]
            parts.append(f"`{m}` {jmh[m][0]:,.0f} ± {jmh[m][1]:,.0f} ns, {jmh[m][2]:,.0f} B "
                         f"(**+{cost:,.0f} ns, +{jmh[m][2] - jmh['off'][2]:,.0f} B per call**)")
    md.append("- Wall time and allocation of observing one server call (JMH `ObservationBenchmark -prof gc`: the hooks for a "
              "unary call, no sockets, on the server's core; time and allocated bytes per call; `metrics` and "
              f"`tracing` are the two halves of `default`): `off` {jmh['off'][0]:,.1f} ns, {jmh['off'][2]:,.0f} B; "
              + "; ".join(parts) + ". Allocation per call does not depend on the machine's load; time does.")
cpu = {}
if os.path.exists(env["CPU"]):
    cpu = {r["mode"]: r["cpuNsPerCall"] for r in (json.loads(l) for l in open(env["CPU"]) if l.strip())}
if "off" in cpu:
    parts = [f"`{m}` {cpu[m]:,.0f} ns (+{cpu[m] - cpu['off']:,.0f})" for m in ("default", "exported", "sampled", "metrics", "tracing")
             if m in cpu]
    md.append("- CPU time of observing one server call (`ObservationCpuCost`: the same hooks, the thread's own CPU "
              "time, median of 10 batches of 500,000 calls; far less distorted by a busy machine than wall time): "
              f"`off` {cpu['off']:,.0f} ns; " + "; ".join(parts) + ".")
    if "default" in cpu:
        share = (cpu["default"] - cpu["off"]) * 10_000 / 1e9 * 100
        md.append(f"  So the defaults take {share:.2f} % of a core per 10,000 calls/s: a server that is CPU-bound at "
                  f"R calls/s per core loses about R / 10,000 × {share:.2f} % of its QPS to them.")
md.append(f"- The `sampled` server's `/metrics` after the run had {env['SCRAPE']} `rpc_server_duration_seconds_count` "
          "series (the observed calls, by protocol, method and status).")
md.append("")
md.append("<!-- /observability -->")
path = env["OUT_MD"]
old = open(path).read() if os.path.exists(path) else ""
i = old.find("<!-- observability -->")
j = old.find("<!-- /observability -->")
if i >= 0 and j > i:
    new = old[:i] + "\n".join(md) + old[j + len("<!-- /observability -->"):]
else:
    new = old.rstrip("\n") + "\n\n" + "\n".join(md) + "\n"
open(path, "w").write(new)
print("\n".join(md))
PY
log "wrote the observability section of $OUT_MD"
}
