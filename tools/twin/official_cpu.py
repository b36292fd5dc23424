"""CPU stand-ins that let the official Projected GAN code (autonomousvision/projected-gan, a checkout
given at run time, never copied here) run its own training loop on a machine without CUDA and
without timm, and replay a ganrig recording in it. Shared by tools/twin/twin_run.py and
tools/bench/side_by_side.py. Every substitution is listed in SUBSTITUTIONS and printed by both.

Nothing here changes what the official modules compute: they run as written, from the checkout.
What is replaced is what cannot run here (CUDA devices, events, pinned memory), what is not
installable (timm), what would draw other random numbers than the recording (replayed instead),
and set-up work outside the training step (the snapshot grid, print_module_summary's forwards).
"""
import collections
import glob
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SUBSTITUTIONS = []


def substitute(what):
    SUBSTITUTIONS.append(what)


# ----------------------------------------------------------------------------- timm stand-in
class Conv2dSame(nn.Conv2d):
    """timm.models.layers.Conv2dSame: TensorFlow 'same' padding computed from each input's size."""

    def forward(self, x):
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        pad_h = max((math.ceil(ih / sh) - 1) * sh + (kh - 1) * self.dilation[0] + 1 - ih, 0)
        pad_w = max((math.ceil(iw / sw) - 1) * sw + (kw - 1) * self.dilation[1] + 1 - iw, 0)
        if pad_h > 0 or pad_w > 0:  # timm's pad_same
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)


def same_conv(cin, cout, k, stride=1, groups=1):
    """timm's create_conv2d(padding='same'): static symmetric padding where that equals TF's, else dynamic."""
    if stride == 1 and k % 2 == 1:
        return nn.Conv2d(cin, cout, k, 1, (k - 1) // 2, groups=groups, bias=False)
    return Conv2dSame(cin, cout, k, stride, 0, groups=groups, bias=False)


def tf_bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # timm's _BN_ARGS_TF


class DepthwiseSeparableConv(nn.Module):
    """timm 0.4.12 DepthwiseSeparableConv without SE (lite): conv_dw, bn1, act1, conv_pw, bn2, act2."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.has_residual = stride == 1 and cin == cout
        self.conv_dw = same_conv(cin, cin, k, stride, groups=cin)
        self.bn1 = tf_bn(cin)
        self.act1 = nn.ReLU6(inplace=True)
        self.se = nn.Identity()
        self.conv_pw = same_conv(cin, cout, 1)
        self.bn2 = tf_bn(cout)
        self.act2 = nn.Identity()

    def forward(self, x):
        shortcut = x
        x = self.act2(self.bn2(self.conv_pw(self.se(self.act1(self.bn1(self.conv_dw(x)))))))
        if self.has_residual:
            x += shortcut  # in place, as timm
        return x


class InvertedResidual(nn.Module):
    """timm 0.4.12 InvertedResidual without SE (lite): conv_pw, bn1, act1, conv_dw, bn2, act2, conv_pwl, bn3."""

    def __init__(self, cin, cout, k, stride, expansion):
        super().__init__()
        mid = cin * expansion
        self.has_residual = stride == 1 and cin == cout
        self.conv_pw = same_conv(cin, mid, 1)
        self.bn1 = tf_bn(mid)
        self.act1 = nn.ReLU6(inplace=True)
        self.conv_dw = same_conv(mid, mid, k, stride, groups=mid)
        self.bn2 = tf_bn(mid)
        self.act2 = nn.ReLU6(inplace=True)
        self.se = nn.Identity()
        self.conv_pwl = same_conv(mid, cout, 1)
        self.bn3 = tf_bn(cout)

    def forward(self, x):
        shortcut = x
        x = self.act1(self.bn1(self.conv_pw(x)))
        x = self.se(self.act2(self.bn2(self.conv_dw(x))))
        x = self.bn3(self.conv_pwl(x))
        if self.has_residual:
            x += shortcut  # in place, as timm
        return x


class TfEfficientNetLite0(nn.Module):
    """timm 0.4.12's tf_efficientnet_lite0 with its attribute names (conv_stem, bn1, act1, blocks, conv_head,
    bn2, act2), which projector.py's _make_efficientnet regroups into pretrained.layer0..3."""

    STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3), (5, 1, 6, 112, 3),
              (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]  # kernel, stride, expansion, channels, repeats

    def __init__(self):
        super().__init__()
        self.conv_stem = same_conv(3, 32, 3, 2)
        self.bn1 = tf_bn(32)
        self.act1 = nn.ReLU6(inplace=True)
        stages, cin = [], 32
        for k, s, e, c, n in self.STAGES:
            blocks = []
            for i in range(n):
                stride = s if i == 0 else 1
                blocks.append(DepthwiseSeparableConv(cin, c, k, stride) if e == 1 else InvertedResidual(cin, c, k, stride, e))
                cin = c
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.conv_head = same_conv(320, 1280, 1)
        self.bn2 = tf_bn(1280)
        self.act2 = nn.ReLU6(inplace=True)
        for m in self.modules():  # timm's _init_weight_goog; PyTorch's default init would shrink the
            if isinstance(m, nn.Conv2d):  # activations toward denormals through the trunk
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))


