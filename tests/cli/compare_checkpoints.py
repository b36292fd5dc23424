#!/usr/bin/env python3
"""Compares every tensor of two ganrig checkpoints' networks (generator, discriminator,
generator_ema): parameters and buffers (BatchNorm statistics, spectral norm's u and v).

A ganrig checkpoint is a LibTorch archive, which PyTorch reads as a TorchScript module whose
submodules hold the networks. Prints how many tensors are bitwise equal and the largest relative
difference; exits 1 when a tensor differs by more than --rtol (--bitwise: when any tensor is not
bitwise equal), or when the two hold different tensors.

With --bn-statistics-may-differ, BatchNorm's running statistics (running_mean, running_var,
num_batches_tracked) are counted apart and may differ: N processes each update them from their own
micro-batch (rank 0's are saved), one process accumulating N micro-batches updates them N times.

Usage: compare_checkpoints.py A.pt B.pt [--bitwise [--bn-statistics-may-differ] | --rtol 1e-5]
                              [--parts generator,discriminator,generator_ema]
"""
import argparse
import math
import sys

import torch


BN_STATISTICS = ("running_mean", "running_var", "num_batches_tracked")


def tensors(path, parts):
    archive = torch.jit.load(path, map_location="cpu")
    out = {}
    for part in parts:
        module = getattr(archive, part)
        for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
            out[f"{part}.{name}"] = tensor.detach()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--bitwise", action="store_true", help="every tensor must be bitwise equal")
    parser.add_argument("--bn-statistics-may-differ", action="store_true",
                        help="BatchNorm running statistics are reported but not required equal")
    parser.add_argument("--parts", default="generator,discriminator,generator_ema")
    args = parser.parse_args()
    parts = args.parts.split(",")
    a, b = tensors(args.a, parts), tensors(args.b, parts)
    statistics = BN_STATISTICS if args.bn_statistics_may_differ else ()
    stats_a = {k: a.pop(k) for k in list(a) if k.rsplit(".", 1)[-1] in statistics}
    stats_b = {k: b.pop(k) for k in list(b) if k.rsplit(".", 1)[-1] in statistics}
    if a.keys() != b.keys():
        print(f"different tensors: only in A {sorted(a.keys() - b.keys())[:5]}, only in B {sorted(b.keys() - a.keys())[:5]}")
        return 1
    worst, worst_name, exact = 0.0, "", 0
    for name in a:
        same = a[name].dtype == b[name].dtype and torch.equal(a[name], b[name])
        exact += same
        if same or a[name].numel() == 0:
            continue
        x, y = a[name].double(), b[name].double()
        diff = (x - y).abs().max().item() / max(x.abs().max().item(), 1e-12)
        if math.isnan(diff):
            diff = float("inf")
        if diff > worst:
            worst, worst_name = diff, name
    ok = exact == len(a) if args.bitwise else worst <= args.rtol
    rule = "bitwise" if args.bitwise else f"tolerance {args.rtol:g}"
    print(f"{'equal' if ok else 'DIFFERENT'}: {len(a)} tensors (parameters and buffers), {exact} bitwise equal, "
          f"largest relative difference {worst:.3g}{' (' + worst_name + ')' if worst_name else ''}, {rule}")
    if statistics:
        same = sum(k in stats_b and torch.equal(v, stats_b[k]) for k, v in stats_a.items())
        print(f"  BatchNorm running statistics, not required equal: {same} of {len(stats_a)} bitwise equal")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
