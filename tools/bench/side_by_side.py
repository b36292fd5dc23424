#!/usr/bin/python3
"""Times ganrig's Projected GAN step against a peer step, side by side, under the same process settings.

The peer is the official code (`--official CHECKOUT`: autonomousvision/projected-gan's own
training_loop() through tools/bench/official_step.py, read from the checkout at run time) or,
without it, tools/bench/pg_step.py (our plain PyTorch-eager rewrite of the same step). For each
configuration the two run in turn, each in a fresh process, repeated (A B, B A, A B ...: the order
alternates so drift on a shared machine hits both), and the medians are compared:
speed-up = peer sec/iter / ganrig sec/iter, memory = ganrig peak RSS / peer peak RSS - 1.

Process settings: the peer gets exactly what ganrig gives itself, as ganrig reports it
(`ganrig bench --json`'s "settings"): jemalloc preloaded with ganrig's effective malloc_conf (or
glibc tuned as ganrig tunes it), OpenBLAS limited to ganrig's thread count, the same intra-op
threads. Both sides report the settings they actually ran with; the script prints them and stops
if they differ. `--peer-settings as-shipped` runs the peer with the environment as it is instead
(the "as it ships" figure). Random EfficientNet-lite0 weights, the same widths and batch on both
sides; parameter counts are compared.

    tools/bench/side_by_side.py [--official CHECKOUT] [--reps 3] [--configs pg64,fpg64,pg128,fpg128]
        [--csv out.csv] [--ganrig build/bin/ganrig] [--set KEY=VALUE ...] [--peer-arg=--flag ...]
        [--peer-settings ganrig|as-shipped]
    tools/bench/side_by_side.py --pool RUN1.csv RUN2.csv ...

Prints the settings and a Markdown table and writes every raw measurement to the CSV (one row per
process). The table's last column is the range of the per-repetition speed-ups (peer and ganrig of
the same repetition): on a shared machine one run's medians move by 10-20% between runs, so
`--pool` prints the same tables over the repetitions of several runs' CSVs instead of measuring.
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

import process_settings
import profile_parts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The four configurations of issue 12: fastgan_lite G, EfficientNet-lite0 trunk with random
# weights, CCM + CSM, 4 mini-discriminators, DiffAugment, hinge, G EMA.
CONFIGS = {
    "pg64": dict(res=64, ngf=32, batch=8, block="conv", label="PG 64x64, ngf 32, batch 8"),
    "fpg64": dict(res=64, ngf=32, batch=8, block="dsc", label="FPG (dsc in G) 64x64, ngf 32, batch 8"),
    "pg128": dict(res=128, ngf=64, batch=4, block="conv", label="PG 128x128, ngf 64, batch 4"),
    "fpg128": dict(res=128, ngf=64, batch=4, block="dsc", label="FPG (dsc in G) 128x128, ngf 64, batch 4"),
}

SETTINGS = ("allocator", "malloc_conf", "blas_threads", "threads")


def ganrig_command(args, cfg):
    sets = [f"dataset.resolution={cfg['res']}", f"generator.ngf={cfg['ngf']}", f"train.batch={cfg['batch']}",
            f"generator.block={cfg['block']}", "projector.type=efficientnet_lite0", "projector.allow_random=true",
            f"exec.threads={args.threads}", "exec.batch_per_device=0"] + args.set
    cmd = [args.ganrig, "bench", "--json", os.path.join(ROOT, "experiments/projected_gan/pg_fmnist64.toml"),
           "--warmup", str(args.warmup), "--iterations", str(args.iterations)]
    if args.profile:  # profiled iterations run after the timed ones, which stay unprofiled
        cmd += ["--profile", "--profile-iterations", str(args.profile)]
    for s in sets:
        cmd += ["--set", s]
    return cmd


def peer_command(args, cfg):
    shape = ["--res", str(cfg["res"]), "--ngf", str(cfg["ngf"]), "--batch", str(cfg["batch"]), "--block", cfg["block"],
             "--threads", str(args.threads), "--warmup", str(args.warmup), "--iterations", str(args.iterations)]
    if args.official:
        profile = ["--profile", str(args.profile), "--by-part"] if args.profile else []
        return [sys.executable, os.path.join(ROOT, "tools/bench/official_step.py"), "--official", args.official] + \
            shape + profile + args.peer_arg
    return [sys.executable, os.path.join(ROOT, "tools/bench/pg_step.py")] + shape + args.peer_arg


def ganrig_settings(args):
    """What ganrig gives itself (one short bench of the first configuration)."""
    cmd = ganrig_command(args, CONFIGS[args.configs.split(",")[0]])
    cmd[cmd.index("--warmup") + 1], cmd[cmd.index("--iterations") + 1] = "0", "1"
    return run(cmd, "BENCH")["settings"]


def settings_text(settings):
    return ", ".join(f"{k} {settings.get(k)}" for k in SETTINGS)


def run(cmd, marker, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in out.stdout.splitlines():
        if line.startswith(marker + " "):
            return dict(json.loads(line[len(marker) + 1:]), stdout=out.stdout)
    sys.exit(f"{' '.join(cmd)} printed no {marker} line (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")


def check_settings(args, who, got):
    if args.peer_settings == "as-shipped" and who == "peer":
        return
    differing = [k for k in SETTINGS if got.get(k) != args.settings.get(k)]
    if differing:
        sys.exit(f"the {who} ran with {settings_text(got)}; ganrig's are {settings_text(args.settings)}: "
                 f"{', '.join(differing)} differ")


def profile_shares(args, who, r):
    """With --profile: ganrig's convolution share of its step (from its profile report); the official
    step's shares by network part (its PEER line)."""
    if not args.profile:
        return {}
    if who == "ganrig":
        return {"conv_share": profile_parts.ganrig_conv_share(r["stdout"])}
    return {f"share_{part.replace(' ', '_').replace('-', '_')}": share
            for part, share in r.get("shares_by_part", {}).items()}


