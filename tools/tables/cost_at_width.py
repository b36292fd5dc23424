#!/usr/bin/env python3
"""Cost of the DSC placements at the Faster Projected GAN paper's widths (and of the per-stage
rows at the quality tables' width), from `ganrig bench`.

Each experiment is timed in a fresh `ganrig bench --json` process, the experiments interleaved
(A B C ... A B C ...), `--reps` times; the table gives the median sec/iter and sec/kimg with the
spread (min-max over repetitions), median peak RSS, and each row's change against the first (of the
medians, and "paired": the median of the changes within a repetition), next to the paper's (-23.6 %
time, about -15 % memory for FPG on Pokemon 256x256).

    tools/tables/cost_at_width.py --reps 3 --csv experiments/faster_projected_gan/tables/cost256.csv \\
        > experiments/faster_projected_gan/tables/cost256.md

Default settings: 256x256 Pokemon (`ganrig data prepare pokemon --res 256`), fastgan_lite ngf 128,
EfficientNet-lite0 (random weights: the cost does not depend on them), the paper's per-device batch
8, fp32. --set adds overrides to every experiment (e.g. exec.precision=bf16).

`--network pokemon64` times Table 3's rows (DSC in one generator stage at a time) on the network
whose quality Tables 1-3 measure (pg_pokemon64: 64x64, ngf 32, batch 16, fp32), and Table 1's FastGAN
baseline (its own recipe: batch 8, so its sec/kimg compares and its peak memory is at half the batch):

    tools/tables/cost_at_width.py --network pokemon64 --reps 3 --iterations 10 --warmup 2 \
        --csv experiments/faster_projected_gan/tables/cost64_stages.csv

`--from-csv A.csv B.csv` prints the table of earlier runs' CSVs with their repetitions pooled (two
interleaved runs of 3 repetitions are one of 6), and with --csv writes the pooled file.
"""
import argparse
import csv
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG256 = "experiments/projected_gan/pg_fastgan-lite_paper256.toml"
FPG256 = "experiments/faster_projected_gan/fpg_fastgan-lite_paper256.toml"
PG64 = "experiments/projected_gan/pg_pokemon64.toml"


def one_stage(size):
    return [f"generator.blocks={{ {size} = \"dsc\" }}"]


NETWORKS = {  # rows: label, experiment, the row's block keys (as its pokemon64 file), the paper's time and memory change
    "paper256": {
        "title": "256x256, fastgan_lite ngf 128, EfficientNet-lite0, batch 8, fp32",
        "settings": ["dataset.name=\"pokemon\"", "dataset.resolution=256", "projector.allow_random=true",
                     "train.batch=8", "exec.batch_per_device=0", "eval.metrics=[]", "exec.precision=\"fp32\""],
        "rows": [
            ("none (Projected GAN)", PG256, [], None, None),
            ("G (Faster Projected GAN)", FPG256, [], -23.6, -15.0),
            ("D", PG256, ["discriminator.block=\"dsc\""], None, None),
            ("G and D", FPG256, ["discriminator.block=\"dsc\""], None, None),
            ("G at 32 and 64 only", PG256, ["generator.blocks={ 32 = \"dsc\", 64 = \"dsc\" }"], None, None),
        ],
    },
    "pokemon64": {
        "title": "64x64 (pg_pokemon64: fastgan_lite ngf 32, MobileNetV2, batch 16, fp32)",
        "settings": ["eval.metrics=[]", "exec.precision=\"fp32\""],
        "rows": [("none (Projected GAN)", PG64, [], None, None)]
        + [(f"{s}x{s} only", PG64, one_stage(s), None, None) for s in (8, 16, 32, 64)]
        + [("all (Faster Projected GAN)", "experiments/faster_projected_gan/fpg_pokemon64.toml", [], None, None),
           ("FastGAN (its D, loss and recipe)", "experiments/fastgan/fastgan_pokemon64.toml", [], None, None)],
    },
}


def bench(ganrig, experiment, sets, iterations, warmup):
    cmd = [ganrig, "bench", str(ROOT / experiment), "--json", "--iterations", str(iterations), "--warmup", str(warmup)]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = next(l for l in reversed(out.splitlines()) if l.startswith("BENCH "))
    return json.loads(line[len("BENCH "):])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ganrig", default=str(ROOT / "build/bin/ganrig"))
    ap.add_argument("--network", choices=sorted(NETWORKS), default="paper256")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], help="extra override for every experiment")
    ap.add_argument("--csv", help="write every process's figures here")
    ap.add_argument("--from-csv", nargs="+", metavar="CSV",
                    help="no bench: print the table of earlier --csv files of this network, their repetitions pooled")
    args = ap.parse_args()

    network = NETWORKS[args.network]
    results = read_csvs(network, args.from_csv) if args.from_csv else run_benches(network, args)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["row", "rep", "sec_per_iter", "batch", "peak_rss_mib", "params_G", "params_D_trainable",
                        "iterations", "warmup"])
            for label, runs in results.items():
                for r in runs:
                    w.writerow([label, r["rep"], r["sec_per_iter"], r["batch"], r["peak_rss_mib"], r["params_g"],
                                r["params_d_trainable"], r["iterations"], r["warmup"]])
    print_table(network, results)


