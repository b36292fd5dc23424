"""Checks of `ganrig export --format pg --what all` files, for tests/cli/export_import_all.sh.

  load FILE CODE   builds the official Generator and ProjectedDiscriminator of CODE (a checkout of
                   autonomousvision/projected-gan, or tools/twin/rewrite) from the constructors in
                   FILE.json and loads G, G_ema and D strictly
  same A B         every tensor of A equals B's, bit for bit (names, dtypes, values)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools/twin"))
import official_cpu  # noqa: E402


def official_networks(path, code):
    """The sidecar and state dicts of FILE, and the official G and D built from its constructors."""
    official_cpu.load_official(code)
    from pg_modules.discriminator import ProjectedDiscriminator
    from pg_modules.networks_fastgan import Generator
    with open(path + ".json") as f:
        sidecar = json.load(f)
    nets = torch.load(path, weights_only=True)  # as torch >= 2.6 loads by default
    G = Generator(**sidecar["constructor"]["kwargs"])
    D = ProjectedDiscriminator(**sidecar["discriminator_constructor"]["kwargs"])
    return sidecar, nets, G, D


def load(path, code):
    _, nets, G, D = official_networks(path, code)
    G.load_state_dict(nets["G"], strict=True)
    G.load_state_dict(nets["G_ema"], strict=True)
    D.load_state_dict(nets["D"], strict=True)
    print(f"strict load into the official classes: G {len(nets['G'])} tensors, G_ema {len(nets['G_ema'])}, "
          f"D {len(nets['D'])}")


def same(a, b):
    a, b = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    differ = [f"{net}.{k}" for net in a for k in a[net]
              if k not in b[net] or a[net][k].dtype != b[net][k].dtype or not torch.equal(a[net][k], b[net][k])]
    extra = [f"{net}.{k}" for net in b for k in b[net] if k not in a.get(net, {})]
    print(f"round trip: {sum(len(v) for v in a.values())} tensors, {len(differ)} differ, {len(extra)} extra:",
          "bit-exact" if not differ and not extra else f"DIFFERENT {differ[:3]} {extra[:3]}")


if __name__ == "__main__":
    {"load": load, "same": same}[sys.argv[1]](*sys.argv[2:])
