#!/usr/bin/python3
"""Times the same experiment with two ganrig builds, interleaved (A B A B ...), each repetition a
fresh process (`ganrig bench --json`), and prints the medians and the median of the pair-by-pair
ratios of sec/iter and peak RSS. Used to check that a change to the loop is not slower.

  tools/bench/compare_builds.py OLD/bin/ganrig NEW/bin/ganrig EXPERIMENT.toml [--reps 5]
      [--iterations 6 --warmup 2] [--set KEY=VALUE ...] [--csv FILE]
"""
import argparse
import csv
import json
import statistics
import subprocess
import sys


def bench(binary, args):
    cmd = [binary, "bench", "--json", args.experiment, "--iterations", str(args.iterations), "--warmup", str(args.warmup)]
    for s in args.set:
        cmd += ["--set", s]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("BENCH ") + 6:].splitlines()[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("experiment")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--iterations", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--csv")
    args = p.parse_args()
    rows = []
    for rep in range(args.reps):
        for name, binary in (("a", args.a), ("b", args.b)):
            r = bench(binary, args)
            rows.append({"rep": rep, "build": name, "sec_per_iter": r["sec_per_iter"], "peak_rss_mib": r["peak_rss_mib"],
                         "params_g": r["params_g"], "params_d_trainable": r["params_d_trainable"]})
            print(f"rep {rep} {name}: {r['sec_per_iter']:.3f} s/iter, peak RSS {r['peak_rss_mib']:.0f} MiB", flush=True)
    a = [r for r in rows if r["build"] == "a"]
    b = [r for r in rows if r["build"] == "b"]
    if any(x["params_g"] != y["params_g"] or x["params_d_trainable"] != y["params_d_trainable"] for x, y in zip(a, b)):
        sys.exit("parameter counts differ between the builds")
    for key in ("sec_per_iter", "peak_rss_mib"):
        ratio = statistics.median(y[key] / x[key] for x, y in zip(a, b))
        print(f"{key}: A median {statistics.median(x[key] for x in a):.3f}, B median "
              f"{statistics.median(y[key] for y in b):.3f}, B/A (median of pairs) {ratio:.3f}")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