def measure(args, name, cfg, rep):
    peer_env = dict(os.environ) if args.peer_settings == "as-shipped" else \
        process_settings.peer_environment(args.ganrig, args.settings)
    jobs = [("peer", lambda: run(peer_command(args, cfg), "PEER", peer_env)),
            ("ganrig", lambda: run(ganrig_command(args, cfg), "BENCH"))]
    if rep % 2:
        jobs.reverse()
    rows = []
    for who, job in jobs:
        r = job()
        check_settings(args, who, r["settings"])
        params = (r["G"], r["D_trainable"]) if who == "peer" else (r["params_g"], r["params_d_trainable"])
        rows.append(dict(config=name, rep=rep, impl=who, sec_per_iter=r["sec_per_iter"],
                         peak_rss_mib=r["peak_rss_mib"], g_params=params[0], d_trainable_params=params[1],
                         precision=r["precision"], **{f"setting_{k}": r["settings"].get(k) for k in SETTINGS},
                         **profile_shares(args, who, r)))
        print(f"  {name} rep {rep} {who:6s} {r['sec_per_iter']:.3f} s/iter  {r['peak_rss_mib']:.0f} MiB", file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--official", help="checkout of autonomousvision/projected-gan: its own step is the peer")
    ap.add_argument("--peer-settings", default="ganrig", choices=["ganrig", "as-shipped"],
                    help="ganrig: the peer gets ganrig's process settings; as-shipped: the environment as it is")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--ganrig", default=os.path.join(ROOT, "build/bin/ganrig"))
    ap.add_argument("--set", action="append", default=[], help="extra --set for ganrig (e.g. exec.precision=bf16)")
    ap.add_argument("--peer-arg", action="append", default=[], help="extra argument for pg_step.py")
    ap.add_argument("--csv", help="write the raw measurements here")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="profile N more iterations in each process (after the timed ones) and print the "
                         "convolution ceiling: peer sec/iter / ganrig's convolution time")
    ap.add_argument("--pool", nargs="+", metavar="CSV", help="measure nothing: the tables over these runs' CSVs")
    args = ap.parse_args()
    if args.pool:
        return pool(args)

    names = args.configs.split(",")
    args.settings = ganrig_settings(args)
    peer = f"the official code ({args.official})" if args.official else "tools/bench/pg_step.py (our rewrite)"
    print(f"peer: {peer}; ganrig: {args.ganrig}")
    print(f"ganrig's process settings: {settings_text(args.settings)}")
    print("peer's process settings: " + ("the environment as it is (as it ships)" if args.peer_settings == "as-shipped"
                                         else "ganrig's (checked in every peer process)"))
    if args.settings["allocator"] == "jemalloc" and args.peer_settings == "ganrig":
        print(f"  peer environment: LD_PRELOAD={process_settings.ganrig_jemalloc(args.ganrig)} "
              f"MALLOC_CONF={args.settings['malloc_conf']} OPENBLAS_NUM_THREADS={args.settings.get('blas_threads')}")
    print(f"{platform.node()}, {os.cpu_count()} CPUs, {args.threads} threads, {args.warmup} warm-up + "
          f"{args.iterations} timed iterations per process, {args.reps} repetitions, medians", flush=True)
    rows = []
    for rep in range(args.reps):  # configurations interleaved within each repetition
        for name in names:
            rows += measure(args, name, CONFIGS[name], rep)

    if args.csv:
        with open(args.csv, "w", newline="") as f:
            f.write(f"# {datetime.datetime.now().isoformat(timespec='seconds')} {platform.node()} "
                    f"{os.cpu_count()} CPUs; {' '.join(sys.argv)}\n")
            w = csv.DictWriter(f, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), restval="")
            w.writeheader()
            w.writerows(rows)

    report(args, names, rows)


