#!/usr/bin/env python3
"""plot_capacity.py POINTS.jsonl [OUT.png] - draws the capacity curve that
tests/load/capacity.sh measured: nara's CPU (% of one core) and RSS (MiB)
against concurrent three-person rooms, one line per transport. Points where
the load tool saturated its own core are drawn hollow and labelled: they
measure the tool, not nara. A straight line fitted to nara's CPU over the
points where neither side saturated is extended to 80 % of a core.

Also prints the points as a Markdown table and the fitted rooms at 80 %.
Needs matplotlib (Debian: python3-matplotlib); renders with Agg, no display.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGET_PCT = 80.0


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fit(points):
    """Least-squares CPU % = a + b * rooms over clean points; (a, b) or None."""
    clean = [(p["rooms"], p["nara_cpu_pct"]) for p in points
             if p.get("nara_cpu_pct") is not None and not p["tool_saturated"]
             and not p["nara_saturated"] and not p.get("error")]
    if len(clean) < 2:
        return None
    n = len(clean)
    mx = sum(x for x, _ in clean) / n
    my = sum(y for _, y in clean) / n
    sxx = sum((x - mx) ** 2 for x, _ in clean)
    if sxx == 0:
        return None
    b = sum((x - mx) * (y - my) for x, y in clean) / sxx
    return my - b * mx, b


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def table(points):
    print("| transport | rooms | peer conns | nara CPU % | µs / fwd pkt | fwd pkt/s | RSS MiB "
          "| RSS / PC KiB | threads | loss % | latency p99 ms | tool CPU % | note |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in points:
        note = []
        if p["tool_saturated"]:
            note.append("tool saturated")
        if p["nara_saturated"]:
            note.append("nara saturated")
        if p.get("error"):
            note.append(p["error"])
        print(f"| {p['transport']} | {p['rooms']} | {p['peer_connections']} "
              f"| {fmt(p['nara_cpu_pct'])} | {fmt(p['cpu_us_per_fwd_pkt'])} "
              f"| {fmt(p['forwarded_per_s'], 0)} | {fmt(p['rss_mib'])} "
              f"| {fmt(p['rss_per_pc_kib'], 0)} | {p['threads']} | {fmt(p['loss_pct'], 2)} "
              f"| {fmt(p['latency_p99_ms'], 2)} | {fmt(p['tool_cpu_pct'])} "
              f"| {'; '.join(note)} |")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: plot_capacity.py POINTS.jsonl [OUT.png]")
    points = load(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else "capacity.png"
    transports = list(dict.fromkeys(p["transport"] for p in points))
    colours = ["tab:blue", "tab:green", "tab:purple"]

    fig, (ax_cpu, ax_rss) = plt.subplots(1, 2, figsize=(11, 4.5))
    xmax = max(p["rooms"] for p in points)
    table(points)
    sat_labelled = set()
    for i, tr in enumerate(transports):
        pts = sorted((p for p in points if p["transport"] == tr), key=lambda p: p["rooms"])
        c = colours[i % len(colours)]
        for ax, key in ((ax_cpu, "nara_cpu_pct"), (ax_rss, "rss_mib")):
            xy = [(p["rooms"], p[key], p["tool_saturated"]) for p in pts if p.get(key) is not None]
            ax.plot([x for x, _, _ in xy], [y for _, y, _ in xy], "-", color=c, label=f"nara, {tr}")
            ax.plot([x for x, _, s in xy if not s], [y for _, y, s in xy if not s], "o", color=c)
            sat = [(x, y) for x, y, s in xy if s]
            if sat:
                ax.plot([x for x, _ in sat], [y for _, y in sat], "o", mfc="white", mec="tab:red",
                        mew=2, ms=9,
                        label=None if ax in sat_labelled else "load tool saturated (≥ 90 % of its core)")
                sat_labelled.add(ax)
        ab = fit(pts)
        if ab and ab[1] > 0:
            a, b = ab
            at = (TARGET_PCT - a) / b
            xmax = max(xmax, at)
            ax_cpu.plot([0, at], [a, TARGET_PCT], ":", color=c,
                        label=f"fit {tr}: {b:.2f} %/room → {TARGET_PCT:.0f} % at {at:.0f} rooms")
            print(f"\n{tr}: CPU % = {a:.2f} + {b:.3f} x rooms over unsaturated points; "
                  f"{TARGET_PCT:.0f} % of one core at {at:.0f} rooms")
    ax_cpu.axhline(TARGET_PCT, color="grey", lw=0.8, ls="--")
    ax_cpu.axhline(100, color="black", lw=0.8)
    ax_cpu.set_ylim(0, 145)
    ax_cpu.set_title("nara CPU, % of one core (1 media worker)")
    ax_rss.set_title("nara RSS, MiB")
    ax_rss.set_ylim(0, max(p["rss_mib"] or 0 for p in points) * 1.2)
    for ax in (ax_cpu, ax_rss):
        ax.set_xlim(0, xmax * 1.05)
        ax.set_xlabel("concurrent three-person rooms (mesh, 1.2 Mbit/s VP8 + Opus each)")
        ax.grid(alpha=0.3)
    ax_cpu.legend(fontsize=8, loc="upper right")
    ax_rss.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
