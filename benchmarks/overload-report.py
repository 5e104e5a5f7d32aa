"""Writes the overload section of docs/benchmarks.md from benchmarks/overload.sh's raw results.

Reads the environment overload.sh sets (RAW: one JSON object per run, as `bench --json` printed it plus
"server" and "case"; EVENTS: the servers' churn-guard log lines) and replaces what lies between the
"<!-- overload -->" and "<!-- /overload -->" markers of OUT_MD, or appends the section at the end.
"""
import csv
import io
import json
import os

env = os.environ
runs = {}
with open(env["RAW"]) as f:
    for line in f:
        if line.strip():
            r = json.loads(line)
            runs[(r["server"], r["case"])] = r
events = []
if os.path.exists(env["EVENTS"]):
    with open(env["EVENTS"]) as f:
        events = [l.rstrip("\n") for l in f if l.strip()]

capacity = float(env["CAPACITY"])
loads = env["LOADS"].split()
modes = env["MODES"].split()
LABEL = {"off": "off", "gradient": "adaptive gradient", "aimd": "adaptive AIMD",
         "fixed": f"fixed concurrency {env['FIXED_LIMIT']}"}


def get(mode, case):
    r = runs.get((mode, case))
    return None if r is None or r.get("failed") else r


def closed_runs(mode, kind):
    """The closed-loop runs of one mode and kind (cpu, nocpu), in order."""
    return [r for (m, c), r in sorted(runs.items()) if m == mode and c.startswith(f"closed-{kind}-")
            and not r.get("failed")]


def best(rs):
    return max(rs, key=lambda r: r["okQps"]) if rs else None


def num(v, fmt=",.0f"):
    return "—" if v is None else format(v, fmt)


def refused_per_s(r):
    return sum(r["refusals"].values()) / r["durationSeconds"] if r and r["durationSeconds"] else None


def other_errors(r):
    return sum(r["errors"].values()) - sum(r["refusals"].values()) if r else None


def codes(d):
    return ", ".join(f"{k} {v:,}" for k, v in sorted(d.items())) or "0"


overload = [l for l in loads if float(l) > 1]
capacity_runs = [r["okQps"] for (m, c), r in sorted(runs.items()) if c.startswith("capacity-") and not r.get("failed")]
md = ["<!-- overload -->", "## Overload: goodput and admitted latency against offered load (issue 15)", ""]
md.append(
    f"Echo/Say, {env['PAYLOAD']}-byte payload, the server spending {env['CPU_US']} µs of CPU per call (`cpu_us`), "
    f"pinned to CPU {env['SERVER_CPU']}, the load generator on CPU {env['CLIENT_CPU']}. Capacity = closed-loop "
    f"calls/s at concurrency 100 with the same `cpu_us`, limits off, the best of {len(capacity_runs)} runs "
    f"({', '.join(format(c, ',.0f') for c in capacity_runs)}): **{capacity:,.0f} calls/s**. Then, per "
    f"server limit (a server of its own, JIT warmed), open-loop `bench --rate` at {', '.join(loads)} × capacity "
    f"(latency counted from each call's scheduled time, {env['TIMEOUT']} ms deadline per call), and closed "
    f"loop at {env['CLOSED_C']} callers that send again the moment they are answered or refused. Each run "
    f"measures {env['DURATION']} s. *Admitted* latency is that of the calls answered OK; goodput is OK calls per "
    "second.")
md.append("")
if env.get("NOTE"):
    md.append(f"**{env['NOTE']}**")
    md.append("")
md.append(f"- Date: {env['DATE']} (the run took {int(env['ELAPSED']) // 60} min {int(env['ELAPSED']) % 60} s); "
          f"machine: `nproc` = {env['NPROC']}, {env['CPU_MODEL']}; {env['JAVA_VERSION']}; load average "
          f"{env['LOAD_START']} at the start, {env['LOAD_END']} at the end.")
md.append(f"- Command: `{env['CMD_LINE'].strip()}`")
md.append("")

# ---- the open-loop matrix
md.append("| limit | offered | sent/s | OK/s | goodput | admitted p50 ms | admitted p99 ms | p99 ÷ p99 at 0.5× "
          "| refused/s | refusal p99 ms | other errors | bound hits |")
md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
csv_rows = []
verdicts = []
for mode in modes:
    base = get(mode, f"open-{loads[0]}")
    base_p99 = base["okLatencyMs"]["p99"] if base else None
    worst_goodput, worst_ratio = None, None
    for load in loads:
        r = get(mode, f"open-{load}")
        good = r["okQps"] / capacity * 100 if r else None
        p99 = r["okLatencyMs"]["p99"] if r else None
        ratio = p99 / base_p99 if r and base_p99 else None
        if r and float(load) > 1:
            worst_goodput = good if worst_goodput is None else min(worst_goodput, good)
            worst_ratio = ratio if worst_ratio is None else max(worst_ratio, ratio or 0)
        md.append("| {} | {}× | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            LABEL.get(mode, mode), load, num(r and r.get("sentQps")), num(r and r["okQps"]),
            "—" if good is None else f"{good:.0f} %", num(r and r["okLatencyMs"]["p50"], ".2f"), num(p99, ".2f"),
            "—" if ratio is None else f"{ratio:.1f}×", num(refused_per_s(r)),
            num(r and r.get("refusalLatencyMs", {}).get("p99"), ".2f") if r and r["refusals"] else "—",
            "—" if r is None else (codes({k: v for k, v in r["errors"].items() if k not in r["refusals"]}) or "0"),
            num(r and r.get("boundHits"))))
        csv_rows.append([mode, load, r and r.get("sentQps"), r and r["okQps"], good and round(good, 1),
                         r and r["okLatencyMs"]["p50"], p99, r and r["okLatencyMs"]["p999"],
                         refused_per_s(r) and round(refused_per_s(r), 1), other_errors(r)])
    if mode != "off" and worst_goodput is not None:
        verdicts.append((mode, worst_goodput, worst_ratio))
