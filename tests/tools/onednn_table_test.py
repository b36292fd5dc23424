#!/usr/bin/python3
"""tools/bench/onednn_table.py: per primitive, calls per iteration and the median time of one call
(so a slow first call does not count), largest product first; refuses a log without oneDNN lines."""
import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "bench", "onednn_table.py")


def line(prop, shape, ms):
    return (f"onednn_verbose,exec,cpu,convolution,jit:avx512_core,{prop},src_f32::blocked:acdb:f0 wei_f32::blocked:"
            f"ABcd16a16b:f0,attr-scratchpad:user ,alg:convolution_direct,{shape},{ms}\n")


# Two iterations: the big convolution twice per iteration (one slow first call), the small one once.
log = ("noise that is not oneDNN\n" + line("backward_data", "mb8_big", 60.0) + line("backward_data", "mb8_big", 10.0)
       + line("forward_training", "mb8_small", 3.0) + line("backward_data", "mb8_big", 11.0)
       + line("backward_data", "mb8_big", 12.0) + line("forward_training", "mb8_small", 5.0))
out = subprocess.run([sys.executable, SCRIPT, "--iterations", "2"], input=log, capture_output=True, text=True, check=True).stdout
rows = [r.split() for r in out.splitlines()[2:]]
assert rows[0][3:] == ["convolution", "jit:avx512_core", "backward_data", "mb8_big"], out
# median of 60, 10, 11, 12 is 11.5; two calls per iteration: 23 ms per iteration
assert rows[0][:3] == ["23.0", "2.0", "11.50"], out
assert rows[1][:3] == ["4.0", "1.0", "4.00"] and rows[1][-1] == "mb8_small", out
assert out.startswith("oneDNN per iteration: 27.0 ms in 3 calls (reorders 0.0 ms)"), out

empty = subprocess.run([sys.executable, SCRIPT, "--iterations", "1"], input="nothing\n", capture_output=True, text=True)
assert empty.returncode != 0 and "no oneDNN verbose lines" in empty.stderr, (empty.returncode, empty.stderr)
print("onednn_table ok")
