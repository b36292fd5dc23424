#!/usr/bin/python3
"""Trains the same short Projected GAN run in fp32 and in bf16 ([exec] precision) and prints the
losses per tick and the KID of both side by side, so a reader sees whether bf16 autocast keeps the
training in line with fp32 (same seed, same data order; the runs differ only in the forward dtype).
Speed is not measured here (side_by_side.py does that).

    tools/bench/precision_check.py [--kimg 2] [--csv tools/bench/results/precision_training.csv]

Needs the offline detector (tools/fetch-weights.sh) for kid500_incv3nsfw.
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kimg", type=float, default=2.0)
    ap.add_argument("--experiment", default="experiments/projected_gan/pg_fmnist64.toml")
    ap.add_argument("--run-root", default="runs-precision")
    ap.add_argument("--ganrig", default=os.path.join(ROOT, "build/bin/ganrig"))
    ap.add_argument("--csv")
    args = ap.parse_args()
    rows = []
    for precision in ("fp32", "bf16"):
        root = os.path.join(args.run_root, precision)
        cmd = [args.ganrig, "train", os.path.join(ROOT, args.experiment), "--run-root", root,
               "--set", f"train.total_kimg={args.kimg}", "--set", f"train.tick_kimg={args.kimg / 4}",
               "--set", 'eval.metrics=["kid500_incv3nsfw"]', "--set", f"eval.interval_kimg={args.kimg / 2}",
               "--set", f"exec.precision={precision}", "--set", "exec.progress=lines"]
        print(" ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, stdout=sys.stderr)
        run = sorted(glob.glob(os.path.join(root, "*", "*")))[-1]
        for s in read_jsonl(os.path.join(run, "stats.jsonl")):
            rows.append(dict(precision=precision, kimg=s["kimg"], what="loss/G", value=s["loss/G"]))
            rows.append(dict(precision=precision, kimg=s["kimg"], what="loss/D", value=s["loss/D"]))
        for m in read_jsonl(os.path.join(run, "metrics.jsonl")):
            rows.append(dict(precision=precision, kimg=m["kimg"], what=m["metric"], value=m["value"]))
            rows.append(dict(precision=precision, kimg=m["kimg"], what=m["metric"] + " noise floor",
                             value=m.get("noise_floor", {}).get("value") if isinstance(m.get("noise_floor"), dict)
                             else m.get("noise_floor")))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    keys = sorted({(r["kimg"], r["what"]) for r in rows})
    print("| kimg | quantity | fp32 | bf16 |\n|---|---|---|---|")
    for kimg, what in keys:
        v = {r["precision"]: r["value"] for r in rows if r["kimg"] == kimg and r["what"] == what}
        fmt = lambda x: "" if x is None else f"{x:.4g}"
        print(f"| {kimg:g} | {what} | {fmt(v.get('fp32'))} | {fmt(v.get('bf16'))} |")


if __name__ == "__main__":
    main()
