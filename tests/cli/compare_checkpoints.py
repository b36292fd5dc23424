#!/usr/bin/env python3
"""Compares the trained parameters of two ganrig checkpoints (generator, discriminator, generator_ema).

A ganrig checkpoint is a LibTorch archive, which PyTorch reads as a TorchScript module whose
submodules hold the networks. Prints the largest relative difference and exits 1 when it is above
--rtol (or when the two hold different parameters).

Usage: compare_checkpoints.py A.pt B.pt [--rtol 1e-5] [--parts generator,discriminator,generator_ema]
"""
import argparse
import sys

import torch


def parameters(path, parts):
    archive = torch.jit.load(path, map_location="cpu")
    out = {}
    for part in parts:
        module = getattr(archive, part)
        for name, tensor in module.named_parameters():
            out[f"{part}.{name}"] = tensor.detach().double()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--parts", default="generator,discriminator,generator_ema")
    args = parser.parse_args()
    parts = args.parts.split(",")
    a, b = parameters(args.a, parts), parameters(args.b, parts)
    if a.keys() != b.keys():
        print(f"different parameters: only in A {sorted(a.keys() - b.keys())[:5]}, only in B {sorted(b.keys() - a.keys())[:5]}")
        return 1
    worst, worst_name, exact = 0.0, "", 0
    for name in a:
        scale = max(a[name].abs().max().item(), 1e-12)
        diff = (a[name] - b[name]).abs().max().item() / scale
        exact += diff == 0.0
        if diff > worst:
            worst, worst_name = diff, name
    verdict = "equal" if worst <= args.rtol else "DIFFERENT"
    print(f"{verdict}: {len(a)} parameter tensors, {exact} bitwise equal, largest relative difference "
          f"{worst:.3g}{' (' + worst_name + ')' if worst_name else ''}, tolerance {args.rtol:g}")
    return 0 if worst <= args.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
