#!/usr/bin/env bash
# Runs the JMH benchmarks of benchmarks/target/skein-benchmarks.jar and writes their results as the
# "JMH" section at the end of docs/benchmarks.md (everything from the "<!-- jmh -->" marker on is
# replaced up to the "<!-- governance -->" section that governance.sh owns; compare.sh keeps both when
# it rewrites the rest).
#
#   benchmarks/jmh.sh                       # JMH options: -f 1 -wi 2 -i 3 -w 1 -r 1 (brief)
#   benchmarks/jmh.sh -f 1 -wi 3 -i 5       # any JMH options (and a benchmark regex) instead
#
# SKIP_BUILD=1 uses the jar as it is; otherwise it is built first (mvn -B -q -DskipTests package).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAR="benchmarks/target/skein-benchmarks.jar"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
ARGS=("$@")
[[ ${#ARGS[@]} -gt 0 ]] || ARGS=(-f 1 -wi 2 -i 3 -w 1 -r 1)

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    mvn -B -q -DskipTests package
fi
[[ -f "$JAR" ]] || { echo "ERROR: $JAR is missing" >&2; exit 1; }

RESULT="$(mktemp "${TMPDIR:-/tmp}/skein-jmh.XXXXXX.json")"
trap 'rm -f "$RESULT"' EXIT
CMD=(java -jar "$JAR" "${ARGS[@]}")
echo "running: ${CMD[*]}" >&2
"${CMD[@]}" -rf json -rff "$RESULT"

CMD_LINE="$(printf "%q " "${CMD[@]}")" RESULT="$RESULT" OUT_MD="$OUT_MD" DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')" \
NPROC="$(nproc)" CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
JAVA_VERSION="$(java -version 2>&1 | head -1)" python3 - <<'PY'
import json, os

env = os.environ
with open(env["RESULT"]) as f:
    results = json.load(f)

def num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return "—"
    if v != v:  # NaN
        return "—"
    return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"

lines = ["<!-- jmh -->", "## JMH: the hot paths", ""]
lines.append("Single-threaded microbenchmarks (benchmarks module, `io.skein.benchmarks`): Skein's native framing "
             "(`SkeinFrameCodec`, TTHeader + Kitex Protobuf envelope) of a unary request and of a stream message, "
             "gRPC message framing and deframing (`GrpcMessageFramer` / `GrpcMessageDeframer`; `deframeSplit` "
             "receives the message in two DATA frames), each for an Echo request with a 1 KB payload over pooled "
             "buffers, everything released per operation; and the unary call path through the Echo actor without "
             "sockets (`ServiceDefinition#bind` → the `Say` `ServerMethodHandler.unary` → join on the reply, one "
             "call in flight; `sayMarshalled` adds parsing the request bytes and serializing the reply).")
lines.append("")
lines.append(f"- Date: {env['DATE']}; machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}.")
lines.append(f"- Command: `{env['CMD_LINE'].strip()}` (not pinned; with few iterations the ± error, a 99.9 % "
             "confidence interval, is wide: read the figures as orders of magnitude).")
lines.append("")
lines.append("| benchmark | mode | score | ± error | units | p50 | p99 | p99.9 |")
lines.append("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |")
for r in results:
    name = r["benchmark"].rsplit(".", 2)
    name = f"{name[-2]}.{name[-1]}"
    pm = r["primaryMetric"]
    pct = pm.get("scorePercentiles", {})
    sample = r["mode"] == "sample"
    lines.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
        name, r["mode"], num(pm["score"]), num(pm["scoreError"]), pm["scoreUnit"],
        num(pct["50.0"]) if sample and "50.0" in pct else "",
        num(pct["99.0"]) if sample and "99.0" in pct else "",
        num(pct["99.9"]) if sample and "99.9" in pct else ""))
lines.append("")

path = env["OUT_MD"]
head = ""
tail = ""
if os.path.exists(path):
    with open(path) as f:
        old = f.read()
    i = old.find("<!-- jmh -->")
    head = old if i < 0 else old[:i]
    if head and not head.endswith("\n\n"):
        head = head.rstrip("\n") + "\n\n"
    g = old.find("<!-- governance -->")
    if g >= 0:  # governance.sh owns the section after the JMH one
        tail = "\n" + old[g:]
with open(path, "w") as f:
    f.write(head + "\n".join(lines) + tail)
print("\n".join(lines))
PY
echo "wrote the JMH section of $OUT_MD" >&2
