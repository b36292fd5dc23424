#!/usr/bin/python3
"""Two operator-level levers of issue 25 in isolation, on Debian's python3-torch (the ATen ganrig uses):
FastGAN's GLU as a * sigmoid(b) of channel slices vs torch's glu (forward + backward), and bf16 ReLU6
backward masks (where() vs two threshold_backward passes). Prints milliseconds and whether the results
are equal. Run under ganrig's process settings for comparable figures (tools/bench/README.md)."""
import time

import torch
import torch.nn.functional as F


def timed(f, n=10):
    f()
    f()
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n * 1e3


def glu():
    torch.manual_seed(0)
    x = torch.randn(8, 256, 64, 64, requires_grad=True)
    g = torch.randn(8, 128, 64, 64)

    def sliced(x):
        h = x.size(1) // 2
        return x[:, :h] * torch.sigmoid(x[:, h:])

    y1, y2 = sliced(x), F.glu(x, 1)
    g1, = torch.autograd.grad(y1, x, g)
    g2, = torch.autograd.grad(y2, x, g)
    print(f"GLU [8, 256, 64, 64]: forward equal {torch.equal(y1, y2)}, gradient max rel. difference "
          f"{((g1 - g2).abs().max() / g1.abs().max()).item():.1e}")
    for name, f in (("sliced a * sigmoid(b)", sliced), ("torch glu", lambda x: F.glu(x, 1))):
        print(f"  {name:24s} forward + backward {timed(lambda: torch.autograd.grad(f(x), x, g), 5):8.2f} ms")


def relu6_bf16_backward():
    torch.manual_seed(0)
    out = (torch.randn(8, 96, 112, 112) * 4).clamp(0, 6).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    grad = torch.randn_like(out)
    where = lambda: torch.where(out.le(0).logical_or_(out.ge(6)), torch.zeros((), dtype=grad.dtype), grad)
    thresholds = lambda: torch.ops.aten.threshold_backward(torch.ops.aten.threshold_backward(grad, out, 0),
                                                           out.neg().add_(6), 0)
    print(f"ReLU6 backward, bf16 [8, 96, 112, 112]: equal {torch.equal(where(), thresholds())}")
    for name, f in (("where(le | ge, 0, grad)", where), ("two threshold_backward", thresholds)):
        print(f"  {name:24s} {timed(f):8.2f} ms")


if __name__ == "__main__":
    torch.set_num_threads(2)
    glu()
    relu6_bf16_backward()