def install_timm():
    timm = types.ModuleType("timm")

    def create_model(name, pretrained=False, **kwargs):
        if name != "tf_efficientnet_lite0":
            raise ValueError(f"the timm stand-in builds tf_efficientnet_lite0 only, not {name}")
        return TfEfficientNetLite0()  # random; load_state_dict replaces every tensor the projector keeps

    timm.create_model = create_model
    sys.modules["timm"] = timm
    substitute("timm (not installable here): a stand-in tf_efficientnet_lite0 with timm 0.4.12's module names "
               "and TF 'same' padding, random weights in timm's init (N(0, 2/fan_out)) unless a loaded state dict replaces them")


# ----------------------------------------------------------------------------- CUDA stand-ins
class _Event:
    cuda_event = 0  # what training_loop checks for "never recorded"

    def __init__(self, *args, **kwargs):
        pass

    def record(self, *args, **kwargs):
        pass

    def synchronize(self):
        pass

    def elapsed_time(self, other):
        return 0.0


def torch_proxy(name, **overrides):
    """A module that is `torch` except for `overrides`, to put in one official module's namespace."""

    class Proxy(types.ModuleType):
        def __getattr__(self, attr):
            return getattr(torch, attr)

    proxy = Proxy(name)
    proxy.__dict__.update(overrides)
    return proxy


def cpu_cuda_namespace():
    return types.SimpleNamespace(
        Event=_Event, current_stream=lambda *a, **k: None, max_memory_allocated=lambda *a, **k: 0,
        max_memory_reserved=lambda *a, **k: 0, reset_peak_memory_stats=lambda *a, **k: None,
        synchronize=lambda *a, **k: None, is_available=lambda: False)


def load_official(checkout):
    """Imports the official modules from `checkout` with the stand-ins above in place."""
    checkout = os.path.abspath(checkout)
    for needed in ("training/training_loop.py", "training/loss.py", "pg_modules/discriminator.py",
                   "pg_modules/networks_fastgan.py"):
        if not os.path.isfile(os.path.join(checkout, needed)):
            raise SystemExit(f"--official {checkout}: no {needed} (a checkout of autonomousvision/projected-gan?)")
    sys.path.insert(0, checkout)
    install_timm()
    import training.training_loop as training_loop
    import training.loss as loss
    import pg_modules.blocks as blocks
    import pg_modules.diffaug as diffaug
    from torch_utils import misc, training_stats
    torch.Tensor.pin_memory = lambda self, *a, **k: self
    substitute("Tensor.pin_memory: the tensor itself (no CUDA here)")
    return types.SimpleNamespace(training_loop=training_loop, loss=loss, blocks=blocks, diffaug=diffaug, misc=misc,
                                 training_stats=training_stats, checkout=checkout)


# ----------------------------------------------------------------------------- the recording
class Recording:
    """A ganrig recording (`[exec] record_twin`): DIR/<iteration>/reals.npy and
    DIR/<iteration>/<phase>/<k>-<kind>-<what>.npy in the order ganrig drew or computed them."""

    def __init__(self, folder):
        self.folder = folder
        self.iterations = sorted(d for d in os.listdir(folder) if d.isdigit())
        if not self.iterations:
            raise SystemExit(f"{folder}: no recorded iterations")

    def reals(self):
        return np.concatenate([np.load(os.path.join(self.folder, it, "reals.npy")) for it in self.iterations])

    def entries(self, iteration, phase):
        out = []
        for path in sorted(glob.glob(os.path.join(self.folder, self.iterations[iteration], phase, "*.npy"))):
            _, kind, what = os.path.basename(path)[:-4].split("-", 2)
            out.append((kind, what, np.load(path)))
        return out


