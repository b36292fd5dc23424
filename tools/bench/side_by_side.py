#!/usr/bin/python3
"""Times ganrig's Projected GAN step against the plain PyTorch-eager step (pg_step.py), side by side.

For each configuration the two run in turn, each in a fresh process, repeated (A B, B A, A B ...:
the order alternates so drift on a shared machine hits both), and the medians are compared:
speed-up = peer sec/iter / ganrig sec/iter, memory = ganrig peak RSS / peer peak RSS - 1.
Both get the same threads and the same glibc malloc tuning (ganrig sets it itself; the peer gets
the equivalent MALLOC_* variables), random EfficientNet-lite0 weights, the same widths and batch.

    tools/bench/side_by_side.py [--reps 3] [--configs pg64,fpg64,pg128,fpg128] [--csv out.csv]
        [--ganrig build/bin/ganrig] [--set KEY=VALUE ...] [--peer-arg=--flag ...]

Prints a Markdown table and writes every raw measurement to the CSV (one row per process).
"""
import argparse
import csv
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The four configurations of issue 12: fastgan_lite G, EfficientNet-lite0 trunk with random
# weights, CCM + CSM, 4 mini-discriminators, DiffAugment, hinge, G EMA.
CONFIGS = {
    "pg64": dict(res=64, ngf=32, batch=8, block="conv", label="PG 64x64, ngf 32, batch 8"),
    "fpg64": dict(res=64, ngf=32, batch=8, block="dsc", label="FPG (dsc in G) 64x64, ngf 32, batch 8"),
    "pg128": dict(res=128, ngf=64, batch=4, block="conv", label="PG 128x128, ngf 64, batch 4"),
    "fpg128": dict(res=128, ngf=64, batch=4, block="dsc", label="FPG (dsc in G) 128x128, ngf 64, batch 4"),
}

PEER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024), "MALLOC_TRIM_THRESHOLD_": str(1024 ** 3),
               "MALLOC_TOP_PAD_": str(64 * 1024 * 1024)}


def ganrig_command(args, cfg):
    sets = [f"dataset.resolution={cfg['res']}", f"generator.ngf={cfg['ngf']}", f"train.batch={cfg['batch']}",
            f"generator.block={cfg['block']}", "projector.type=efficientnet_lite0", "projector.allow_random=true",
            f"exec.threads={args.threads}", "exec.batch_per_device=0"] + args.set
    cmd = [args.ganrig, "bench", "--json", os.path.join(ROOT, "experiments/projected_gan/pg_fmnist64.toml"),
           "--warmup", str(args.warmup), "--iterations", str(args.iterations)]
    for s in sets:
        cmd += ["--set", s]
    return cmd


def peer_command(args, cfg):
    return [sys.executable, os.path.join(ROOT, "tools/bench/pg_step.py"), "--res", str(cfg["res"]), "--ngf",
            str(cfg["ngf"]), "--batch", str(cfg["batch"]), "--block", cfg["block"], "--threads", str(args.threads),
            "--warmup", str(args.warmup), "--iterations", str(args.iterations)] + args.peer_arg


def run(cmd, marker, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in out.stdout.splitlines():
        if line.startswith(marker + " "):
            return json.loads(line[len(marker) + 1:])
    sys.exit(f"{' '.join(cmd)} printed no {marker} line (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")


def measure(args, name, cfg, rep):
    peer_env = dict(os.environ, **PEER_MALLOC)
    jobs = [("peer", lambda: run(peer_command(args, cfg), "PEER", peer_env)),
            ("ganrig", lambda: run(ganrig_command(args, cfg), "BENCH"))]
    if rep % 2:
        jobs.reverse()
    rows = []
    for who, job in jobs:
        r = job()
        params = (r["G"], r["D_trainable"]) if who == "peer" else (r["params_g"], r["params_d_trainable"])
        rows.append(dict(config=name, rep=rep, impl=who, sec_per_iter=r["sec_per_iter"],
                         peak_rss_mib=r["peak_rss_mib"], g_params=params[0], d_trainable_params=params[1]))
        print(f"  {name} rep {rep} {who:6s} {r['sec_per_iter']:.3f} s/iter  {r['peak_rss_mib']:.0f} MiB", file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--ganrig", default=os.path.join(ROOT, "build/bin/ganrig"))
    ap.add_argument("--set", action="append", default=[], help="extra --set for ganrig (e.g. exec.precision=bf16)")
    ap.add_argument("--peer-arg", action="append", default=[], help="extra argument for pg_step.py")
    ap.add_argument("--csv", help="write the raw measurements here")
    args = ap.parse_args()

    rows = []
    names = args.configs.split(",")
    for rep in range(args.reps):  # configurations interleaved within each repetition
        for name in names:
            rows += measure(args, name, CONFIGS[name], rep)

    if args.csv:
        with open(args.csv, "w", newline="") as f:
            f.write(f"# {datetime.datetime.now().isoformat(timespec='seconds')} {platform.node()} "
                    f"{os.cpu_count()} CPUs; {' '.join(sys.argv)}\n")
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)

    print("| config | peer s/iter | ganrig s/iter | ganrig speed-up | peer peak RSS MiB | ganrig peak RSS MiB | memory |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        def med(who, key):
            return statistics.median(r[key] for r in rows if r["config"] == name and r["impl"] == who)
        same = {(r["g_params"], r["d_trainable_params"]) for r in rows if r["config"] == name}
        note = "" if len(same) == 1 else " (parameter counts differ!)"
        print(f"| {CONFIGS[name]['label']}{note} | {med('peer', 'sec_per_iter'):.3f} | {med('ganrig', 'sec_per_iter'):.3f} "
              f"| {med('peer', 'sec_per_iter') / med('ganrig', 'sec_per_iter'):.2f}x "
              f"| {med('peer', 'peak_rss_mib'):.0f} | {med('ganrig', 'peak_rss_mib'):.0f} "
              f"| {med('ganrig', 'peak_rss_mib') / med('peer', 'peak_rss_mib') - 1:+.0%} |")


if __name__ == "__main__":
    main()
