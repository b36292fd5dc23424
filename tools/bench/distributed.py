#!/usr/bin/python3
"""One process with T threads against T processes with one thread each (a data-parallel group on
c10d's Gloo, as `ganrig train --nproc T` runs it), the same experiment and global batch,
interleaved (A B B A ...), each repetition fresh processes (`ganrig bench --json [--nproc T]`).
Prints medians and the median of the pair-by-pair ratios of sec/iter, and peak RSS per process.
With --world-of-one, instead: the plain single process against a c10d group of one rank
(RANK=0 WORLD_SIZE=1: every collective runs, with nothing to exchange), both with --procs
threads: the cost of the distributed path itself (on a GPU: NCCL at world size 1).

  tools/bench/distributed.py build/bin/ganrig EXPERIMENT.toml [EXPERIMENT2.toml ...] [--reps 3]
      [--procs 2] [--world-of-one] [--iterations 6 --warmup 2] [--set KEY=VALUE ...] [--csv FILE]
"""
import argparse
import csv
import json
import os
import socket
import statistics
import subprocess


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# nproc 0 stands for the group of one rank (--world-of-one).
def bench(args, experiment, nproc):
    cmd = [args.ganrig, "bench", "--json", experiment, "--iterations", str(args.iterations), "--warmup", str(args.warmup),
           "--set", f"exec.threads={1 if nproc > 1 else args.procs}"]
    if nproc > 1:
        cmd += ["--nproc", str(nproc)]
    for s in args.set:
        cmd += ["--set", s]
    env = dict(os.environ)
    if nproc == 0:
        env.update(RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out[out.index("BENCH ") + 6:].splitlines()[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ganrig")
    p.add_argument("experiments", nargs="+")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--iterations", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--world-of-one", action="store_true")
    p.add_argument("--csv")
    args = p.parse_args()
    rows = []
    other = 0 if args.world_of_one else args.procs
    title = (f"c10d group of 1 rank x {args.procs} threads" if args.world_of_one
             else f"{args.procs} processes x 1 thread")
    print(f"| experiment | batch | 1 process x {args.procs} threads s/iter | {title} s/iter "
          f"| speed-up | peak RSS MiB per process (plain / other) |")
    print("|---|---|---|---|---|---|")
    for experiment in args.experiments:
        single, group = [], []
        for rep in range(args.reps):
            order = [1, other] if rep % 2 == 0 else [other, 1]
            for nproc in order:
                r = bench(args, experiment, nproc)
                r["rep"], r["nproc"] = rep, nproc
                rows.append(r)
                (single if nproc == 1 else group).append(r)
        ratios = [a["sec_per_iter"] / b["sec_per_iter"] for a, b in zip(single, group)]
        med = lambda rs, k: statistics.median(r[k] for r in rs)
        print(f"| {single[0]['experiment']} | {single[0]['batch']} | {med(single, 'sec_per_iter'):.3f} "
              f"| {med(group, 'sec_per_iter'):.3f} | {statistics.median(ratios):.2f}x "
              f"| {med(single, 'peak_rss_mib'):.0f} / {med(group, 'peak_rss_mib'):.0f} |")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
