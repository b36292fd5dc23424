#!/usr/bin/python3
"""A plain PyTorch-eager Projected GAN training step: the side-by-side reference for `ganrig bench`.

Written from the Projected GAN paper and shared/reference/gan-systems.md (sections 1.1-1.3), the
way the official code runs it: FastGAN(-lite) generator, projected discriminator (DiffAugment
colour/translation/cutout, bilinear resize to 224 below 224, frozen EfficientNet-lite0 trunk in
eval mode, random frozen CCM + CSM, four mini-discriminators with train-mode BatchNorm), hinge
loss, phases G then D (fakes and reals through D separately), gradient nan_to_num, Adam, and the
G EMA. Nothing is fused or reordered: this is what a researcher running the official step gets.

    python3 tools/bench/pg_step.py --res 64 --ngf 32 --batch 8 [--block dsc] [--threads 2]
        [--device cuda --precision fp32|bf16|fp16]

On CUDA, fp16 is PyTorch's AMP recipe (autocast to float16, torch.amp.GradScaler in place of the
gradient nan_to_num, which would hide the overflows the scaler backs off on), as ganrig's
`[exec] precision = "fp16"`; the official code itself trains in fp32 there.

prints one line `PEER {json}` with sec/iter, peak RSS (and on CUDA peak allocated memory) and parameter counts (the counts must equal
`ganrig bench`'s for the same settings; tools/bench/side_by_side.py checks that).
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import process_settings  # tools/bench, next to this file
from torch.nn.utils import spectral_norm


# ----------------------------------------------------------------------------- generator (FastGAN)
def sn_conv(*args, **kwargs):
    return spectral_norm(nn.Conv2d(*args, **kwargs))


class SeparableConv(nn.Module):
    """Faster Projected GAN's block: depthwise kxk (groups = in) then pointwise 1x1, both SN."""

    def __init__(self, cin, cout, k, padding, bias):
        super().__init__()
        self.depthwise = sn_conv(cin, cin, k, 1, padding, groups=cin, bias=bias)
        self.pointwise = sn_conv(cin, cout, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def conv3x3(cin, cout, block):
    return SeparableConv(cin, cout, 3, 1, False) if block == "dsc" else sn_conv(cin, cout, 3, 1, 1, bias=False)


def glu(x):
    half = x.size(1) // 2
    return x[:, :half] * torch.sigmoid(x[:, half:])


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x + self.weight * torch.randn(x.size(0), 1, x.size(2), x.size(3), device=x.device)


class UpBlock(nn.Module):
    def __init__(self, cin, cout, big, block):
        super().__init__()
        self.big = big
        self.conv1 = conv3x3(cin, 2 * cout, block)
        self.bn1 = nn.BatchNorm2d(2 * cout)
        if big:
            self.noise1 = NoiseInjection()
            self.conv2 = conv3x3(cout, 2 * cout, block)
            self.noise2 = NoiseInjection()
            self.bn2 = nn.BatchNorm2d(2 * cout)

    def forward(self, x):
        x = self.conv1(F.interpolate(x, scale_factor=2, mode="nearest"))
        if self.big:
            x = self.noise1(x)
        x = glu(self.bn1(x))
        if not self.big:
            return x
        return glu(self.bn2(self.noise2(self.conv2(x))))


class SEBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = sn_conv(cin, cout, 4, 1, 0, bias=False)
        self.conv2 = sn_conv(cout, cout, 1, 1, 0, bias=False)

    def forward(self, small, big):
        s = self.conv1(F.adaptive_avg_pool2d(small, 4))
        s = s * torch.sigmoid(s)
        return big * torch.sigmoid(self.conv2(s))


class FastganGenerator(nn.Module):
    MULT = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}

    def __init__(self, res, ngf, z_dim=256, lite=True, block="conv"):
        super().__init__()
        nfc = {r: int(m * ngf) for r, m in self.MULT.items()}
        self.init = spectral_norm(nn.ConvTranspose2d(z_dim, 2 * nfc[4], 4, 1, 0, bias=False))
        self.init_bn = nn.BatchNorm2d(2 * nfc[4])
        self.ups = nn.ModuleList()
        r = 8
        while r <= res:
            self.ups.append(UpBlock(nfc[r // 2], nfc[r], not lite, block))
            r *= 2
        self.se = nn.ModuleDict({str(big): SEBlock(nfc[small], nfc[big])
                                 for small, big in [(4, 64), (8, 128), (16, 256), (32, 512)] if big <= res})
        self.to_big = sn_conv(nfc[res], 3, 3, 1, 1, bias=True)

    def forward(self, z):
        z = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)
        x = glu(self.init_bn(self.init(z.view(z.size(0), -1, 1, 1))))
        feats = {4: x}
        r = 4
        for up in self.ups:
            x = up(x)
            r *= 2
            if str(r) in self.se:
                x = self.se[str(r)](feats[r // 16], x)
            feats[r] = x
        return self.to_big(x)


# ----------------------------------------------------------------------------- DiffAugment
def diff_augment(x, translation_ratio=0.125, cutout_ratio=0.2):
    b = x.size(0)

    def u():
        return torch.rand(b, 1, 1, 1, dtype=x.dtype, device=x.device)

    x = x + (u() - 0.5)
    m = x.mean(1, keepdim=True)
    x = (x - m) * (u() * 2) + m
    m = x.mean([1, 2, 3], keepdim=True)
    x = (x - m) * (u() + 0.5) + m
    # translation: gather from the zero-padded image with per-sample shifted index grids
    h, w = x.size(2), x.size(3)
    sx, sy = int(h * translation_ratio + 0.5), int(w * translation_ratio + 0.5)
    tx = torch.randint(-sx, sx + 1, size=[b, 1, 1], device=x.device)
    ty = torch.randint(-sy, sy + 1, size=[b, 1, 1], device=x.device)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(h, device=x.device),
                                torch.arange(w, device=x.device), indexing="ij")
    gx = torch.clamp(gx + tx + 1, 0, h + 1)
    gy = torch.clamp(gy + ty + 1, 0, w + 1)
    x = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1).contiguous()[gb, gx, gy].permute(0, 3, 1, 2)
    # cutout: zero one square per sample
    cx, cy = int(h * cutout_ratio + 0.5), int(w * cutout_ratio + 0.5)
    ox = torch.randint(0, h + (1 - cx % 2), size=[b, 1, 1], device=x.device)
    oy = torch.randint(0, w + (1 - cy % 2), size=[b, 1, 1], device=x.device)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(cx, device=x.device),
                                torch.arange(cy, device=x.device), indexing="ij")
    gx = torch.clamp(gx + ox - cx // 2, 0, h - 1)
    gy = torch.clamp(gy + oy - cy // 2, 0, w - 1)
    mask = torch.ones(b, h, w, dtype=x.dtype, device=x.device)
    mask[gb, gx, gy] = 0
    return (x * mask.unsqueeze(1)).contiguous()


# ----------------------------------------------------------------------------- EfficientNet-lite0
class ConvBNSame(nn.Module):
    """timm's create_conv2d(padding='same') + BatchNorm(eps 1e-3) [+ ReLU6 in place], as timm builds
    them: stride 1 with an odd kernel pads inside the convolution (static 'same' padding); otherwise
    Conv2dSame pads explicitly, computed per input (TensorFlow 'same')."""

    def __init__(self, cin, cout, k, stride, depthwise, act):
        super().__init__()
        self.static = stride == 1 and k % 2 == 1
        self.conv = nn.Conv2d(cin, cout, k, stride, (k - 1) // 2 if self.static else 0,
                              groups=cin if depthwise else 1, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)
        self.k, self.stride = k, stride
        self.act = nn.ReLU6(inplace=True) if act else None

    def forward(self, x):
        def pad(n):
            total = max((math.ceil(n / self.stride) - 1) * self.stride + self.k - n, 0)
            return total // 2, total - total // 2

        if not self.static:
            (top, bottom), (left, right) = pad(x.size(2)), pad(x.size(3))
            if top or bottom or left or right:
                x = F.pad(x, [left, right, top, bottom])
        x = self.bn(self.conv(x))
        if self.act is None:
            return x
        # LibTorch 1.13 has no bf16 CPU backward for hardtanh (ReLU6): clamp there
        return torch.clamp(x, 0, 6) if x.dtype == torch.bfloat16 else self.act(x)


class MBBlock(nn.Module):
    def __init__(self, cin, cout, k, stride, expansion):
        super().__init__()
        self.skip = stride == 1 and cin == cout
        if expansion == 1:
            self.layers = nn.Sequential(ConvBNSame(cin, cin, k, stride, True, True),
                                        ConvBNSame(cin, cout, 1, 1, False, False))
        else:
            mid = cin * expansion
            self.layers = nn.Sequential(ConvBNSame(cin, mid, 1, 1, False, True),
                                        ConvBNSame(mid, mid, k, stride, True, True),
                                        ConvBNSame(mid, cout, 1, 1, False, False))

    def forward(self, x):
        y = self.layers(x)
        if self.skip:
            y += x  # in place, as timm
        return y


class EfficientNetLite0(nn.Module):
    STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3), (5, 1, 6, 112, 3),
              (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]
    TAPS = (1, 2, 4, 6)

    def __init__(self):
        super().__init__()
        self.stem = ConvBNSame(3, 32, 3, 2, False, True)
        self.stages = nn.ModuleList()
        cin = 32
        for k, s, e, c, n in self.STAGES:
            self.stages.append(nn.Sequential(*[MBBlock(cin if i == 0 else c, c, k, s if i == 0 else 1, e)
                                               for i in range(n)]))
            cin = c

    def forward(self, x):
        x = self.stem(x)
        taps = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.TAPS:
                taps.append(x)
        return taps


# ----------------------------------------------------------------------------- projected D
class Fusion(nn.Module):
    def __init__(self, features, expand):
        super().__init__()
        self.out_conv = nn.Conv2d(features, features // 2 if expand else features, 1, bias=True)

    def forward(self, x, skip=None):
        if skip is not None:
            x = x + skip
        return self.out_conv(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))


class DownBlock(nn.Sequential):
    def __init__(self, cin, cout, separable):
        if separable:
            super().__init__(SeparableConv(cin, cout, 3, 1, False), nn.BatchNorm2d(cout),
                             nn.LeakyReLU(0.2, inplace=True), nn.AvgPool2d(2))
        else:
            super().__init__(sn_conv(cin, cout, 4, 2, 1, bias=True), nn.BatchNorm2d(cout),
                             nn.LeakyReLU(0.2, inplace=True))


class MiniDisc(nn.Module):
    CHANNELS = {4: 512, 8: 512, 16: 256, 32: 128, 64: 64, 128: 64, 256: 32, 512: 16, 1024: 8}

    def __init__(self, cin, start, separable):
        super().__init__()
        ch = dict(self.CHANNELS)
        ch[start] = cin
        layers = []
        while start > 8:
            layers.append(DownBlock(ch[start], ch[start // 2], separable))
            start //= 2
        layers.append(sn_conv(ch[8], 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


class FeatureNetwork(nn.Module):
    """The frozen part: projector + CCM + CSM (official F_RandomProj)."""

    def __init__(self, cout=64):
        super().__init__()
        self.pretrained = EfficientNetLite0().eval()
        channels = [24, 40, 112, 320]
        self.ccm = nn.ModuleList([nn.Conv2d(c, cout << i, 1, bias=True) for i, c in enumerate(channels)])
        channels = [cout << i for i in range(4)]
        self.csm = nn.ModuleList([Fusion(channels[i], i > 0) for i in range(4)])
        self.channels = [cout, cout, cout * 2, cout * 4]

    def train(self, mode=True):
        return super().train(False)  # frozen forever

    def forward(self, x):
        f = [ccm(t) for ccm, t in zip(self.ccm, self.pretrained(x))]
        out3 = self.csm[3](f[3])
        out2 = self.csm[2](out3, f[2])
        out1 = self.csm[1](out2, f[1])
        return [self.csm[0](out1, f[0]), out1, out2, out3]


class ProjectedDiscriminator(nn.Module):
    def __init__(self, res, separable=False):
        super().__init__()
        self.resize_224 = res < 224
        self.feature_network = FeatureNetwork()
        sizes = [128, 64, 32, 16]  # fixed as for a 256x256 input, after CSM
        self.discs = nn.ModuleList([MiniDisc(c, s, separable) for c, s in zip(self.feature_network.channels, sizes)])

    def train(self, mode=True):
        super().train(mode)
        self.feature_network.train(False)
        return self

    def forward(self, x):
        x = diff_augment(x)
        if self.resize_224:
            x = F.interpolate(x, 224, mode="bilinear", align_corners=False)
        feats = self.feature_network(x)
        return torch.cat([d(f).view(x.size(0), -1) for d, f in zip(self.discs, feats)], dim=1)


# ----------------------------------------------------------------------------- the step
def count(module, trainable=None):
    return sum(p.numel() for p in module.parameters() if trainable is None or p.requires_grad == trainable)


class Step:
    def __init__(self, args):
        self.device = torch.device(args.device)
        self.G = FastganGenerator(args.res, args.ngf, lite=not args.big, block=args.block).train().requires_grad_(False)
        self.D = ProjectedDiscriminator(args.res, separable=args.d_block == "dsc").train().requires_grad_(False)
        self.G_ema = FastganGenerator(args.res, args.ngf, lite=not args.big, block=args.block).eval()
        for net in (self.G, self.D, self.G_ema):
            net.to(self.device)
        self.G_ema.load_state_dict(self.G.state_dict())
        self.G_ema.requires_grad_(False)
        self.batch = args.batch
        self.autocast_dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[args.precision]
        if args.precision == "fp16" and self.device.type != "cuda":
            raise SystemExit("pg_step.py: --precision fp16 needs --device cuda")
        self.scaler = None
        if args.precision == "fp16":  # torch.amp.GradScaler from 2.3, torch.cuda.amp's before
            self.scaler = torch.amp.GradScaler("cuda") if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler()
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.0, 0.99), eps=1e-8)
        d_params = [p for n, p in self.D.named_parameters() if not n.startswith("feature_network.")]
        self.opt_d = torch.optim.Adam(d_params, lr=2e-4 * 16 / 17, betas=(0.0, 0.99 ** (16 / 17)), eps=1e-8)
        self.reals = torch.rand(64, 3, args.res, args.res, device=self.device) * 2 - 1
        self.cur_nimg = 0
        self.params = {"G": count(self.G), "D_trainable": sum(p.numel() for p in d_params),
                       "D_frozen": count(self.D.feature_network)}

    def phase(self, module, opt, loss_fn, freeze=None):
        opt.zero_grad(set_to_none=True)
        module.requires_grad_(True)
        if freeze is not None:
            freeze.requires_grad_(False)
        self.backward(loss_fn())
        module.requires_grad_(False)
        if self.scaler is not None:
            self.scaler.step(opt)  # unscales; skips the step on inf/nan
            self.scaler.update()
            return
        params = [p for p in module.parameters() if p.grad is not None]
        if params:
            flat = torch.cat([p.grad.flatten() for p in params])
            torch.nan_to_num(flat, nan=0, posinf=1e5, neginf=-1e5, out=flat)
            for p, g in zip(params, flat.split([p.numel() for p in params])):
                p.grad = g.reshape(p.shape)
        opt.step()

    def backward(self, loss):
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def __call__(self):
        idx = torch.randint(0, self.reals.size(0), (self.batch,), device=self.device)
        real = self.reals[idx]

        def autocast():
            return torch.autocast(self.device.type, dtype=self.autocast_dtype or torch.bfloat16,
                                  enabled=self.autocast_dtype is not None)

        def g_loss():
            z = torch.randn(self.batch, 256, device=self.device)
            with autocast():
                return (-self.D(self.G(z))).float().mean()

        def d_loss():
            z = torch.randn(self.batch, 256, device=self.device)
            with autocast():
                fake_logits = self.D(self.G(z)).float()
            loss_fake = F.relu(1 + fake_logits).mean()
            self.backward(loss_fake)
            with autocast():
                real_logits = self.D(real.detach()).float()
            return F.relu(1 - real_logits).mean()

        self.phase(self.G, self.opt_g, g_loss)
        self.phase(self.D, self.opt_d, d_loss, freeze=self.D.feature_network)
        self.cur_nimg += self.batch
        ema_nimg = min(self.batch * 10 / 32 * 1000, self.cur_nimg * 0.05)
        beta = 0.5 ** (self.batch / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
                p_ema.copy_(p.lerp(p_ema, beta))
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                b_ema.copy_(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--res", type=int, default=64)
    ap.add_argument("--ngf", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--block", default="conv", choices=["conv", "dsc"], help="G's 3x3 convolutions")
    ap.add_argument("--d-block", default="conv", choices=["conv", "dsc"], help="D's down blocks")
    ap.add_argument("--big", action="store_true", help="cfg fastgan (big up blocks) instead of fastgan_lite")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"],
                    help="bf16: autocast on the forwards; fp16: CUDA autocast with a gradient scaler")
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", action="store_true", help="print the top operators of one step")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # As the official training loop (and ganrig's [exec] allow_tf32 = false): no TF32 on CUDA.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(args.seed)
    step = Step(args)
    cuda = step.device.type == "cuda"
    for _ in range(args.warmup):
        step()
    if cuda:
        torch.cuda.synchronize(step.device)  # peak memory: over the whole process, as `ganrig bench` reports it
    start = time.perf_counter()
    for _ in range(args.iterations):
        step()
    if cuda:
        torch.cuda.synchronize(step.device)
    seconds = (time.perf_counter() - start) / max(args.iterations, 1)
    if args.profile:
        with torch.autograd.profiler.profile() as prof:
            step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    peak_cuda_mib = torch.cuda.max_memory_allocated(step.device) / 2**20 if cuda else 0.0
    print("PEER " + json.dumps({"sec_per_iter": seconds, "peak_rss_mib": peak_mib, "peak_cuda_mib": peak_cuda_mib,
                                "device": str(step.device), "batch": args.batch,
                                "threads": torch.get_num_threads(), "precision": args.precision, "torch": torch.__version__,
                                "settings": process_settings.of_this_process(), **step.params}),
          flush=True)


if __name__ == "__main__":
    main()
