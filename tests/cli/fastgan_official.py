"""The Projected GAN generator (FastGAN, cfg fastgan / fastgan_lite) in the official code's module
names, written from ../shared/reference/gan-systems.md section 1.2 (autonomousvision/projected-gan,
pg_modules/networks_fastgan.py and blocks.py), for tests/cli/export_import.sh.

  make DIR --lite 0|1 ...  a seeded random generator (BN statistics and spectral-norm vectors
                           moved off their initial values) saved as torch.save(G.state_dict()), plus
                           its eval-mode images for seeds 0..3 (reference.npy)
  check DIR                loads DIR/exported.pt strictly into a fresh generator, compares it with
                           DIR/official.pt bit for bit and its images with ganrig's (DIR/generated/images.npy)
"""
import argparse
import json
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm


def conv2d(*args, **kwargs):
    return spectral_norm(nn.Conv2d(*args, **kwargs))


class GLU(nn.Module):
    def forward(self, x):
        half = x.size(1) // 2
        return x[:, :half] * torch.sigmoid(x[:, half:])


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, feat):
        b, _, h, w = feat.shape
        return feat + self.weight * torch.randn(b, 1, h, w, device=feat.device)


class InitLayer(nn.Module):
    def __init__(self, nz, channel):
        super().__init__()
        self.init = nn.Sequential(spectral_norm(nn.ConvTranspose2d(nz, channel * 2, 4, 1, 0, bias=False)),
                                  nn.BatchNorm2d(channel * 2), GLU())

    def forward(self, noise):
        return self.init(noise.view(noise.shape[0], -1, 1, 1))


def up_block_small(cin, cout):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), conv2d(cin, cout * 2, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout * 2), GLU())


def up_block_big(cin, cout):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), conv2d(cin, cout * 2, 3, 1, 1, bias=False),
                         NoiseInjection(), nn.BatchNorm2d(cout * 2), GLU(),
                         conv2d(cout, cout * 2, 3, 1, 1, bias=False), NoiseInjection(), nn.BatchNorm2d(cout * 2), GLU())


class SEBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.main = nn.Sequential(nn.AdaptiveAvgPool2d(4), conv2d(cin, cout, 4, 1, 0, bias=False), Swish(),
                                  conv2d(cout, cout, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small, big):
        return big * self.main(small)


class FastganSynthesis(nn.Module):
    def __init__(self, ngf, z_dim, nc, img_resolution, lite):
        super().__init__()
        self.img_resolution = img_resolution
        mult = {2: 16, 4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}
        nfc = {k: int(v * ngf) for k, v in mult.items()}
        up = up_block_small if lite else up_block_big
        self.init = InitLayer(z_dim, nfc[2])
        for r in (8, 16, 32, 64, 128, 256):
            setattr(self, f'feat_{r}', up(nfc[r // 2], nfc[r]))
        for r in (64, 128, 256):
            setattr(self, f'se_{r}', SEBlock(nfc[r // 16], nfc[r]))
        self.to_big = conv2d(nfc[img_resolution], nc, 3, 1, 1, bias=True)
        if img_resolution > 256:
            self.feat_512, self.se_512 = up(nfc[256], nfc[512]), SEBlock(nfc[32], nfc[512])
        if img_resolution > 512:
            self.feat_1024 = up(nfc[512], nfc[1024])

    def forward(self, w):
        z = w[:, 0]
        z = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        f4 = self.init(z)
        f8 = self.feat_8(f4)
        f16 = self.feat_16(f8)
        f32 = self.feat_32(f16)
        f64 = self.se_64(f4, self.feat_64(f32))
        last = self.se_128(f8, self.feat_128(f64))
        if self.img_resolution >= 256:
            last = self.se_256(f16, self.feat_256(last))
        if self.img_resolution >= 512:
            last = self.se_512(f32, self.feat_512(last))
        if self.img_resolution >= 1024:
            last = self.feat_1024(last)
        return self.to_big(last)


class Generator(nn.Module):
    """pg_modules.networks_fastgan.Generator: a dummy mapping (z -> z[:, None]) and the synthesis."""

    def __init__(self, z_dim=256, c_dim=0, w_dim=0, img_resolution=256, img_channels=3, ngf=128, cond=0,
                 synthesis_kwargs=None):
        super().__init__()
        self.z_dim = z_dim
        self.synthesis = FastganSynthesis(ngf, z_dim, img_channels, img_resolution, **(synthesis_kwargs or {}))

    def forward(self, z, c=None):
        return self.synthesis(z.unsqueeze(1))


def seed_latents(seeds, z_dim):
    return torch.from_numpy(np.stack([np.random.RandomState(s).randn(z_dim) for s in seeds])).float()


def make(args):
    torch.manual_seed(args.seed)
    kwargs = dict(z_dim=args.z_dim, img_resolution=args.resolution, ngf=args.ngf,
                  synthesis_kwargs=dict(lite=bool(args.lite)))
    G = Generator(**kwargs)
    G.train()
    with torch.no_grad():  # a few train-mode passes move BN statistics and the spectral-norm u, v
        for _ in range(3):
            G(torch.randn(4, args.z_dim))
        for name, p in G.named_parameters():
            if name.endswith('.weight') and p.dim() == 1 and p.numel() > 1:  # BN affine off its init
                p.add_(0.1 * torch.randn_like(p))
            if p.numel() == 1:  # noise injection: zero, so eval images are deterministic
                p.zero_()
    G.eval()
    with torch.no_grad():
        images = G(seed_latents(range(4), args.z_dim))
    torch.save(G.state_dict(), f'{args.dir}/official.pt')  # an OrderedDict with _metadata, as users save it
    np.save(f'{args.dir}/reference.npy', images.numpy())
    with open(f'{args.dir}/kwargs.json', 'w') as f:
        json.dump(kwargs, f)
    print(f'official generator: {sum(p.numel() for p in G.parameters())} parameters, {len(G.state_dict())} tensors')


def check(args):
    with open(f'{args.dir}/exported.pt.json') as f:
        sidecar = json.load(f)
    G = Generator(**sidecar['constructor']['kwargs'])  # the exporter's constructor settings
    G.load_state_dict(torch.load(f'{args.dir}/exported.pt', weights_only=True), strict=True)
    G.eval()
    original = torch.load(f'{args.dir}/official.pt', weights_only=True)
    exported = torch.load(f'{args.dir}/exported.pt', weights_only=True)
    # Below 256 the official constructor builds stages its forward never uses (feat_256, se_256 at
    # 128); ganrig has no such tensors and exports zero placeholders for them.
    resolution = sidecar['constructor']['kwargs']['img_resolution']
    unused = tuple(f'synthesis.{n}_{r}.' for n in ('feat', 'se') for r in (256,) if r > resolution)
    differ = [k for k in original if not k.startswith(unused or ('-',)) and (
        k not in exported or original[k].dtype != exported[k].dtype or not torch.equal(original[k], exported[k]))]
    extra = [k for k in exported if k not in original]
    used = sum(1 for k in original if not k.startswith(unused or ('-',)))
    print(f'round trip: {used} of {len(original)} tensors used at {resolution}x{resolution}, {len(differ)} differ, '
          f'{len(extra)} extra:', 'bit-exact' if not differ and not extra else f'DIFFERENT {differ[:3]} {extra[:3]}')
    with torch.no_grad():
        images = G(seed_latents(range(4), G.z_dim)).numpy()
    ganrig = np.load(f'{args.dir}/generated/images.npy')
    reference = np.load(f'{args.dir}/reference.npy')
    print(f'images: shape {images.shape}, max |ganrig - official code on export| = {np.abs(ganrig - images).max():.3g}, '
          f'max |ganrig - original| = {np.abs(ganrig - reference).max():.3g}')
    ok = not differ and not extra and ganrig.shape == images.shape and np.abs(ganrig - images).max() < 1e-5 \
        and np.abs(ganrig - reference).max() < 1e-5
    print('export/import: OK' if ok else 'export/import: FAILED')
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['make', 'check'])
    parser.add_argument('dir')
    parser.add_argument('--lite', type=int, default=1)
    parser.add_argument('--z-dim', type=int, default=32)
    parser.add_argument('--ngf', type=int, default=8)
    parser.add_argument('--resolution', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.mode == 'make':
        make(args)
        return 0
    return check(args)


if __name__ == '__main__':
    sys.exit(main())