NUMERIC = ("sec_per_iter", "peak_rss_mib", "g_params", "d_trainable_params", "conv_share")


def pool(args):
    """The tables over the repetitions of earlier runs (their CSVs; repetition r of file i pairs with itself)."""
    rows = []
    for i, path in enumerate(args.pool):
        with open(path) as f:
            print(f"run {i + 1}: {path}: {f.readline().lstrip('# ').strip()}")
            for r in csv.DictReader(f):
                r = {k: v for k, v in r.items() if v != ""}
                for k in r:
                    if k in NUMERIC or k.startswith("share_"):
                        r[k] = int(r[k]) if k.endswith("params") else float(r[k])
                r["rep"] = f"{i}.{r['rep']}"
                rows.append(r)
    names = [n for n in CONFIGS if any(r["config"] == n for r in rows)]
    args.profile = "the runs'" if all("conv_share" in r for r in rows if r["impl"] == "ganrig") else 0
    args.official = "" if all("share_generator" in r for r in rows if r["impl"] == "peer") else None
    print(f"pooled: {len(args.pool)} runs, {len({r['rep'] for r in rows})} repetitions, medians")
    report(args, names, rows)


def rep_speedups(rows, name):
    """Peer sec/iter / ganrig sec/iter of each repetition of configuration `name`."""
    times = {(r["rep"], r["impl"]): r["sec_per_iter"] for r in rows if r["config"] == name}
    return [times[rep, "peer"] / times[rep, "ganrig"] for rep, who in times if who == "ganrig" and (rep, "peer") in times]


def report(args, names, rows):
    precisions = {who: sorted({r["precision"] for r in rows if r["impl"] == who}) for who in ("peer", "ganrig")}
    print(f"precision: peer {'/'.join(precisions['peer'])}, ganrig {'/'.join(precisions['ganrig'])}")
    print("| config | peer s/iter | ganrig s/iter | ganrig speed-up | peer peak RSS MiB | ganrig peak RSS MiB | memory "
          "| per-repetition speed-ups |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        med = medians(rows, name)
        counts = {r["impl"]: (r["g_params"], r["d_trainable_params"]) for r in rows if r["config"] == name}
        note = "" if len(set(counts.values())) == 1 else \
            f" (parameter counts differ: G, D peer {counts['peer'][0]:,}, {counts['peer'][1]:,}; ganrig " \
            f"{counts['ganrig'][0]:,}, {counts['ganrig'][1]:,})"
        print(f"| {CONFIGS[name]['label']}{note} | {med('peer', 'sec_per_iter'):.3f} | {med('ganrig', 'sec_per_iter'):.3f} "
              f"| {med('peer', 'sec_per_iter') / med('ganrig', 'sec_per_iter'):.2f}x "
              f"| {med('peer', 'peak_rss_mib'):.0f} | {med('ganrig', 'peak_rss_mib'):.0f} "
              f"| {med('ganrig', 'peak_rss_mib') / med('peer', 'peak_rss_mib') - 1:+.0%} "
              f"| {min(rep_speedups(rows, name)):.2f}-{max(rep_speedups(rows, name)):.2f}x |")
    if args.profile:
        print_ceiling(args, names, rows)


def medians(rows, name):
    """med(who, key): the median of `key` over the processes of configuration `name` run by `who`."""
    return lambda who, key: statistics.median(r[key] for r in rows if r["config"] == name and r["impl"] == who)


def print_ceiling(args, names, rows):
    """The speed-up ganrig would have if everything but its convolutions took no time."""
    print(f"\nconvolution ceiling ({args.profile} profiled iterations after the timed ones in every process): "
          "ganrig's convolution time = its sec/iter x the convolutions' share of its profiled self time; "
          "ceiling = peer sec/iter / that")
    parts = "generator", "mini_discriminators", "projector"
    official = args.official is not None
    print("| config | " + ("official step: G / mini-D / projector convolutions, everything else | " if official else "")
          + "ganrig convolution share | ganrig convolution s/iter | ceiling | speed-up now |")
    print("|---|" + ("---|" if official else "") + "---|---|---|---|")
    for name in names:
        med = medians(rows, name)
        conv_s = statistics.median(r["sec_per_iter"] * r["conv_share"] for r in rows
                                   if r["config"] == name and r["impl"] == "ganrig")
        split = " / ".join(f"{med('peer', 'share_' + p):.0%}" for p in parts) + \
            f", {med('peer', 'share_everything_else'):.0%} | " if official else ""
        peer_s = med("peer", "sec_per_iter")
        print(f"| {CONFIGS[name]['label']} | {split}{med('ganrig', 'conv_share'):.0%} | {conv_s:.3f} "
              f"| {peer_s / conv_s:.2f}x | {peer_s / med('ganrig', 'sec_per_iter'):.2f}x |")


if __name__ == "__main__":
    main()
