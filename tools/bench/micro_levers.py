#!/usr/bin/python3
"""Operator-level levers of issue 25 in isolation, on Debian's python3-torch (the ATen ganrig uses):
FastGAN's GLU as a * sigmoid(b) of channel slices vs torch's glu (forward + backward), bf16 ReLU6
backward masks (where() vs two threshold_backward passes), and the mini-discriminators' 4x4 stride-2
convolutions in NCHW vs channels-last (the official code runs NCHW, ganrig channels-last), and FastGAN's
up-block "upsample x2, 3x3 convolution" as four 2x2 phase convolutions of the small map
(framework/core/src/upsampled_conv.cpp) vs the plain pair. Prints milliseconds and whether the results
agree. Run under ganrig's process settings for comparable figures (tools/bench/README.md).
The mini-discriminators' convolutions with NCHW from 14x14 on ("minidisc_mixed"), bfloat16
bilinear resizing in fp32 ("bf16_bilinear"), the D phase's fakes and reals through the mini-discriminator
convolutions as one batch ("minidisc_batched"), and the mini-discriminators as two one-thread tasks
("minidisc_two_tasks"), lite0's asymmetric 'same' padding as a larger kernel ("tf_same_padding"), and
whether this CPU's bfloat16 convolutions are faster than its fp32 ones at all ("bf16_convolutions"), and
the DownBlocks' 4x4 stride-2 convolution as space-to-depth + a 2x2 convolution ("minidisc_space_to_depth").
Arguments: the levers to run (glu relu6 minidisc upsampled minidisc_mixed bf16_bilinear minidisc_batched
minidisc_two_tasks tf_same_padding bf16_convolutions minidisc_space_to_depth; default all)."""
import statistics
import sys
import time
from typing import List

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


# The four mini-discriminators of PG 64 as the step runs them: (input channels, input size) of each,
# DownBlocks (4x4 stride-2 conv, train-mode BatchNorm, LeakyReLU 0.2) down to 7x7, then a 4x4 conv.
DISCS = ((64, 112), (64, 56), (128, 28), (256, 14))
DISC_CHANNELS = {112: 64, 56: 128, 28: 256, 14: 512}


def disc_weights(requires_grad):
    torch.manual_seed(1)
    discs = []
    for cin, size in DISCS:
        layers = []
        while size > 7:
            cout = DISC_CHANNELS[size]
            layers.append((torch.randn(cout, cin, 4, 4) * 0.05, torch.ones(cout), torch.zeros(cout)))
            cin, size = cout, size // 2
        layers.append((torch.randn(1, cin, 4, 4) * 0.05, None, None))
        discs.append([tuple(t.requires_grad_(requires_grad) if t is not None else None for t in layer)
                      for layer in layers])
    return discs


def disc_forward(layers, x, nchw_from):
    """nchw_from: the largest input side that runs in NCHW (0: all in the input's layout)."""
    for w, gamma, beta in layers:
        if x.size(-1) <= nchw_from:
            x = x.contiguous()
        if gamma is None:
            return F.conv2d(x, w)
        x = F.leaky_relu_(F.batch_norm(F.conv2d(x, w, None, 2, 1), None, None, gamma, beta, True), 0.2)
    return x


