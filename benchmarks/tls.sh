#!/usr/bin/env bash
# What TLS costs (issue 14): Echo/Say 1 KB at concurrency 100 and 1, native (skein:// vs skeins://) and
# gRPC (grpc:// vs grpcs://), against one Skein server whose port serves plaintext and TLS side by side
# (skein.tls.server.mode = optional), so both see the same server and JIT state; then the handshake rate
# (new TLS connections per second, full handshakes and resumed ones, measured with `openssl s_time`
# from PARALLEL processes). Everything runs once per TLS provider (PROVIDERS: the JDK's SSLEngine and
# BoringSSL from netty-tcnative-boringssl-static), server and client on the same provider, which is how
# the default provider was chosen.
#
#   benchmarks/tls.sh                                   # ROUNDS=2 DURATION=10 CASE_WARMUP=5 HANDSHAKE_SECONDS=10
#   ROUNDS=1 DURATION=3 WARMUP=5 CASE_WARMUP=2 HANDSHAKE_SECONDS=3 benchmarks/tls.sh   # a quick check
#
# The server is pinned to CPU $SERVER_CPU, the load generators to CPU $CLIENT_CPU (taskset). The test
# CA, certificates (EC P-256) and keys are made by this script with the openssl CLI in a temporary
# directory that is removed at exit (TEST-ONLY, never committed). Writes the section of docs/benchmarks.md
# between "<!-- tls -->" and "<!-- /tls -->" (appended after everything else when missing); the rest of
# the file is kept. Environment: PROVIDERS ("jdk openssl"), ROUNDS (2), DURATION (10), WARMUP (10, server
# JIT warm-up per provider), CASE_WARMUP (5), PAYLOAD (1024), CONCURRENCY ("100 1"), PARALLEL (4 s_time
# processes), HANDSHAKE_SECONDS (10), SERVER_CPU (0), CLIENT_CPU (1), PORT (18474), SKIP_BUILD (0), OUT_MD,
# NOTE (a sentence printed in the section, e.g. that the machine was shared), JMH_OPTIONS ("-f 1 -wi 3 -i 5
# -w 1 -r 1": TlsEngineBenchmark, run when benchmarks/target/skein-benchmarks.jar exists).
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROVIDERS="${PROVIDERS:-jdk openssl}"
ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-10}"
CASE_WARMUP="${CASE_WARMUP:-5}"
PAYLOAD="${PAYLOAD:-1024}"
CONCURRENCY="${CONCURRENCY:-100 1}"
PARALLEL="${PARALLEL:-4}"
HANDSHAKE_SECONDS="${HANDSHAKE_SECONDS:-10}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PORT="${PORT:-18474}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_MD="${OUT_MD:-docs/benchmarks.md}"
NOTE="${NOTE:-}"
JMH_OPTIONS="${JMH_OPTIONS:--f 1 -wi 3 -i 5 -w 1 -r 1}"
JAR=examples/target/skein.jar
COMMAND_LINE="PROVIDERS=\"$PROVIDERS\" ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CASE_WARMUP=$CASE_WARMUP PAYLOAD=$PAYLOAD CONCURRENCY=\"$CONCURRENCY\" PARALLEL=$PARALLEL HANDSHAKE_SECONDS=$HANDSHAKE_SECONDS $(printf '%q ' "$0" "$@")"

