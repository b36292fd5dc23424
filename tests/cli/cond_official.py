"""Checks of a conditional run's `ganrig export --format pg --what all` file against the official
Projected GAN code's conditional classes (FastganSynthesisCond, SingleDiscCond), for
tests/cli/conditional_pg.sh. CODE is a checkout of autonomousvision/projected-gan (no rewrite of
ours stands in: the conditional classes are checked against the original only).

  load FILE CODE            builds the official Generator(cond=1, c_dim) and ProjectedDiscriminator
                            (cond=1) from the constructors in FILE.json, loads G, G_ema and D strictly
  images FILE CODE DIR K    G_ema of FILE in the official Generator, eval mode, on DIR/z.npy with
                            class K one-hot: its images against ganrig generate's DIR/images.npy
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_all_check import official_networks as networks  # noqa: E402


def load(path, code):
    sidecar, nets, G, D = networks(path, code)
    G.load_state_dict(nets["G"], strict=True)
    G.load_state_dict(nets["G_ema"], strict=True)
    D.load_state_dict(nets["D"], strict=True)
    synthesis = type(G.synthesis).__name__
    discs = {type(d).__name__ for d in D.discriminator.mini_discs.values()}
    print(f"strict load into the official classes: G {len(nets['G'])} tensors ({synthesis}, c_dim {G.c_dim}), "
          f"G_ema {len(nets['G_ema'])}, D {len(nets['D'])} ({', '.join(sorted(discs))}); "
          f"classes {sidecar['class_names']}")


def images(path, code, folder, k):
    sidecar, nets, G, _ = networks(path, code)
    G.load_state_dict(nets["G_ema"], strict=True)
    G.eval()
    z = torch.from_numpy(np.load(os.path.join(folder, "z.npy")))
    c = torch.nn.functional.one_hot(torch.full((z.shape[0],), int(k)), G.c_dim).float()
    with torch.no_grad():
        official = G(z, c).numpy()
    ours = np.load(os.path.join(folder, "images.npy"))
    diff = float(np.abs(official - ours).max())
    verdict = "equal to float rounding" if diff < 1e-4 else "DIFFERENT"
    print(f"official G_ema(z, class {k} = {sidecar['class_names'][int(k)]}) vs ganrig generate: {z.shape[0]} images, "
          f"max |diff| {diff:.2e}: {verdict}")


if __name__ == "__main__":
    {"load": load, "images": images}[sys.argv[1]](*sys.argv[2:])