def minidisc_mixed_layout(precisions=("fp32", "bf16"), reps=5):
    """One PG 64 iteration's mini-discriminator work (G phase: forward of 8 fakes, input gradients
    only; D phase: fakes and reals forward with their own BatchNorm statistics, weight gradients),
    under bf16 autocast as ganrig runs it or in fp32, with channels-last features: every layer
    channels-last, every layer NCHW, or NCHW from the 14x14 DownBlock on ("mixed"). Interleaved
    repetitions, medians."""
    frozen, trained = disc_weights(False), disc_weights(True)
    torch.manual_seed(2)
    feats = [torch.randn(24, cin, s, s).contiguous(memory_format=torch.channels_last) for cin, s in DISCS]
    variants = {"channels-last": 0, "NCHW": 1000, "mixed (NCHW from 14x14)": 14}

    def iteration(nchw_from, bf16):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            g_in = [f[:8].detach().requires_grad_() for f in feats]
            logits = [disc_forward(d, x, nchw_from) for d, x in zip(frozen, g_in)]
            torch.autograd.grad(sum(l.float().sum() for l in logits), g_in)
            fake = [disc_forward(d, f[8:16], nchw_from) for d, f in zip(trained, feats)]
            real = [disc_forward(d, f[16:], nchw_from) for d, f in zip(trained, feats)]
            loss = sum(l.float().square().mean() for l in fake + real)  # smooth, so layouts compare
        params = [t for d in trained for layer in d for t in layer if t is not None]
        return logits, torch.autograd.grad(loss, params)

    # The layouts compute the same function: their weight gradients agree in fp64. (In fp32 this
    # random train-mode BatchNorm chain amplifies the order of the sums to ~1e-2 in a few gradients.)
    weights64 = [[tuple(t.detach().double().requires_grad_() if t is not None else None for t in layer)
                  for layer in d] for d in trained]
    agree = 0.0
    for d, f in zip(weights64, feats):
        params = [t for layer in d for t in layer if t is not None]
        grads = [torch.autograd.grad(disc_forward(d, f[8:16].double(), n).square().mean(), params)
                 for n in variants.values()]
        agree = max(agree, max(((a - b).abs().max() / a.abs().max()).item() for g in grads[1:] for a, b in zip(grads[0], g)))
    print(f"  mini-discriminator weight gradients, fp64, every layout against channels-last: agree to {agree:.1e}")
    for precision in precisions:
        bf16 = precision == "bf16"
        times = {name: [] for name in variants}
        for _ in range(reps):
            for name, nchw_from in variants.items():
                times[name].append(timed(lambda: iteration(nchw_from, bf16), 2))
        medians = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
        base = medians["channels-last"]
        print(f"  mini-discriminators, one PG 64 iteration, {precision}: " + ", ".join(
            f"{name} {m:.1f} ms ({base / m:.2f}x)" for name, m in medians.items())
            + f"  ({reps} interleaved repetitions, medians)")


# CSM's bilinear x2 inputs (channels, side) at PG 64, and the images resized to 224.
CSM_INPUTS = ((512, 7), (256, 14), (128, 28), (64, 56))


def bilinear(x, in_fp32, **options):
    if in_fp32:  # ganrig::interpolate_bilinear
        return F.interpolate(x.float(), mode="bilinear", **options).to(x.dtype)
    return F.interpolate(x, mode="bilinear", **options)


