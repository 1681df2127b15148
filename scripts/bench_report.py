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
    "window (servers are saturated, so the load is even). Peak RSS is VmHWM summed over the server's processes.",
    "",
    "| server | connections | pipeline | msg/s | ratio to reactor | p50 µs | p99 µs | mismatches | server CPU s | CPU µs/msg | peak RSS MiB |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
bars = []
for r in rows:
    res = r.get("result", {})
    if "skipped" in r:
        lines.append(f"| {r['server']} | {r.get('connections', '')} | {r.get('pipeline', '')} | skipped: {r['skipped']} | | | | | | | |")
        continue
    if "messages_per_second" not in res:
        lines.append(f"| {r['server']} | | | failed: {escape(json.dumps(res))} | | | | | | | |")
        continue
    key = (res["connections"], res["pipeline"])
    rate = res["messages_per_second"]
    ratio = f"{rate / reactor[key]:.2f}" if key in reactor and reactor[key] else "n/a"
    cpu = r["cpu_ticks"] / 100.0
    window = float(res["seconds"]) / (float(res["seconds"]) + float(warmup))
    per_msg = cpu * window * 1e6 / res["messages"] if res["messages"] else 0
    lines.append(
        f"| {r['server']} | {key[0]} | {key[1]} | {rate:,.0f} | {ratio} | {res['p50_us']} | {res['p99_us']} | "
        f"{res['mismatches']} | {cpu:.2f} | {per_msg:.2f} | {r['peak_rss_kib'] / 1024:.1f} |")
    bars.append((f"{r['server']} c={key[0]} p={key[1]}", rate, r["server"] == "reactor"))
open(md_path, "w").write("\n".join(lines) + "\n")

# A horizontal bar chart: one bar per row, reactor's bars highlighted.
width, left, bar_h, gap = 900, 260, 18, 6
height = 40 + len(bars) * (bar_h + gap)
top = max([b[1] for b in bars] + [1])
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<text x="10" y="20" font-size="14">Echo throughput (msg/s), 64-byte messages, server on 1 core</text>']
for i, (label, rate, is_reactor) in enumerate(bars):
    y = 35 + i * (bar_h + gap)
    w = (width - left - 90) * rate / top
    color = "#d9480f" if is_reactor else "#4c6ef5"
    svg.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
    svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
    svg.append(f'<text x="{left + w + 5:.1f}" y="{y + 13}">{rate:,.0f}</text>')
svg.append("</svg>")
open(svg_path, "w").write("\n".join(svg) + "\n")