md.append("")

# ---- verdicts on the open-loop goals
if verdicts:
    md.append(f"Goals at every overload level ({', '.join(l + '×' for l in overload)}): goodput ≥ 90 % of capacity, "
              "admitted p99 ≤ 2× the p99 at 0.5×.")
    md.append("")
    for mode, good, ratio in verdicts:
        ok = good >= 90 and ratio is not None and ratio <= 2
        md.append(f"- {LABEL.get(mode, mode)}: lowest goodput {good:.0f} %, highest p99 ratio "
                  f"{'—' if ratio is None else f'{ratio:.1f}×'}: **{'met' if ok else 'missed'}**.")
    md.append("")

# ---- closed loop
md.append(f"Closed loop, {env['CLOSED_C']} callers without back-off (goal: the limit on answers ≥ 95 % of what it "
          f"answers off); each a fresh server, the best of {env.get('CLOSED_RUNS', '1')} runs (all of them in the CSV):")
md.append("")
md.append("| limit | with cpu_us: OK/s | ÷ off | p99 ms | refused/s | without cpu_us: OK/s | ÷ off | p99 ms | refused/s |")
md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
off_cpu, off_nocpu = best(closed_runs("off", "cpu")), best(closed_runs("off", "nocpu"))
for mode in modes:
    a, b = best(closed_runs(mode, "cpu")), best(closed_runs(mode, "nocpu"))

    def ratio(r, o):
        return f"{r['okQps'] / o['okQps'] * 100:.0f} %" if r and o and o["okQps"] else "—"

    md.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
        LABEL.get(mode, mode), num(a and a["okQps"]), ratio(a, off_cpu), num(a and a["latencyMs"]["p99"], ".2f"),
        num(refused_per_s(a)), num(b and b["okQps"]), ratio(b, off_nocpu), num(b and b["latencyMs"]["p99"], ".2f"),
        num(refused_per_s(b))))
    for kind in ("cpu", "nocpu"):
        for i, r in enumerate(closed_runs(mode, kind)):
            csv_rows.append([mode, f"closed-{env['CLOSED_C']}-{kind}-run-{i + 1}", None, r["okQps"], None,
                             r["okLatencyMs"]["p50"], r["okLatencyMs"]["p99"], r["okLatencyMs"]["p999"],
                             round(refused_per_s(r), 1), other_errors(r)])
md.append("")

# ---- client side
clients = [(c, get("gradient", f"client-{c}")) for c in ("defaults", "breaker-re", "retry-budget", "retry-nobudget")]
if any(r for _, r in clients):
    md.append(f"Client side at {env['CLIENT_LOAD']}× capacity against the adaptive gradient limit, through the client "
              "governance chain (`bench --governance`): the default policies (no retry of refusals; breakers that "
              "do not count RESOURCE_EXHAUSTED as a failure); the service breaker counting it (as it did before "
              "issue 15); `Say` idempotent with 2 retries on RESOURCE_EXHAUSTED and UNAVAILABLE, with the default "
              "retry budget (stops above 10 % failed attempts) and without it. *Attempts* are the calls that "
              "reached the wire, retries included; breaker rejections fail locally with UNAVAILABLE.")
    md.append("")
    md.append("| client | sent/s | attempts/s | attempts per call | OK/s | admitted p99 ms | errors |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    names = {"defaults": "default chain", "breaker-re": "breaker counting RESOURCE_EXHAUSTED",
             "retry-budget": "retries, budget on", "retry-nobudget": "retries, budget off"}
    for c, r in clients:
        if r is None:
            md.append(f"| {names[c]} | — | — | — | — | — | — |")
            continue
        att = r.get("attempts", -1)
        per_call = att / r["sent"] if att >= 0 and r.get("sent") else None
        md.append("| {} | {} | {} | {} | {} | {} | {} |".format(
            names[c], num(r.get("sentQps")), num(att / r["durationSeconds"] if att >= 0 else None),
            num(per_call, ".2f"), num(r["okQps"]), num(r["okLatencyMs"]["p99"], ".2f"), codes(r["errors"])))
    md.append("")

if events:
    md.append("Churn guard events in the servers' logs:")
    md.append("")
    md.append("```")
    md.extend(e[:220] for e in events[:20])
    md.append("```")
    md.append("")

# ---- CSV
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
for i, c in enumerate(capacity_runs):
    csv_rows.insert(i, ["off", f"capacity-run-{i + 1}", None, c, None, None, None, None, None, None])
w.writerow(["limit", "load", "sent_qps", "ok_qps", "goodput_pct_of_capacity", "ok_p50_ms", "ok_p99_ms",
            "ok_p999_ms", "refused_qps", "other_errors"])
for row in csv_rows:
    w.writerow(["" if v is None else v for v in row])
md.append(f"The same figures as CSV (capacity {capacity:.0f} calls/s; raw runs as `bench --json` printed them are "
          "in the script's work directory while it runs):")
md.append("")
md.append("```csv")
md.append(buf.getvalue().rstrip("\n"))
md.append("```")
md.append("<!-- /overload -->")

section = "\n".join(md)
path = env["OUT_MD"]
old = open(path).read() if os.path.exists(path) else ""
i, j = old.find("<!-- overload -->"), old.find("<!-- /overload -->")
if i >= 0 and j > i:
    new = old[:i] + section + old[j + len("<!-- /overload -->"):]
else:
    new = old.rstrip("\n") + "\n\n" + section + "\n"
with open(path, "w") as f:
    f.write(new)
print(section)
