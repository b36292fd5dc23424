#!/usr/bin/env python3
"""The device kit's benchmark: `ganrig bench` and the PyTorch-eager peer (tools/bench/pg_step.py) on the
same device, the 256x256 Projected GAN recipe (tools/device/paper256.toml: FastGAN-lite ngf 128,
batch 8), in fp32 and AMP (fp16 with the gradient scaler), each in a fresh process, in turn (A B, B A,
...), with medians. Parameter counts must be equal; the peer runs under ganrig's process settings.

    bench.py --ganrig build/bin/ganrig --data KIT/data/fashion-mnist --out DIR [--device cuda]
             [--precisions fp32,fp16] [--reps 2] [--warmup 5] [--iterations 20] [--small]

--small: 32x32, ngf 8, batch 2 (the CPU dry run). Writes DIR/bench.csv (one row per process) and
DIR/bench.md (the table), and prints the table.
"""
import argparse
import csv
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools/bench"))
import process_settings  # noqa: E402
from side_by_side import SETTINGS, run, settings_text  # noqa: E402


def shape(args):
    return dict(res=32, ngf=8, batch=2) if args.small else dict(res=256, ngf=128, batch=8)


def ganrig_command(args, precision):
    s = shape(args)
    sets = [f"exec.device={args.device}", f"exec.precision={precision}", f"dataset.path={args.data}",
            f"dataset.resolution={s['res']}", f"generator.ngf={s['ngf']}", f"train.batch={s['batch']}"]
    cmd = [args.ganrig, "bench", "--json", os.path.join(ROOT, "tools/device/paper256.toml"),
           "--warmup", str(args.warmup), "--iterations", str(args.iterations)]
    for item in sets:
        cmd += ["--set", item]
    return cmd


def peer_command(args, precision, threads):
    s = shape(args)
    return [sys.executable, os.path.join(ROOT, "tools/bench/pg_step.py"), "--res", str(s["res"]), "--ngf", str(s["ngf"]),
            "--batch", str(s["batch"]), "--device", args.device, "--precision", precision, "--threads", str(threads),
            "--warmup", str(args.warmup), "--iterations", str(args.iterations)]


def measure(args, precision, rep, settings):
    peer_env = process_settings.peer_environment(args.ganrig, settings)
    jobs = [("ganrig", lambda: run(ganrig_command(args, precision), "BENCH")),
            ("peer", lambda: run(peer_command(args, precision, settings["threads"]), "PEER", peer_env))]
    if rep % 2:
        jobs.reverse()
    rows = []
    for who, job in jobs:
        r = job()
        params = (r["G"], r["D_trainable"]) if who == "peer" else (r["params_g"], r["params_d_trainable"])
        rows.append(dict(precision=precision, rep=rep, impl=who, device=r["device"], sec_per_iter=r["sec_per_iter"],
                         sec_per_kimg=r["sec_per_iter"] / r["batch"] * 1000, peak_cuda_mib=r["peak_cuda_mib"],
                         peak_rss_mib=r["peak_rss_mib"], g_params=params[0], d_trainable_params=params[1],
                         settings=settings_text(r["settings"])))
        print(f"  {precision} rep {rep} {who:6s} {rows[-1]['sec_per_kimg']:.2f} s/kimg, peak CUDA "
              f"{r['peak_cuda_mib']:.0f} MiB, peak RSS {r['peak_rss_mib']:.0f} MiB", flush=True)
    return rows


def table(args, rows):
    s = shape(args)
    lines = [f"FastGAN-lite + projected D, {s['res']}x{s['res']}, ngf {s['ngf']}, batch {s['batch']}, on {rows[0]['device']}; "
             f"medians of {args.reps} processes each, {args.iterations} timed iterations after {args.warmup}",
             "", "| impl | precision | sec/kimg | peak CUDA MiB | peak RSS MiB | peer / ganrig time |", "|---|---|---|---|---|---|"]
    for precision in args.precisions.split(","):
        med = {who: {k: statistics.median(r[k] for r in rows if r["impl"] == who and r["precision"] == precision)
                     for k in ("sec_per_kimg", "peak_cuda_mib", "peak_rss_mib")} for who in ("ganrig", "peer")}
        for who in ("ganrig", "peer"):
            m = med[who]
            ratio = f"{med['peer']['sec_per_kimg'] / med['ganrig']['sec_per_kimg']:.2f}x" if who == "ganrig" else ""
            lines.append(f"| {who} | {precision} | {m['sec_per_kimg']:.2f} | {m['peak_cuda_mib']:.0f} | "
                         f"{m['peak_rss_mib']:.0f} | {ratio} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ganrig", required=True)
    ap.add_argument("--data", required=True, help="folder of Fashion-MNIST's t10k .gz files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--precisions", default="fp32,fp16")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--small", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    first = ganrig_command(args, "fp32")
    first[first.index("--warmup") + 1], first[first.index("--iterations") + 1] = "0", "1"
    settings = run(first, "BENCH")["settings"]
    print(f"ganrig's process settings, given to the peer too: {settings_text(settings)}", flush=True)
    rows = [row for rep in range(args.reps) for precision in args.precisions.split(",")
            for row in measure(args, precision, rep, settings)]
    counts = {(r["impl"], r["g_params"], r["d_trainable_params"]) for r in rows}
    if len({c[1:] for c in counts}) != 1:
        sys.exit(f"parameter counts differ between ganrig and the peer: {sorted(counts)}")
    with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    text = table(args, rows)
    open(os.path.join(args.out, "bench.md"), "w").write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