class Replay:
    """Hands the official code ganrig's draws, in order, checking kind and shape at each."""

    def __init__(self, recording, phases=("G", "D"), on_iteration=None):
        self.recording = recording
        self.on_iteration = on_iteration  # called with the iteration's index before it starts
        self.phases = phases
        self.queue = collections.deque()
        self.iteration = -1

    def next_iteration(self):
        if self.queue:
            raise RuntimeError(f"iteration {self.iteration}: the official step left {len(self.queue)} of ganrig's "
                               f"draws unused (first: {self.queue[0][0]}:{self.queue[0][1]}): the steps differ")
        self.iteration += 1
        if self.on_iteration:
            self.on_iteration(self.iteration)
        latents = []
        for phase in self.phases:
            for kind, what, value in self.recording.entries(self.iteration, phase):
                if (kind, what) == ("randn", "z"):
                    latents.append(torch.from_numpy(value))
                elif kind != "out":
                    self.queue.append((kind, what, value))
        return latents

    def pop(self, kind, shape):
        shape = tuple(int(s) for s in shape)
        if not self.queue:
            raise RuntimeError(f"iteration {self.iteration}: the official step draws {kind}{list(shape)} where ganrig "
                               "drew nothing more")
        got_kind, what, value = self.queue.popleft()
        if got_kind != kind or tuple(value.shape) != shape:
            raise RuntimeError(f"iteration {self.iteration}: the official step draws {kind}{list(shape)} where ganrig "
                               f"drew {got_kind}:{what}{list(value.shape)}")
        return value


def install_cpu_loop(official, loop_randn=None, real_dtype=None):
    """training_loop's CUDA device, events and memory counters on the CPU; `loop_randn` (if given)
    replaces its torch.randn, which it calls once per iteration for the latents, and `real_dtype`
    its torch.float32 (the dtype it gives the reals)."""
    overrides = dict(device=lambda *a, **k: torch.device("cpu"), cuda=cpu_cuda_namespace())
    if loop_randn:
        overrides["randn"] = loop_randn
    if real_dtype is not None:
        overrides["float32"] = real_dtype
    official.training_loop.torch = torch_proxy("torch", **overrides)
    substitute("training_loop's torch.device('cuda'), torch.cuda events and memory counters: the CPU, no-ops, 0")


def latents_shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else tuple(size)


def install_replay(official, replay, z_dim, batch, phases, fp64=False):
    """Routes the official code's random draws to `replay`: the loop's latents (torch.randn of
    [phases * batch, z_dim]), NoiseInjection's torch.randn and DiffAugment's torch.rand/randint."""

    def loop_randn(*size, **kwargs):
        if latents_shape(size) != (phases * batch, z_dim):
            return torch.randn(*size, **kwargs)  # the snapshot grid's latents
        latents = replay.next_iteration()
        unused = [torch.zeros(batch, z_dim)] * (phases - len(latents))  # the no-op Dreg phase's
        return torch.cat(latents + unused)

    if fp64:
        substitute("float64 run: torch.set_default_dtype(torch.float64) before the networks are built, and "
                   "training_loop's torch.float32 (the dtype it gives the reals) is torch.float64")
    install_cpu_loop(official, loop_randn, torch.float64 if fp64 else None)
    substitute("training_loop's latents torch.randn([phases * batch, z_dim]): ganrig's recorded latents of its G and "
               "D phases (zeros for the no-op Dreg phase)")

    def noise_randn(*size, **kwargs):
        if replay.iteration < 0:  # the snapshot grid before the first step (G_ema), not part of the step
            return torch.randn(*size, **kwargs)
        return torch.from_numpy(replay.pop("randn", size)).to(torch.get_default_dtype())

    official.blocks.torch = torch_proxy("torch", randn=noise_randn)
    substitute("pg_modules.blocks NoiseInjection's torch.randn: ganrig's recorded noise (from the first step on)")

    def augment_rand(*size, dtype=None, device=None, **kwargs):
        return torch.from_numpy(replay.pop("rand", size)).to(dtype or torch.float32)

    def augment_randint(low, high, size, device=None, **kwargs):
        value = torch.from_numpy(replay.pop("randint", size)).to(torch.long)
        if value.numel() and (value.min() < low or value.max() >= high):
            raise RuntimeError(f"ganrig's recorded randint lies outside the official range [{low}, {high})")
        return value

    official.diffaug.torch = torch_proxy("torch", rand=augment_rand, randint=augment_randint)
    substitute("pg_modules.diffaug's torch.rand / torch.randint: ganrig's recorded DiffAugment draws (kind, shape and "
               "range checked at each)")


def install_in_order_sampler(official):
    """The replay's sampler: the recorded reals in the order ganrig used them."""

    class InOrderSampler(torch.utils.data.Sampler):
        def __init__(self, dataset, **kwargs):
            self.n = len(dataset)

        def __iter__(self):
            i = 0
            while True:
                yield i % self.n
                i += 1

    official.misc.InfiniteSampler = InOrderSampler
    substitute("misc.InfiniteSampler: the recorded reals in the order ganrig used them")


