#!/usr/bin/python3
"""Plots for a paper table, next to its README: quality against kimg per row (from
<id>-curves.csv) and cost against quality per table (from <id>.csv). Needs Debian's
python3-matplotlib (tools/plot-table.py installs nothing; apt-get install python3-matplotlib).

    tools/plot-table.py experiments/faster_projected_gan/tables/fpg_vs_pg.toml

A table with `pareto = [COST..., QUALITY]` also gets <id>-pareto.png: a panel per cost column (and
per benchmarked sec/kimg column),
each row's mean QUALITY against its COST (a bench column's: the median over the bench CSV's
repetitions, as `ganrig table` prints it), the rows no other row beats in both filled and named.
"""
import argparse
import csv
import os
import statistics
import tomllib
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def row_means(values, label_of_value):
    """Mean of each row's values of one column, over the seeds that have it."""
    sums = defaultdict(list)
    for v in values:
        x = label_of_value(v)
        if x is not None:
            sums[v["row"]].append(x)
    return {row: sum(xs) / len(xs) for row, xs in sums.items()}


def front_of(points):
    """Labels of the points no other point dominates (lower is better in both coordinates)."""
    def dominated(p):
        return any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points.values())
    return {label for label, p in points.items() if not dominated(p)}


def bench_medians(spec, folder, column):
    """Row label -> median of the column's field over its repetitions in the bench CSV."""
    per_row = defaultdict(list)
    for r in csv.DictReader(open(os.path.join(folder, column["bench"]))):
        value = float(r["sec_per_iter"]) * 1000.0 / float(r["batch"]) if column["field"] == "sec_per_kimg" \
            else float(r[column["field"]])
        per_row[r["row"]].append(value)
    medians = {row: statistics.median(xs) for row, xs in per_row.items()}
    return {row["label"]: medians[row.get("bench_row", row["label"])] for row in spec["rows"]
            if row.get("bench_row", row["label"]) in medians}


def column_means(spec, folder, values, column):
    if column["source"] == "bench":
        return bench_medians(spec, folder, column)
    return row_means(values, lambda v: float(v[column["label"]]) if v.get(column["label"]) else None)


def pareto_plot(spec, folder, values, out):
    columns = {c["label"]: c for c in spec["columns"]}
    quality = next(columns[label] for label in spec["pareto"] if columns[label]["source"] == "metric")
    costs = [columns[label] for label in spec["pareto"] if label != quality["label"]]
    # A benchmarked time gets its own panel and front even when the table marks another cost's.
    costs += [c for c in spec["columns"] if c["source"] == "bench" and c.get("field") == "sec_per_kimg"
              and not c.get("relative") and c not in costs]
    y = column_means(spec, folder, values, quality)
    fig, axes = plt.subplots(1, len(costs), figsize=(5.5 * len(costs), 4.2), squeeze=False)
    for ax, cost in zip(axes[0], costs):
        x = column_means(spec, folder, values, cost)
        points = {row: (x[row], y[row] * quality.get("scale", 1.0)) for row in y if row in x}
        front = front_of(points)
        # Labels alternate above and below along x, so that neighbouring rows stay legible.
        for i, (row, (px, py)) in enumerate(sorted(points.items(), key=lambda item: item[1][0])):
            on = row in front
            ax.scatter([px], [py], s=60, facecolors="C0" if on else "none", edgecolors="C0")
            ax.annotate(row + (" ★" if on else ""), (px, py), fontsize=7, xytext=(4, 5 if i % 2 else -11),
                        textcoords="offset points")
        ax.set_xlabel(cost["label"] + (" (bench median)" if cost["source"] == "bench" else ""))
        ax.set_ylabel(quality["label"] + " (mean over seeds, lower is better)")
        ax.grid(alpha=0.3)
    fig.suptitle(spec["title"] + "\nfilled ★: no other row has both a lower x and a lower " + quality["label"], fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return out


def main(table_file):
    spec = tomllib.load(open(table_file, "rb"))
    folder = os.path.dirname(os.path.abspath(table_file))
    table_id = os.path.splitext(os.path.basename(table_file))[0]
    readme_folder = os.path.normpath(os.path.dirname(os.path.join(folder, spec.get("readme", "../README.md"))))
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
    if values and spec.get("pareto"):
        written.append(pareto_plot(spec, folder, values, os.path.join(readme_folder, f"{table_id}-pareto.png")))
    for w in written:
        print("wrote", w)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tables", nargs="+", help="table .toml files")
    args = ap.parse_args()
    for f in args.tables:
        main(f)
