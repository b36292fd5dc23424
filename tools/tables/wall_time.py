#!/usr/bin/python3
"""Machine time the paper tables took, from their committed run records (each run's last stats
line: total_seconds, and eval_seconds_total of it). A run shared by two tables counts once in the
total. Usage: tools/tables/wall_time.py [experiments]"""
import glob
import json
import os
import sys


def last_stats(run_folder):
    last = None
    for line in open(os.path.join(run_folder, "stats.jsonl")):
        if line.strip():
            last = json.loads(line)
    return last or {}


def main(experiments):
    seen, total, evals = set(), 0.0, 0.0
    for table in sorted(glob.glob(os.path.join(experiments, "*", "tables", "runs", "*"))):
        runs = sorted(glob.glob(os.path.join(table, "*", "*")))
        seconds = 0.0
        for run in runs:
            stats = last_stats(run)
            seconds += stats.get("total_seconds", 0.0)
            key = os.path.relpath(run, table)  # <experiment>/<folder>: the same run in two tables
            if key not in seen:
                seen.add(key)
                total += stats.get("total_seconds", 0.0)
                evals += stats.get("eval_seconds_total", 0.0)
        print(f"{os.path.relpath(table, experiments)}: {len(runs)} runs, {seconds / 60:.0f} min")
    print(f"all tables: {len(seen)} distinct runs, {total / 60:.0f} min of machine time "
          f"({evals / 60:.0f} min of it evaluations)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "experiments"))