def run_benches(network, args):
    results = {label: [] for label, *_ in network["rows"]}
    for rep in range(args.reps):
        for label, experiment, blocks, _, _ in network["rows"]:
            r = bench(args.ganrig, experiment, network["settings"] + blocks + args.set, args.iterations, args.warmup)
            r.update(rep=rep, iterations=args.iterations, warmup=args.warmup)
            results[label].append(r)
            print(f"rep {rep} {label}: {r['sec_per_iter']:.3f} s/iter, {r['peak_rss_mib']:.0f} MiB", file=sys.stderr)
    return results


def sec_per_kimg(r):
    return r["sec_per_iter"] * 1000.0 / r["batch"]


def read_csvs(network, files):
    """Results of earlier runs of this script, their repetitions numbered on in file order."""
    results = {label: [] for label, *_ in network["rows"]}
    reps = 0
    for file in files:
        with open(file, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows or "iterations" not in rows[0]:
            sys.exit(f"{file}: no bench rows with 'iterations' and 'warmup' columns (written by this script's --csv?)")
        for row in rows:
            if row["row"] not in results:
                sys.exit(f"{file}: row '{row['row']}' is not a row of this network ({', '.join(results)})")
            results[row["row"]].append({"rep": reps + int(row["rep"]), "sec_per_iter": float(row["sec_per_iter"]),
                                        "batch": int(row["batch"]), "peak_rss_mib": float(row["peak_rss_mib"]),
                                        "params_g": int(row["params_G"]),
                                        "params_d_trainable": int(row["params_D_trainable"]),
                                        "iterations": int(row["iterations"]), "warmup": int(row["warmup"])})
        reps += 1 + max(int(row["rep"]) for row in rows)
    return results


def print_table(network, results):
    first = network["rows"][0][0]
    settings = sorted({(r["warmup"], r["iterations"]) for runs in results.values() for r in runs})
    reps = len(results[first])
    base_t = statistics.median(sec_per_kimg(r) for r in results[first])
    timing = " or ".join(f"{w} warm-up + {i} timed iterations" for w, i in settings)
    print(f"{network['title']}, {reps} repetitions of {timing}, interleaved; medians (min-max)\n")
    print("| row | sec/kimg | time change | paired | paper | Δ | peak RSS MiB | memory change | paper | Δ | G params | D params (trainable) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    base_by_rep = {r["rep"]: r for r in results[first]}
    for label, _, _, paper_t, paper_m in network["rows"]:
        runs = results[label]
        if not runs:
            print(f"| {label} | not benched |" + " - |" * 10)
            continue
        t = [sec_per_kimg(r) for r in runs]
        m = [r["peak_rss_mib"] for r in runs]
        dt = (statistics.median(t) / base_t - 1) * 100  # per kimg: FastGAN's recipe has half the batch
        cell = lambda ours, paper: ("-", "-") if paper is None else (f"{paper:+.1f} %", f"{ours - paper:+.1f} pp")
        # "paired": the median over repetitions of the change against the first row's process of the
        # same repetition (timed next to it), which a slow spell hitting one repetition moves less
        paired = [sec_per_kimg(r) / sec_per_kimg(base_by_rep[r["rep"]]) for r in runs if r["rep"] in base_by_rep]
        # memory varies little between processes: its change is paired as the table's bench columns are
        dm = (statistics.median(r["peak_rss_mib"] / base_by_rep[r["rep"]]["peak_rss_mib"] for r in runs
                                if r["rep"] in base_by_rep) - 1) * 100 if paired else float("nan")
        change = (statistics.median(paired) - 1) * 100 if paired else None
        pr = "-" if change is None else f"{change:+.1f} %"
        pt, dpt = cell(dt if change is None else change, paper_t)  # Δ to the paper from the paired change
        pm, dpm = cell(dm, paper_m)
        fewer = f"; {len(runs)} repetitions" if len(runs) != reps else ""
        print(f"| {label} | {statistics.median(t):.0f} ({min(t):.0f}-{max(t):.0f}{fewer}) | {dt:+.1f} % | {pr} | {pt} | {dpt} | "
              f"{statistics.median(m):.0f} | {dm:+.1f} % | {pm} | {dpm} | {runs[0]['params_g']} | {runs[0]['params_d_trainable']} |")


if __name__ == "__main__":
    main()