def bf16_bilinear(reps=5):
    """bfloat16 bilinear resizing as one PG 64 iteration runs it (CSM's x2 with align_corners: the
    D phase's 16 images forward, the G phase's 8 forward + backward; the resize to 224: 16 forward,
    8 forward + backward), with LibTorch's bfloat16 kernels or in fp32 with casts; and each one's
    largest error against fp64 bilinear of the same bfloat16 values."""
    torch.manual_seed(0)
    cl = torch.channels_last
    maps = {cs: torch.randn(24, cs[0], cs[1], cs[1]).bfloat16().contiguous(memory_format=cl) for cs in CSM_INPUTS}
    images = torch.randn(24, 3, 64, 64).bfloat16().contiguous(memory_format=cl)
    x2 = dict(scale_factor=2, align_corners=True)
    to224 = dict(size=224, align_corners=False)

    def forward_backward(x, in_fp32, **options):
        leaf = x.detach().requires_grad_()
        y = bilinear(leaf, in_fp32, **options)
        torch.autograd.grad(y, leaf, torch.ones_like(y))

    def iteration(in_fp32):
        for x in list(maps.values()) + [images]:
            options = to224 if x is images else x2
            bilinear(x[:16], in_fp32, **options)
            forward_backward(x[16:], in_fp32, **options)

    for name, x, options in (("CSM 56->112", maps[(64, 56)][:4], x2), ("resize 64->224", images[:4], to224)):
        exact = F.interpolate(x.double(), mode="bilinear", **options)
        errors = [(bilinear(x, f, **options).double() - exact).abs().max().item() for f in (False, True)]
        print(f"  {name}, N(0, 1) bfloat16 values: largest error against fp64: bfloat16 kernel {errors[0]:.3g}, "
              f"fp32 kernel rounded to bfloat16 {errors[1]:.3g}")
    times = {False: [], True: []}
    for _ in range(reps):
        for in_fp32 in times:
            times[in_fp32].append(timed(lambda: iteration(in_fp32), 3))
    plain, ours = (sorted(times[k])[reps // 2] for k in (False, True))
    print(f"  bilinear resizing of one PG 64 iteration, bfloat16: LibTorch's bfloat16 kernels {plain:.1f} ms, "
          f"fp32 kernels with casts {ours:.1f} ms ({plain / ours:.2f}x; {reps} interleaved repetitions, medians)")


def minidisc_batched(reps=6):
    """The D phase's fakes and reals through each DownBlock convolution as one batch of 16 instead
    of two of 8 (forward, and backward with weight gradients; input gradients too after each
    mini-discriminator's first layer), in the layouts ganrig runs them (NCHW from 14x14)."""
    cl = torch.channels_last
    for dtype in (torch.float32, torch.bfloat16):
        totals = [0.0] * 4
        for size, (x_shape, w_shape) in DOWN_BLOCKS.items():
            torch.manual_seed(size)
            x = torch.randn((16,) + x_shape[1:]).to(dtype)
            x = x.contiguous() if size <= 16 else x.contiguous(memory_format=cl)
            w = (torch.randn(w_shape) * 0.05).to(dtype)
            g = torch.randn_like(F.conv2d(x, w, None, 2, 1))

            def backward(xs, gs):
                return torch.ops.aten.convolution_backward(gs, xs, w, None, [2, 2], [1, 1], [1, 1], False, [0, 0], 1,
                                                           [size < 112, True, False])
            times = (timed(lambda: F.conv2d(x, w, None, 2, 1), reps),
                     timed(lambda: (F.conv2d(x[:8], w, None, 2, 1), F.conv2d(x[8:], w, None, 2, 1)), reps),
                     timed(lambda: backward(x, g), reps), timed(lambda: (backward(x[:8], g[:8]), backward(x[8:], g[8:])), reps))
            totals = [a + b for a, b in zip(totals, times)]
        print(f"  D phase DownBlock convolutions, {str(dtype)[6:]}: forward one batch of 16 {totals[0]:.1f} ms, two of 8 "
              f"{totals[1]:.1f} ms ({totals[1] / totals[0]:.2f}x); backward {totals[2]:.1f} / {totals[3]:.1f} ms "
              f"({totals[3] / totals[2]:.2f}x)")


def _scripted_disc(x, ws: List[torch.Tensor], gammas: List[torch.Tensor], betas: List[torch.Tensor]):
    n = len(gammas)
    for i in range(n):
        if x.size(-1) <= 14:
            x = x.contiguous()
        x = F.leaky_relu_(F.batch_norm(F.conv2d(x, ws[i], None, 2, 1), None, None, gammas[i], betas[i], True), 0.2)
    return F.conv2d(x, ws[n])


def _scripted_d_phase(feats: List[torch.Tensor], ws: List[List[torch.Tensor]], gammas: List[List[torch.Tensor]],
                      betas: List[List[torch.Tensor]], discs: List[int]):
    loss = torch.zeros([])
    params: List[torch.Tensor] = []
    for i in discs:
        for half in (feats[i][:8], feats[i][8:]):
            loss = loss + _scripted_disc(half, ws[i], gammas[i], betas[i]).square().mean()
        params += ws[i] + gammas[i] + betas[i]
    return torch.autograd.grad([loss], params)


def _scripted_two_tasks(feats: List[torch.Tensor], ws: List[List[torch.Tensor]], gammas: List[List[torch.Tensor]],
                        betas: List[List[torch.Tensor]]):
    first = torch.jit.fork(_scripted_d_phase, feats, ws, gammas, betas, [0, 3])
    second = _scripted_d_phase(feats, ws, gammas, betas, [1, 2])
    return torch.jit.wait(first), second


def minidisc_two_tasks(reps=5):
    """The four mini-discriminators' D phase (fakes and reals forward, weight gradients; fp32) as
    two tasks of one thread each on the two cores (discs 0 + 3 and 1 + 2: equal multiply-adds;
    TorchScript's fork, so no Python lock) against one task on two intra-op threads."""
    d_phase, two_tasks = torch.jit.script(_scripted_d_phase), torch.jit.script(_scripted_two_tasks)
    trained = disc_weights(True)
    ws = [[layer[0] for layer in d] for d in trained]
    gammas, betas = ([[layer[k] for layer in d[:-1]] for d in trained] for k in (1, 2))
    torch.manual_seed(2)
    feats = [torch.randn(16, cin, s, s).contiguous(memory_format=torch.channels_last) for cin, s in DISCS]

    def one_task(threads):
        torch.set_num_threads(threads)
        d_phase(feats, ws, gammas, betas, [0, 1, 2, 3])

    def forked():
        torch.set_num_threads(1)
        two_tasks(feats, ws, gammas, betas)
    variants = {"one task, 2 threads": lambda: one_task(2), "one task, 1 thread": lambda: one_task(1),
                "two tasks of 1 thread": forked}
    times = {name: [] for name in variants}
    for _ in range(reps):
        for name, f in variants.items():
            times[name].append(timed(f, 2))
    torch.set_num_threads(2)
    medians = {name: sorted(t)[reps // 2] for name, t in times.items()}
    print("  mini-discriminators' D phase, fp32: " + ", ".join(f"{n} {m:.1f} ms" for n, m in medians.items())
          + f" (two tasks {medians['one task, 2 threads'] / medians['two tasks of 1 thread']:.2f}x one task of 2 threads)")


# EfficientNet-lite0's stride-2 convolutions (in, out, input side, kernel, groups) at 224x224.
LITE0_STRIDE2 = ((3, 32, 224, 3, 1), (96, 96, 112, 3, 96), (144, 144, 56, 5, 144), (240, 240, 28, 3, 240),
                 (672, 672, 14, 5, 672))


def tf_same_padding():
    """TensorFlow's 'same' padding of lite0's stride-2 convolutions is asymmetric (a above and left,
    a + 1 below and right), which ganrig pads explicitly (constant_pad_nd) before the convolution.
    The same result without the padded copy: the kernel one tap larger with a zero first row and
    column, and symmetric padding a + 1. Batch 16 (the D phase), forward and forward + input
    gradient (the G phase), channels-last."""
    cl = torch.channels_last
    for dtype in (torch.float32, torch.bfloat16):
        cells, equal = [], True
        for cin, cout, side, k, groups in LITE0_STRIDE2:
            torch.manual_seed(side)
            x = torch.randn(16, cin, side, side).to(dtype).contiguous(memory_format=cl)
            w, b = torch.randn(cout, cin // groups, k, k).to(dtype), torch.randn(cout).to(dtype)
            a = ((side // 2 - 1) * 2 + k - side) // 2
            w_shifted = F.pad(w, [1, 0, 1, 0]).contiguous()
            padded = lambda x: F.conv2d(F.pad(x, [a, a + 1, a, a + 1]), w, b, 2, 0, 1, groups)
            shifted = lambda x: F.conv2d(x, w_shifted, b, 2, a + 1, 1, groups)
            equal = equal and torch.equal(padded(x), shifted(x))
            leaf = x.detach().requires_grad_()
            upstream = torch.randn_like(padded(x))
            times = [(timed(lambda: f(x)), timed(lambda: torch.autograd.grad(f(leaf), leaf, upstream))) for f in (padded, shifted)]
            cells.append(f"{'dense' if groups == 1 else 'depthwise'} {k}x{k} at {side}: "
                         f"{times[0][0]:.2f} / {times[1][0]:.2f}, {times[0][1]:.2f} / {times[1][1]:.2f}")
        print(f"  lite0 stride-2 convolutions, {str(dtype)[6:]}, pad + conv / larger kernel ms (forward, forward + input "
              f"gradient): " + "; ".join(cells) + f" (outputs bit for bit equal: {equal})")


def cpu_description():
    with open("/proc/cpuinfo") as f:
        info = f.read()
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    family = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("cpu family")), "?")
    number = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model\t")), "?")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    wanted = [f for f in ("avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if f in flags]
    return f"{model} (family {family}, model {number}; {' '.join(wanted) or 'no avx512'})"


def bf16_convolutions(reps=5):
    """bf16 pays only where the CPU multiplies bfloat16 faster than fp32: oneDNN's avx512_core_bf16
    kernels on a CPU with AVX512-BF16 at full rate (AMD Zen 4), or AMX. Intel CPUs whose AMX the
    hypervisor hides run the same kernels on VDPBF16PS at the rate of fp32 FMAs, plus conversions.
    Forward + backward of three convolutions of a Projected GAN step, channels-last, batch 8."""
    cl = torch.channels_last
    shapes = (("mini-D 4x4 s2, 64 -> 128 at 56", 64, 128, 56, 4, 2), ("lite0 1x1, 144 -> 24 at 56", 144, 24, 56, 1, 1),
              ("G 3x3, 128 -> 128 at 32", 128, 128, 32, 3, 1))
    cells = []
    for label, cin, cout, side, k, stride in shapes:
        torch.manual_seed(side)
        x32 = torch.randn(8, cin, side, side).contiguous(memory_format=cl)
        w32 = torch.randn(cout, cin, k, k).contiguous(memory_format=cl)
        times = {}
        for dtype in (torch.float32, torch.bfloat16):
            x = x32.to(dtype).requires_grad_()
            w = w32.to(dtype).requires_grad_()
            step = lambda: F.conv2d(x, w, None, stride, k // 2 if stride == 1 else 1).sum().backward()
            times[dtype] = statistics.median(timed(step, 3) for _ in range(reps))
        cells.append(f"{label}: fp32 {times[torch.float32]:.2f}, bf16 {times[torch.bfloat16]:.2f} ms "
                     f"({times[torch.float32] / times[torch.bfloat16]:.2f}x)")
    print(f"  convolution forward + backward on {cpu_description()}: " + "; ".join(cells))


def space_to_depth_weight(w):
    """[O, I, 4, 4] -> [O, 4I, 2, 2]: input channel (i, dy, dx), tap (ky, kx) is w's tap (2ky + dy, 2kx + dx)."""
    o, i = w.shape[:2]
    return w.view(o, i, 2, 2, 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(o, i * 4, 2, 2)


def minidisc_space_to_depth(reps=3):
    """The DownBlocks' 4x4 stride-2 convolution (padding 1) as padding, pixel_unshuffle(2) and a 2x2
    stride-1 convolution of 4x the input channels: the same multiply-adds with stride-1 kernels.
    Forward + backward (weight gradient; with and without the input gradient), NCHW, batch 8."""
    for b, c, side, o in ((8, 64, 56, 128), (8, 128, 28, 256), (8, 256, 14, 512)):
        torch.manual_seed(side)
        x0 = torch.randn(b, c, side, side)
        w0 = torch.randn(o, c, 4, 4) * 0.05
        plain = lambda x, w: F.conv2d(x, w, stride=2, padding=1)
        s2d = lambda x, w: F.conv2d(F.pixel_unshuffle(F.pad(x, (1, 1, 1, 1)), 2), space_to_depth_weight(w))
        with torch.no_grad():
            diff = (plain(x0, w0) - s2d(x0, w0)).abs().max().item()
        for input_grad in (False, True):
            x = x0.clone().requires_grad_(input_grad)
            w = w0.clone().requires_grad_()
            t = {name: statistics.median(timed(lambda: f(x, w).sum().backward(), 5) for _ in range(reps))
                 for name, f in (("plain", plain), ("s2d", s2d))}
            print(f"  DownBlock {c} -> {o} at {side}, input gradient {input_grad}: plain {t['plain']:.2f} ms, "
                  f"space-to-depth {t['s2d']:.2f} ms ({t['s2d'] / t['plain']:.2f}x), forward max diff {diff:.1e}")


if __name__ == "__main__":
    torch.set_num_interop_threads(2)  # minidisc_two_tasks forks into the inter-op pool
    torch.set_num_threads(2)
    levers = {"glu": glu, "relu6": relu6_bf16_backward, "minidisc": minidisc_layouts,
              "upsampled": upsampled_convolutions, "minidisc_mixed": minidisc_mixed_layout,
              "bf16_bilinear": bf16_bilinear, "minidisc_batched": minidisc_batched,
              "minidisc_two_tasks": minidisc_two_tasks, "tf_same_padding": tf_same_padding,
              "bf16_convolutions": bf16_convolutions,
              "minidisc_space_to_depth": minidisc_space_to_depth}
    for name in sys.argv[1:] or levers:
        levers[name]()
