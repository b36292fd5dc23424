#!/usr/bin/python3
"""Plots for a paper table, next to its README: quality against kimg per row (from
<id>-curves.csv) and cost against quality per table (from <id>.csv). Needs Debian's
python3-matplotlib (tools/plot-table.py installs nothing; apt-get install python3-matplotlib).

    tools/plot-table.py experiments/faster_projected_gan/tables/fpg_vs_pg.toml
"""
import csv
import os
import sys
import tomllib
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(table_file):
    spec = tomllib.load(open(table_file, "rb"))
    folder = os.path.dirname(os.path.abspath(table_file))
    table_id = os.path.splitext(os.path.basename(table_file))[0]
    readme_folder = os.path.dirname(os.path.join(folder, spec.get("readme", "../README.md")))
    metric_columns = [c for c in spec["columns"] if c["source"] == "metric" and not c.get("relative")]
    written = []

    curves = defaultdict(list)  # (row, metric) -> [(kimg, value)]
    curves_file = os.path.join(folder, table_id + "-curves.csv")
    if os.path.exists(curves_file):
        for r in csv.DictReader(open(curves_file)):
            curves[(r["row"], r["metric"])].append((float(r["kimg"]), float(r["value"])))
    if curves and metric_columns:
        fig, axes = plt.subplots(1, len(metric_columns), figsize=(5 * len(metric_columns), 3.6), squeeze=False)
        for ax, col in zip(axes[0], metric_columns):
            for row in spec["rows"]:
                points = sorted(curves.get((row["label"], col["metric"]), []))
                if points:
                    ax.plot([p[0] for p in points], [p[1] * col.get("scale", 1.0) for p in points], "o-", label=row["label"])
            ax.set_xlabel("kimg")
            ax.set_ylabel(col["label"] + f" ({col['metric']})")
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.suptitle(spec["title"], fontsize=9)
        fig.tight_layout()
        out = os.path.join(readme_folder, f"{table_id}-quality.png")
        fig.savefig(out, dpi=110)
        written.append(out)

    values = [r for r in csv.DictReader(open(os.path.join(folder, table_id + ".csv")))]
    cost = next((c for c in spec["columns"] if c["source"] in ("sec_per_kimg", "wall_sec_per_kimg") and not c.get("relative")), None)
    cost = cost or next((c for c in spec["columns"] if c["source"] in ("sec_per_kimg", "wall_sec_per_kimg")), None)
    if values and cost and metric_columns:
        quality = metric_columns[0]
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for row in spec["rows"]:
            pts = [(float(v[cost["label"]]), float(v[quality["label"]]) * quality.get("scale", 1.0))
                   for v in values if v["row"] == row["label"] and v[cost["label"]] and v[quality["label"]]]
            if pts:
                ax.scatter([p[0] for p in pts], [p[1] for p in pts], label=row["label"])
        ax.set_xlabel("sec/kimg (" + cost["source"] + ")")
        ax.set_ylabel(quality["label"] + " (lower is better)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.set_title(spec["title"], fontsize=8)
        fig.tight_layout()
        out = os.path.join(readme_folder, f"{table_id}-cost.png")
        fig.savefig(out, dpi=110)
        written.append(out)
    for w in written:
        print("wrote", w)


if __name__ == "__main__":
    for f in sys.argv[1:]:
        main(f)
