#!/usr/bin/python3
"""tools/bench/side_by_side.py --pool: medians over the repetitions of several runs' CSVs, each
repetition's speed-up from its own peer and ganrig processes, and the range of those. Exits 77
(Skipped) without python3-torch, which the script imports."""
import os
import subprocess
import sys
import tempfile

try:
    import torch  # noqa: F401
except ImportError:
    print("SKIP: python3-torch not installed")
    sys.exit(77)

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "bench", "side_by_side.py")
HEADER = "config,rep,impl,sec_per_iter,peak_rss_mib,g_params,d_trainable_params,precision\n"


def run_csv(directory, name, rows):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(f"# {name}: a run\n" + HEADER)
        for rep, impl, seconds, rss in rows:
            f.write(f"pg64,{rep},{impl},{seconds},{rss},100,200,fp32\n")
    return path


with tempfile.TemporaryDirectory() as d:
    first = run_csv(d, "one.csv", [(0, "peer", 1.2, 2000), (0, "ganrig", 1.0, 1500),
                                   (1, "ganrig", 1.0, 1500), (1, "peer", 1.5, 2000)])
    second = run_csv(d, "two.csv", [(0, "peer", 1.3, 2000), (0, "ganrig", 0.9, 1500)])
    done = subprocess.run([sys.executable, SCRIPT, "--pool", first, second], capture_output=True, text=True)
print(done.stdout + done.stderr)
expected = ["pooled: 2 runs, 3 repetitions, medians",
            # medians 1.3 and 1.0; the repetitions' own ratios 1.2, 1.5 and 1.3 / 0.9
            "| PG 64x64, ngf 32, batch 8 | 1.300 | 1.000 | 1.30x | 2000 | 1500 | -25% | 1.20-1.50x |"]
missing = [line for line in expected if line not in done.stdout]
if done.returncode != 0 or missing or "convolution ceiling" in done.stdout:
    print(f"FAILED: status {done.returncode}, missing {missing}")
    sys.exit(1)
print("side_by_side pool ok")
