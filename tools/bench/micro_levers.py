#!/usr/bin/python3
"""Operator-level levers of issue 25 in isolation, on Debian's python3-torch (the ATen ganrig uses):
FastGAN's GLU as a * sigmoid(b) of channel slices vs torch's glu (forward + backward), bf16 ReLU6
backward masks (where() vs two threshold_backward passes), and the mini-discriminators' 4x4 stride-2
convolutions in NCHW vs channels-last (the official code runs NCHW, ganrig channels-last), and FastGAN's
up-block "upsample x2, 3x3 convolution" as four 2x2 phase convolutions of the small map
(framework/core/src/upsampled_conv.cpp) vs the plain pair. Prints milliseconds and whether the results
agree. Run under ganrig's process settings for comparable figures (tools/bench/README.md).
Arguments: the levers to run (glu relu6 minidisc upsampled; default all)."""
import sys
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


# PG 64's mini-discriminators: the DownBlock convolutions at each feature size (batch 8), and the
# sizes each of the four starts at (it halves down to 14x14 before its final 4x4 convolution).
DOWN_BLOCKS = {112: ((8, 64, 112, 112), (64, 64, 4, 4)), 56: ((8, 64, 56, 56), (128, 64, 4, 4)),
               28: ((8, 128, 28, 28), (256, 128, 4, 4)), 14: ((8, 256, 14, 14), (512, 256, 4, 4))}
DISC_STARTS = (112, 56, 28, 14)


def minidisc_layouts():
    """Per iteration the step runs each DownBlock forward 3 times (G phase, fakes, reals), backward
    twice with weight gradients (the D phase; input gradients too except at each mini-discriminator's
    first layer, whose input is a frozen feature) and once with input gradients only (the G phase)."""
    sums = {}
    for layout in ("NCHW", "channels-last"):
        total, results = 0.0, []
        for size, (x_shape, w_shape) in DOWN_BLOCKS.items():
            torch.manual_seed(size)  # the same operands in both layouts
            x, w = torch.randn(x_shape), torch.randn(w_shape) * 0.05
            if layout == "channels-last":
                x = x.contiguous(memory_format=torch.channels_last)
            y = F.conv2d(x, w, None, 2, 1)
            fmt = torch.channels_last if layout == "channels-last" else torch.contiguous_format
            g = torch.randn(y.shape).contiguous(memory_format=fmt)  # the same values in either layout

            def backward(need_input, need_weight):
                return torch.ops.aten.convolution_backward(g, x, w, None, [2, 2], [1, 1], [1, 1], False, [0, 0], 1,
                                                           [need_input, need_weight, False])
            fwd = timed(lambda: F.conv2d(x, w, None, 2, 1))
            both, weight_only, input_only = (timed(lambda: backward(True, True)), timed(lambda: backward(False, True)),
                                             timed(lambda: backward(True, False)))
            firsts = DISC_STARTS.count(size)
            later = sum(1 for start in DISC_STARTS if start > size)
            total += (firsts + later) * (3 * fwd + input_only) + 2 * (firsts * weight_only + later * both)
            results.append((y,) + backward(True, True)[:2])
            gflops = 2 * y.numel() * w[0].numel() / fwd / 1e6  # multiply-adds of the forward, per ms
            print(f"  {layout:13s} {str(list(w_shape)):18s} on {size:3d}x{size:<3d} "
                  f"forward {fwd:6.2f} ({gflops:3.0f} GFLOP/s)  backward: "
                  f"input+weight {both:6.2f}, weight {weight_only:6.2f}, input {input_only:6.2f} ms")
        sums[layout] = (total, results)
    agree = max(((a - b).abs().max() / a.abs().max()).item()
                for pair in zip(sums["NCHW"][1], sums["channels-last"][1]) for a, b in zip(*pair))
    print(f"mini-discriminator DownBlocks per PG 64 iteration: NCHW {sums['NCHW'][0]:.1f} ms, channels-last "
          f"{sums['channels-last'][0]:.1f} ms (outputs and gradients agree to {agree:.1e} of their largest magnitude)")


def parity_taps(w, dim, parity):
    t0, t1, t2 = w.unbind(dim)
    return torch.stack((t0, t1 + t2) if parity == 0 else (t0 + t1, t2), dim)