log() { printf '[tls %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v taskset >/dev/null || die "taskset (util-linux) is needed"
command -v python3 >/dev/null || die "python3 is needed"
command -v openssl >/dev/null || die "the openssl CLI is needed (test certificates, s_time)"
if [[ "$(nproc)" -lt 2 ]]; then SERVER_CPU=0; CLIENT_CPU=0; fi
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building: mvn -B -q -DskipTests package"
    mvn -B -q -DskipTests package
fi
[[ -f "$JAR" ]] || die "$JAR is missing"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skein-tls.XXXXXX")"
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

# ---- test PKI: a CA and a server certificate for localhost / 127.0.0.1 (EC P-256, PKCS#8 keys) ----
PKI="$WORK/pki"
mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=skein bench CA" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$PKI/server.key" -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
    -extfile "$PKI/ext" -out "$PKI/server.crt" 2>/dev/null

start_server() { # $1 = provider
    cat >"$WORK/server-$1.conf" <<EOF
skein.tls.server { mode = optional, provider = $1, certificate = "$PKI/server.crt", private-key = "$PKI/server.key" }
EOF
    log "server ($1) on CPU $SERVER_CPU, port $PORT"
    taskset -c "$SERVER_CPU" java -jar "$JAR" serve --port "$PORT" --config "$WORK/server-$1.conf" \
        >"$WORK/server-$1.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do grep -q "listening on" "$WORK/server-$1.log" && break; sleep 0.1; done
    grep -q "listening on" "$WORK/server-$1.log" || die "server did not start: $(cat "$WORK/server-$1.log")"
}

bench() { # $1 = provider, $2 = scheme, $3 = concurrency, $4 = duration, $5 = warm-up
    cat >"$WORK/client-$1.conf" <<EOF
skein.tls.client { provider = $1, trust-certificates = "$PKI/ca.crt" }
EOF
    taskset -c "$CLIENT_CPU" java -jar "$JAR" bench --target "$2://127.0.0.1:$PORT" --method Echo/Say \
        --payload "$PAYLOAD" --concurrency "$3" --duration "$4" --warmup "$5" --config "$WORK/client-$1.conf" --json
}

handshakes() { # $1 = provider, $2 = -new | -reuse: connections per second over PARALLEL s_time processes
    local pids=() i
    for i in $(seq 1 "$PARALLEL"); do
        taskset -c "$CLIENT_CPU" openssl s_time -connect "127.0.0.1:$PORT" "$2" -time "$HANDSHAKE_SECONDS" \
            -CAfile "$PKI/ca.crt" >"$WORK/s_time-$1$2-$i.log" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || true; done
    cat "$WORK"/s_time-"$1""$2"-*.log | python3 -c '
import re, sys
total = 0.0
for m in re.finditer(r"(\d+) connections in (\d+) real seconds", sys.stdin.read()):
    total += int(m.group(1)) / max(int(m.group(2)), 1)
print(f"{total:.1f}")'
}

for provider in $PROVIDERS; do
    start_server "$provider"
    log "JIT warm-up of the server ($provider): ${WARMUP} s over each scheme"
    for scheme in skein skeins grpc grpcs; do
        bench "$provider" "$scheme" 100 "$(( (WARMUP + 3) / 4 ))" 0 >/dev/null
    done
    for r in $(seq 1 "$ROUNDS"); do
        for c in $CONCURRENCY; do
            for scheme in skein skeins grpc grpcs; do
                log "round $r ($provider): $scheme c=$c"
                bench "$provider" "$scheme" "$c" "$DURATION" "$CASE_WARMUP" \
                    | sed "s/^{/{\"provider\":\"$provider\",\"scheme\":\"$scheme\",\"round\":$r,/" >>"$WORK/raw.jsonl"
            done
        done
    done
    for mode in -new -reuse; do
        log "handshakes ($provider, s_time $mode, $PARALLEL processes, ${HANDSHAKE_SECONDS} s)"
        rate="$(handshakes "$provider" "$mode")"
        printf '{"provider":"%s","handshake":"%s","rate":%s}\n' "$provider" "${mode#-}" "$rate" >>"$WORK/handshakes.jsonl"
    done
    grep -q "Exception\|ERROR" "$WORK/server-$provider.log" && log "WARNING: server log: $(grep -m3 "Exception\|ERROR" "$WORK/server-$provider.log")"
    stop_server
done

BENCH_JAR=benchmarks/target/skein-benchmarks.jar
if [[ -f "$BENCH_JAR" ]]; then
    log "JMH: TlsEngineBenchmark (handshake and 1 KB echo CPU cost per provider, no sockets) on CPU $CLIENT_CPU"
    taskset -c "$CLIENT_CPU" java -Djmh.ignoreLock=true -jar "$BENCH_JAR" TlsEngineBenchmark $JMH_OPTIONS \
        -rf json -rff "$WORK/jmh.json" >"$WORK/jmh.log" 2>&1 || log "WARNING: JMH run failed: $(tail -5 "$WORK/jmh.log")"
fi

DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')" CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
NPROC="$(nproc)" JAVA_VERSION="$(java -version 2>&1 | head -1)" OPENSSL_VERSION="$(openssl version)" \
CMD_LINE="$COMMAND_LINE" OUT_MD="$OUT_MD" NOTE="$NOTE" RAW="$WORK/raw.jsonl" HS="$WORK/handshakes.jsonl" JMH="$WORK/jmh.json" \
ROUNDS="$ROUNDS" DURATION="$DURATION" PAYLOAD="$PAYLOAD" PARALLEL="$PARALLEL" HANDSHAKE_SECONDS="$HANDSHAKE_SECONDS" \
python3 - <<'PY'
import json, os, statistics
env = os.environ
rows = [json.loads(l) for l in open(env["RAW"]) if l.strip()]
hs = [json.loads(l) for l in open(env["HS"]) if l.strip()]
providers = list(dict.fromkeys(r["provider"] for r in rows))
conc = list(dict.fromkeys(r["concurrency"] for r in rows))
def cell(p, s, c):
    rs = [r for r in rows if r["provider"] == p and r["scheme"] == s and r["concurrency"] == c]
    if not rs:
        return None
    return (statistics.median(r["qps"] for r in rs), statistics.median(r["latencyMs"]["p50"] for r in rs),
            statistics.median(r["latencyMs"]["p99"] for r in rs), sum(sum(r["errors"].values()) for r in rs))
md = ["<!-- tls -->", "## TLS cost", ""]
md.append(f"Echo/Say {env['PAYLOAD']} B against one Skein server whose port serves plaintext and TLS side by side "
          "(`skein.tls.server.mode = optional`, EC P-256 certificate, TLS 1.3), server pinned to one core, "
          "`skein.jar bench` on the other; each provider runs server and client (`provider = jdk | openssl`). "
          f"{env['ROUNDS']} round(s) of {env['DURATION']} s per case; medians. Handshakes: `openssl s_time` "
          f"from {env['PARALLEL']} processes for {env['HANDSHAKE_SECONDS']} s, `-new` (full handshakes) and "
          "`-reuse` (resumed sessions), new TLS connections per second summed over the processes.")
md.append("")
md.append(f"- Date: {env['DATE']}; machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}; "
          f"{env['OPENSSL_VERSION']} (s_time).")
md.append(f"- Command: `{env['CMD_LINE'].strip()}`")
if env.get("NOTE"):
    md.append(f"- **{env['NOTE']}**")
md.append("")
md.append("| provider | protocol | c | plaintext QPS | TLS QPS | TLS / plaintext | p50 ms plain → TLS | p99 ms plain → TLS | errors |")
md.append("| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |")
for p in providers:
    for proto, plain, tls in (("native", "skein", "skeins"), ("gRPC", "grpc", "grpcs")):
        for c in conc:
            a, b = cell(p, plain, c), cell(p, tls, c)
            if not a or not b:
                continue
            ratio = b[0] / a[0] if a[0] else float("nan")
            md.append(f"| {p} | {proto} | {c} | {a[0]:,.0f} | {b[0]:,.0f} | {ratio:.2f} | {a[1]:.2f} → {b[1]:.2f} | "
                      f"{a[2]:.2f} → {b[2]:.2f} | {a[3] + b[3]} |")
md.append("")
md.append("| provider | new TLS connections/s, full handshake | resumed |")
md.append("| --- | ---: | ---: |")
for p in providers:
    full = next((h["rate"] for h in hs if h["provider"] == p and h["handshake"] == "new"), float("nan"))
    res = next((h["rate"] for h in hs if h["provider"] == p and h["handshake"] == "reuse"), float("nan"))
    md.append(f"| {p} | {full:,.0f} | {res:,.0f} |")
md.append("")
if os.path.exists(env["JMH"]):
    jmh = {}
    for r in json.load(open(env["JMH"])):
        jmh[(r["benchmark"].rsplit(".", 1)[-1], r["params"]["provider"])] = (r["primaryMetric"]["score"],
                                                                           r["primaryMetric"]["scoreError"])
    md.append("CPU cost per provider without sockets (JMH `TlsEngineBenchmark`, one thread on the load generator's "
              "core: `handshake` = one full TLS 1.3 handshake, client and server, EC P-256; `echo` = 1 KB each way "
              "over an established session, wrap and unwrap on both sides):")
    md.append("")
    md.append("| provider | handshake µs/op | 1 KB echo µs/op |")
    md.append("| --- | ---: | ---: |")
    for p in ("JDK", "OPENSSL"):
        h, e = jmh.get(("handshake", p)), jmh.get(("echo", p))
        if h and e:
            md.append(f"| {p} | {h[0]:,.0f} ± {h[1]:,.0f} | {e[0]:,.2f} ± {e[1]:,.2f} |")
    md.append("")
md.append("<!-- /tls -->")
path = env["OUT_MD"]
old = open(path).read() if os.path.exists(path) else ""
i, j = old.find("<!-- tls -->"), old.find("<!-- /tls -->")
if i >= 0 and j > i:
    new = old[:i] + "\n".join(md) + old[j + len("<!-- /tls -->"):]
else:
    new = old.rstrip("\n") + "\n\n" + "\n".join(md) + "\n"
open(path, "w").write(new)
print("\n".join(md))
PY
log "wrote the TLS section of $OUT_MD"
}
