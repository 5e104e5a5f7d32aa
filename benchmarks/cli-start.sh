#!/usr/bin/env bash
# How long the command line takes, JVM start included (issue 13): `call` to a local node (target
# <= 1 s wall) and `members` of a three-node cluster (target <= 5 s), each run both as
# `java -jar examples/target/skein.jar` and through the launcher `examples/bin/skein` (class-data
# archive, start-tuned JVM for short commands), alternating; plus `call cluster://... --repeat 6`
# (a client member joining the cluster, for information). Wall time and CPU time (user + sys) per run.
#
#   benchmarks/cli-start.sh                  # RUNS=10 CLUSTER_RUNS=3
#   RUNS=3 CLUSTER_RUNS=1 benchmarks/cli-start.sh
#
# Writes its own section of docs/benchmarks.md, between the markers "<!-- cli-start -->" and
# "<!-- /cli-start -->" (appended at the end of the file the first time). Environment: RUNS (10),
# CLUSTER_RUNS (3), SKIP_BUILD (0), SKIP_CLUSTER (0), OUT_MD (docs/benchmarks.md), NOTE (a line
# recorded with the figures, e.g. "shared machine, load average 12"). Ports are picked free.
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS="${RUNS:-10}"
CLUSTER_RUNS="${CLUSTER_RUNS:-3}"
SKIP_BUILD="${SKIP_BUILD:-0}"
SKIP_CLUSTER="${SKIP_CLUSTER:-0}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
NOTE="${NOTE:-}"
JAR=examples/target/skein.jar
LAUNCHER=examples/bin/skein
COMMAND_LINE="RUNS=$RUNS CLUSTER_RUNS=$CLUSTER_RUNS SKIP_BUILD=$SKIP_BUILD $(printf '%q ' "$0" "$@")"
LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"