class InterleavePhases(torch.autograd.Function):
    """[B, 4C, H+1, W+1] phase grid -> [B, C, 2H, 2W]; phase (a, b) is the window at offset (a, b)."""
    @staticmethod
    def forward(ctx, grid):
        n, c4, h1, w1 = grid.shape
        phases = grid.contiguous().view(n, c4 // 4, 2, 2, h1, w1)
        out = grid.new_empty(n, c4 // 4, h1 - 1, 2, w1 - 1, 2)
        for a in range(2):
            for b in range(2):
                out[:, :, :, a, :, b] = phases[:, :, a, b, a:a + h1 - 1, b:b + w1 - 1]
        return out.view(n, c4 // 4, 2 * h1 - 2, 2 * w1 - 2)

    @staticmethod
    def backward(ctx, g):
        n, c, h, w = g.shape[0], g.shape[1], g.shape[2] // 2, g.shape[3] // 2
        per_phase = g.reshape(n, c, h, 2, w, 2)
        grid = g.new_zeros(n, c, 2, 2, h + 1, w + 1)
        for a in range(2):
            for b in range(2):
                grid[:, :, a, b, a:a + h, b:b + w] = per_phase[:, :, :, a, :, b]
        return grid.view(n, 4 * c, h + 1, w + 1)


def phase_conv(x, w, groups=1):
    kernels = torch.stack([parity_taps(parity_taps(w, 2, a), 3, b) for a in range(2) for b in range(2)], 1)
    return InterleavePhases.apply(F.conv2d(x, kernels.flatten(0, 1), None, 1, 1, 1, groups))


def plain_up_conv(x, w, groups=1):
    return F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), w, None, 1, 1, 1, groups)


# FastGAN-lite's up blocks (Projected GAN's generator): input side -> (in, 2 x out) channels, for
# PG 64 (ngf 32, batch 8) and PG 128 (ngf 64, batch 4); FPG's depthwise factor (groups = in) alike.
def up_blocks(ngf, resolution):
    nfc = {r: int(m * ngf) for r, m in {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1}.items()}
    return [(r, nfc[r], 2 * nfc[2 * r]) for r in (4, 8, 16, 32, 64) if 2 * r <= resolution]


def upsampled_convolutions():
    """Forward + backward (input and weight gradients) of each up-block convolution, plain pair vs
    phase form, fp32 and bf16 autocast; ganrig takes the phase form from a 32x32 input on and never
    for depthwise convolutions (kMinPhaseConvPixels, blocks.cpp)."""
    for name, ngf, res, batch in (("PG 64", 32, 64, 8), ("PG 128", 64, 128, 4)):
        for groups_name in ("standard", "depthwise"):
            for bf16 in (False, True):
                cells, agree = [], 0.0
                for side, cin, cout in up_blocks(ngf, res):
                    groups = cin if groups_name == "depthwise" else 1
                    torch.manual_seed(side)
                    x = torch.randn(batch, cin, side, side, requires_grad=True)
                    w = torch.randn(cin if groups > 1 else cout, cin // groups, 3, 3, requires_grad=True)
                    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                        times = [timed(lambda: f(x, w, groups).float().sum().backward(), 3)
                                 for f in (plain_up_conv, phase_conv)]
                        y0, y1 = plain_up_conv(x, w, groups).float(), phase_conv(x, w, groups).float()
                    agree = max(agree, ((y0 - y1).abs().max() / y0.abs().max()).item())
                    cells.append(f"{side}->{2 * side}: {times[0]:6.1f} / {times[1]:6.1f} ({times[0] / times[1]:.2f}x)")
                print(f"  {name} {groups_name:9s} {'bf16' if bf16 else 'fp32'}  plain / phase ms: " + ", ".join(cells)
                      + f"  (outputs agree to {agree:.1e})")


if __name__ == "__main__":
    torch.set_num_threads(2)
    levers = {"glu": glu, "relu6": relu6_bf16_backward, "minidisc": minidisc_layouts,
              "upsampled": upsampled_convolutions}
    for name in sys.argv[1:] or levers:
        levers[name]()