def install_loop_shortcuts(official):
    """Set-up work of training_loop() that is not the training step."""

    def small_grid(training_set, random_seed=0):
        image = training_set[0][0][None]
        return (1, 1), image, np.zeros([1, 0], np.float32)

    official.training_loop.setup_snapshot_image_grid = small_grid
    substitute("setup_snapshot_image_grid: a 1x1 grid (the official one runs G_ema on up to 1,024 latents)")
    official.misc.print_module_summary = lambda module, inputs, **kwargs: None
    substitute("misc.print_module_summary: skipped (its train-mode forwards of torch.empty inputs move G's and D's "
               "BatchNorm statistics and spectral-norm vectors before the first step; ganrig makes no such passes)")


def install_separable_generator(official):
    """Faster Projected GAN's generator: the official FastGAN up-blocks with each 3x3 convolution
    replaced by the official pg_modules.blocks.SeparableConv2d (depthwise 3x3 + pointwise 1x1, both
    spectral-normed). The official repository has no such option; the FPG paper's change is this."""
    import pg_modules.networks_fastgan as networks

    def separable(block):
        for i, layer in enumerate(block):
            if isinstance(layer, nn.Conv2d) and layer.kernel_size == (3, 3):
                block[i] = official.blocks.SeparableConv2d(layer.in_channels, layer.out_channels, 3, bias=False)
        return block

    small, big = networks.UpBlockSmall, networks.UpBlockBig
    networks.UpBlockSmall = lambda cin, cout: separable(small(cin, cout))
    networks.UpBlockBig = lambda cin, cout: separable(big(cin, cout))
    substitute("generator block dsc (Faster Projected GAN): the 3x3 convolutions of networks_fastgan's UpBlockSmall / "
               "UpBlockBig are the official pg_modules.blocks.SeparableConv2d (depthwise 3x3 + pointwise 1x1, "
               "spectral-normed; the official repository has no such option)")


def install_generator_below_128(official):
    """The official FastganSynthesis cannot run below 128x128: its constructor always builds the
    128 and 256 up-blocks, and its forward computes feat_128 and then returns to_big(feat_last),
    which it defines only from 128 on (UnboundLocalError at 64). For 64x64 its forward stops at
    feat_64 (after the skip excitation se_64), as its layout implies and as ganrig's generator does,
    and the modules that size never uses are dropped, so that parameter counts and the EMA compare."""
    import pg_modules.networks_fastgan as networks
    official_synthesis = networks.FastganSynthesis

    class SynthesisAt64(official_synthesis):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.img_resolution != 64:
                raise SystemExit("the 64x64 stand-in of FastganSynthesis is for 64x64 only")
            del self.feat_128, self.feat_256, self.se_128, self.se_256

        def forward(self, input, c, **kwargs):
            input = networks.normalize_second_moment(input[:, 0])
            feat_4 = self.init(input)
            feat_32 = self.feat_32(self.feat_16(self.feat_8(feat_4)))
            return self.to_big(self.se_64(feat_4, self.feat_64(feat_32)))

    networks.FastganSynthesis = SynthesisAt64
    substitute("networks_fastgan.FastganSynthesis at 64x64 (the official one fails below 128: feat_last is never "
               "defined): its forward up to se_64 then to_big, without the 128 and 256 blocks it would not use")


class UnlabelledImages(torch.utils.data.Dataset):
    """What the official loop needs of a training set: uint8 images [N, C, H, W] in memory, no labels."""

    def __init__(self, images, resolution, name):
        self.images = images
        self.resolution = resolution
        self.num_channels = images.shape[1]
        self.image_shape = list(images.shape[1:])
        self.label_shape = [0]
        self.label_dim = 0
        self.has_labels = False
        self.name = name

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i].copy(), np.zeros([0], np.float32)

    def get_label(self, i):
        return np.zeros([0], np.float32)


class RandomImages(UnlabelledImages):
    """A benchmark's training set: `size` random uint8 images (the step does not depend on them)."""

    def __init__(self, resolution, size=64, seed=0, **kwargs):
        images = np.random.RandomState(seed).randint(0, 256, (size, 3, resolution, resolution), dtype=np.uint8)
        super().__init__(images, resolution, "random-images")


class RecordedReals(UnlabelledImages):
    """The official loop's training set: ganrig's recorded real batches, image i of the concatenation."""

    def __init__(self, path, resolution, **kwargs):
        super().__init__(Recording(path).reals().round().astype(np.uint8), resolution, "ganrig-recording")
