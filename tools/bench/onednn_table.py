#!/usr/bin/python3
"""Where a step's oneDNN time goes, primitive by primitive: reads `DNNL_VERBOSE=1` output (a file or
stdin) of a run of ITERATIONS step iterations and prints, per primitive (kind, implementation,
propagation, shape), its calls per iteration, the median execution time of one call and their
product, largest first. Medians, so that the first call of each primitive (which includes oneDNN's
lazy set-up) does not count.

  DNNL_VERBOSE=1 build/bin/ganrig bench --json EXPERIMENT --warmup 2 --iterations 1 [--set ...] \\
      | tools/bench/onednn_table.py --iterations 3 [--top 30]
"""
import argparse
import collections
import statistics
import sys


def primitive_times(lines):
    times = collections.defaultdict(list)
    for line in lines:
        if not line.startswith("onednn_verbose,exec,") and not line.startswith("dnnl_verbose,exec,"):
            continue
        fields = line.rstrip("\n").split(",")
        # exec, engine, primitive, implementation, propagation, ..., problem, time
        key = f"{fields[3]} {fields[4]} {fields[5]} {fields[-2]}"
        times[key].append(float(fields[-1]))
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", nargs="?", help="DNNL_VERBOSE output (default: stdin)")
    ap.add_argument("--iterations", type=int, required=True, help="step iterations the log covers, warm-up included")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    lines = open(args.log) if args.log else sys.stdin
    rows = [(statistics.median(t) * len(t) / args.iterations, len(t) / args.iterations, statistics.median(t), key)
            for key, t in primitive_times(lines).items()]
    if not rows:
        sys.exit("onednn_table.py: no oneDNN verbose lines (was DNNL_VERBOSE=1 set, and the output not captured by a child?)")
    rows.sort(reverse=True)
    print(f"oneDNN per iteration: {sum(r[0] for r in rows):.1f} ms in {sum(r[1] for r in rows):.0f} calls "
          f"(reorders {sum(r[0] for r in rows if r[3].startswith('reorder')):.1f} ms)")
    print(" ms/iter  calls/iter  ms/call  primitive")
    for total, calls, median, key in rows[:args.top]:
        print(f"{total:8.1f}  {calls:10.1f}  {median:7.2f}  {key}")


if __name__ == "__main__":
    main()