log() { printf '[cli-start %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v python3 >/dev/null || die "python3 is needed"
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests package"
    mvn -B -q -DskipTests package
fi
[[ -f "$JAR" ]] || die "$JAR is missing"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-cli-start.XXXXXX")"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

await_line() { # $1 = file, $2 = pattern, $3 = count, $4 = what; gives up when a started process died
    for _ in $(seq 1 1200); do
        [[ "$(grep -c "$2" "$1" 2>/dev/null || true)" -ge "$3" ]] && return 0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || die "$4 did not come up: $(cat "$1")"; done
        sleep 0.1
    done
    die "$4 did not come up: $(cat "$1")"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The launcher's first run records its class-data archive (a self-test run): timed once, on its own.
rm -f examples/target/skein-*.jsa
log "launcher: first run (records the class-data archive)"
FIRST_RUN=$(python3 -c '
import subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.2f" % (time.monotonic() - t) if r.returncode == 0 else "failed (exit %d)" % r.returncode)
' "$LAUNCHER" call --help)
ARCHIVE_MB=$(du -m examples/target/skein-*.jsa 2>/dev/null | awk '{print $1}' | head -1)

log "server: serve --port 0"
java -jar "$JAR" serve --host 127.0.0.1 --port 0 >"$WORK/server.log" 2>&1 &
PIDS+=($!)
await_line "$WORK/server.log" "listening on" 1 "the server"
PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/server.log" | head -1)
[[ -n "$PORT" ]] || die "no port in: $(cat "$WORK/server.log")"

# Runs each command RUNS times, alternating; prints one JSON object per command with every run's wall
# and CPU (user + sys of the child) seconds and its exit codes.
measure() { # $1 = runs, then pairs of: label, command line (one string, split by the shell's rules)
    python3 - "$@" <<'PY'
import json, os, shlex, subprocess, sys, time
runs = int(sys.argv[1])
cases = list(zip(sys.argv[2::2], sys.argv[3::2]))
out = {label: {"wall": [], "cpu": [], "exit": []} for label, _ in cases}
for _ in range(runs):
    for label, cmd in cases:
        before = os.times()
        t = time.monotonic()
        r = subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - t
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        out[label]["wall"].append(round(wall, 3))
        out[label]["cpu"].append(round(cpu, 3))
        out[label]["exit"].append(r.returncode)
print(json.dumps(out))
PY
}

SAY="skein.examples.echo.Echo/Say"
log "call: $RUNS runs each"
CALL_JSON=$(measure "$RUNS" \
    "java -jar" "java -jar $JAR call skein://127.0.0.1:$PORT $SAY '{\"message\":\"hi\"}'" \
    "launcher" "$LAUNCHER call skein://127.0.0.1:$PORT $SAY '{\"message\":\"hi\"}'")

MEMBERS_JSON="{}"
CLUSTER_JSON="{}"
if [[ "$SKIP_CLUSTER" != 1 ]]; then
    M1=$(free_port); M2=$(free_port); M3=$(free_port)
    cat >"$WORK/cluster.conf" <<EOF
include file("$ROOT/examples/cluster/local.conf")
skein.server.port = 0
pekko.loglevel = WARNING
pekko.discovery.config.services.skein-local.endpoints = [
  { host = "127.0.0.1", port = $M1 }
  { host = "127.0.0.1", port = $M2 }
  { host = "127.0.0.1", port = $M3 }
]
EOF
    log "cluster: three serve nodes, management on $M1, $M2, $M3"
    for port in $M1 $M2 $M3; do
        java -Dpekko.management.http.port="$port" -jar "$JAR" serve --config "$WORK/cluster.conf" \
            >>"$WORK/cluster.log" 2>&1 &
        PIDS+=($!)
    done
    await_line "$WORK/cluster.log" "registered as" 3 "the cluster"
    log "members: $RUNS runs each"
    MEMBERS_JSON=$(measure "$RUNS" \
        "java -jar" "java -jar $JAR members --config $WORK/cluster.conf" \
        "launcher" "$LAUNCHER members --config $WORK/cluster.conf")
    log "call cluster:// --repeat 6: $CLUSTER_RUNS runs each"
    CLUSTER_JSON=$(measure "$CLUSTER_RUNS" \
        "java -jar" "java -jar $JAR call cluster://skein.examples.echo.Echo $SAY '{\"message\":\"hi\"}' --config $WORK/cluster.conf --repeat 6" \
        "launcher" "$LAUNCHER call cluster://skein.examples.echo.Echo $SAY '{\"message\":\"hi\"}' --config $WORK/cluster.conf --repeat 6")
fi

SECTION="$WORK/section.md"
export CALL_JSON MEMBERS_JSON CLUSTER_JSON COMMAND_LINE NOTE FIRST_RUN ARCHIVE_MB LOAD_BEFORE
export RUN_DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')" NPROC="$(nproc)"
export CPU_MODEL="$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
export JAVA_VERSION="$(java -version 2>&1 | head -1)"
python3 - >"$SECTION" <<'PY'
import json, os, statistics
env = os.environ
call, members, cluster = (json.loads(env[k]) for k in ("CALL_JSON", "MEMBERS_JSON", "CLUSTER_JSON"))
def row(name, label, d):
    if not d:
        return None
    ok = all(e == 0 for e in d["exit"])
    return "| %s | %s | %d | %.2f | %.2f | %.2f | %.2f | %s |" % (name, label, len(d["wall"]),
        statistics.median(d["wall"]), min(d["wall"]), max(d["wall"]), statistics.median(d["cpu"]),
        "0" if ok else ", ".join(str(e) for e in d["exit"]))
def verdict(d, bound):
    if not d:
        return "not measured"
    m = statistics.median(d["wall"])
    return "**%s** (median %.2f s)" % ("met" if m <= bound and all(e == 0 for e in d["exit"]) else "missed", m)
print("<!-- cli-start -->")
print("## Command-line start (issue 13)")
print()
print("Written by `benchmarks/cli-start.sh`. Wall time of one command, JVM start included, and the CPU time "
      "(user + sys) it used; median, min and max over the runs, the two ways of running alternating. "
      "`java -jar` is the plain jar; `launcher` is `examples/bin/skein` (a dynamic class-data archive recorded "
      "once by `self-test`, and for short commands `-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`). `call` calls "
      "Echo/Say on a `serve` node on loopback; `members` asks a contact point of a three-node cluster "
      "(`examples/cluster/local.conf`) for `/skein/members`; `call cluster://` joins that cluster as a client "
      "member, makes 6 calls and leaves.")
print()
print("- Date: %s; machine: `nproc` = %s, %s; %s; load average (1, 5, 15 min) when the run started: %s." % (
    env["RUN_DATE"], env["NPROC"], env["CPU_MODEL"], env["JAVA_VERSION"], env["LOAD_BEFORE"]))
print("- Command: `%s`" % env["COMMAND_LINE"].strip())
if env.get("NOTE", "").strip():
    print("- " + env["NOTE"].strip())
print("- The launcher's first run, which records the archive (%s MB): %s s." % (env["ARCHIVE_MB"], env["FIRST_RUN"]))
print()
print("| target | verdict |")
print("| --- | --- |")
print("| `call` to a local node <= 1 s (launcher) | %s |" % verdict(call.get("launcher"), 1.0))
print("| `members` <= 5 s (launcher) | %s |" % verdict(members.get("launcher"), 5.0))
print()
print("| command | run as | runs | wall median s | min | max | CPU median s | exit codes |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
for name, data in (("call skein://", call), ("members", members), ("call cluster:// --repeat 6", cluster)):
    for label in ("java -jar", "launcher"):
        r = row(name, label, data.get(label))
        if r:
            print(r)
print("<!-- /cli-start -->")
PY

python3 - "$OUT_MD" "$SECTION" <<'PY'
import sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
start, end = "<!-- cli-start -->", "<!-- /cli-start -->"
if start in text and end in text:
    text = text[:text.index(start)] + section.rstrip("\n") + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text if text.endswith("\n") else text + "\n")
PY
log "wrote the section of $OUT_MD"
cat "$SECTION"
}
