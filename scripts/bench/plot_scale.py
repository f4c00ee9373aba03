#!/usr/bin/env python3
"""Draws scripts/bench/scale's scaling figures: acked updates/s against the number of workers, one line per load
shape and gateway count, each with the linear reference from its first point (dashed). When every run had the
same number of workers, against the number of gateways instead (one line per load shape).

    plot_scale.py FIGURES PNG TITLE

FIGURES has one `LOAD WORKERS GATEWAYS UPDATES_PER_S` line per run, as the scale script writes them.
"""
import collections
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first


def main():
    figures, png, title = sys.argv[1:4]
    runs = []
    for line in open(figures):
        load, workers, gateways, rate = line.split()
        runs.append((load, int(workers), int(gateways), float(rate)))
    by_gateways = len({w for _, w, _, _ in runs}) == 1
    axis = "gateways" if by_gateways else "workers"
    series = collections.defaultdict(list)
    for load, workers, gateways, rate in runs:
        if by_gateways:
            series[(load, f"{workers} workers")].append((gateways, rate))
        else:
            series[(load, f"{gateways} gateway{'s' if gateways > 1 else ''}")].append((workers, rate))
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for (load, fixed), points in sorted(series.items()):
        points.sort()
        xs = [w for w, _ in points]
        ys = [r / 1000 for _, r in points]
        line, = ax.plot(xs, ys, marker="o", label=f"{load}, {fixed}")
        w0, r0 = xs[0], ys[0]
        ax.plot(xs, [r0 * w / w0 for w in xs], linestyle="--", color=line.get_color(), alpha=0.5)
        for x, y in zip(xs, ys):
            ax.annotate(f"{y / r0:.2f}×", (x, y), textcoords="offset points", xytext=(4, -12), fontsize=8)
    ax.set_xlabel(axis)
    ax.set_ylabel("acked step updates/s (thousands)")
    ax.set_xticks(sorted({w for points in series.values() for w, _ in points}))
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, title="load (connections × window)", title_fontsize=8)
    fig.tight_layout()
    fig.savefig(png)
    print(f"plot: {png}")


if __name__ == "__main__":
    main()
