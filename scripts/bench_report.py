"""Turns bench.sh's results.jsonl into a Markdown table (ratios to reactor) and an SVG bar chart."""
import datetime
import json
import sys
from html import escape

results_path, md_path, svg_path, command, seconds, warmup = sys.argv[1:7]
rows = [json.loads(line) for line in open(results_path) if line.strip()]

# reactor's throughput per (connections, pipeline), for the ratio column.
reactor = {}
for r in rows:
    res = r.get("result", {})
    if r["server"] == "reactor" and "messages_per_second" in res:
        reactor[(res["connections"], res["pipeline"])] = res["messages_per_second"]

lines = [
    f"Echo, 64-byte messages; server pinned to core 0, load generator to core 1; {seconds} s per row after {warmup} s warm-up.",
    f"Run {datetime.date.today().isoformat()} with `{command}`. Ratio = server's msg/s / reactor's msg/s in the same row.",
    "",
    "Server CPU is utime+stime of all its processes over warm-up and run; CPU µs/msg scales it to the measured",
    "window (servers are saturated, so the load is even). Peak RSS is VmHWM summed over the server's processes;",
    "PSS (shared pages divided among the processes that map them, so the binary's and libc's pages count",
    "in part) and anon (its own memory: heaps, stacks, buffers; Pss_Anon) are from /proc/PID/smaps_rollup",
    "at the end of the row, with the connections still open.",
    "",
    "| server | connections | pipeline | msg/s | ratio to reactor | p50 µs | p99 µs | mismatches | server CPU s | CPU µs/msg | peak RSS MiB | PSS MiB | anon MiB |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
bars = []
for r in rows:
    res = r.get("result", {})
    if "skipped" in r:
        lines.append(f"| {r['server']} | {r.get('connections', '')} | {r.get('pipeline', '')} | skipped: {r['skipped']} | | | | | | | | | |")
        continue
    if "messages_per_second" not in res:
        lines.append(f"| {r['server']} | | | failed: {escape(json.dumps(res))} | | | | | | | | | |")
        continue
    key = (res["connections"], res["pipeline"])
    rate = res["messages_per_second"]
    ratio = f"{rate / reactor[key]:.2f}" if key in reactor and reactor[key] else "n/a"
    cpu = r["cpu_ticks"] / 100.0
    window = float(res["seconds"]) / (float(res["seconds"]) + float(warmup))
    per_msg = cpu * window * 1e6 / res["messages"] if res["messages"] else 0
    lines.append(
        f"| {r['server']} | {key[0]} | {key[1]} | {rate:,.0f} | {ratio} | {res['p50_us']} | {res['p99_us']} | "
        f"{res['mismatches']} | {cpu:.2f} | {per_msg:.2f} | {r['peak_rss_kib'] / 1024:.1f} | "
        f"{r['pss_kib'] / 1024:.1f} | {r['anon_kib'] / 1024:.1f} |")
    bars.append((key, r["server"], rate, ratio))
open(md_path, "w").write("\n".join(lines) + "\n")

# One panel per load (connections, pipeline), each scaled to its own fastest server, so the
# 1-connection row is as readable as the pipelined one; reactor's bars highlighted.
loads = list(dict.fromkeys(b[0] for b in bars))
width, left, bar_h, gap, panel_gap = 900, 130, 16, 4, 34
servers_per_load = {load: [b for b in bars if b[0] == load] for load in loads}
height = 40 + sum(panel_gap + len(v) * (bar_h + gap) for v in servers_per_load.values())
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       '<text x="10" y="20" font-size="14">Echo throughput (msg/s, ratio to reactor), 64-byte messages, server on 1 core</text>']
y = 40
for load in loads:
    panel = servers_per_load[load]
    top = max(b[2] for b in panel) or 1
    connections, pipeline = load
    title = f"{connections:,} connection{'s' if connections != 1 else ''}" + (f", pipeline {pipeline}" if pipeline > 1 else "")
    svg.append(f'<text x="10" y="{y + 16}" font-weight="bold">{escape(title)}</text>')
    y += panel_gap - 10
    for _, server, rate, ratio in panel:
        w = (width - left - 150) * rate / top
        color = "#d9480f" if server == "reactor" else "#4c6ef5"
        svg.append(f'<text x="{left - 8}" y="{y + 12}" text-anchor="end">{escape(server)}</text>')
        svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
        svg.append(f'<text x="{left + w + 5:.1f}" y="{y + 12}">{rate:,.0f} ({ratio})</text>')
        y += bar_h + gap
    y += 10
svg.append("</svg>")
open(svg_path, "w").write("\n".join(svg) + "\n")
