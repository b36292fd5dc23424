# The official pg_modules/blocks.py layers the twin run uses, with its nn.Sequential indices.
import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm


def conv2d(*args, **kwargs):
    return spectral_norm(nn.Conv2d(*args, **kwargs))


def convTranspose2d(*args, **kwargs):
    return spectral_norm(nn.ConvTranspose2d(*args, **kwargs))


def NormLayer(c):
    return nn.BatchNorm2d(c)


class GLU(nn.Module):
    def forward(self, x):
        nc = x.size(1) // 2
        return x[:, :nc] * torch.sigmoid(x[:, nc:])


class Swish(nn.Module):
    def forward(self, feat):
        return feat * torch.sigmoid(feat)


class InitLayer(nn.Module):
    def __init__(self, nz, channel, sz=4):
        super().__init__()
        self.init = nn.Sequential(convTranspose2d(nz, channel * 2, sz, 1, 0, bias=False), NormLayer(channel * 2), GLU())

    def forward(self, noise):
        return self.init(noise.view(noise.shape[0], -1, 1, 1))


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1), requires_grad=True)

    def forward(self, feat):
        batch, _, height, width = feat.shape
        return feat + self.weight * torch.randn(batch, 1, height, width).to(feat.device)


def UpBlockSmall(in_planes, out_planes):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), conv2d(in_planes, out_planes * 2, 3, 1, 1, bias=False),
                         NormLayer(out_planes * 2), GLU())


def UpBlockBig(in_planes, out_planes):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), conv2d(in_planes, out_planes * 2, 3, 1, 1, bias=False),
                         NoiseInjection(), NormLayer(out_planes * 2), GLU(),
                         conv2d(out_planes, out_planes * 2, 3, 1, 1, bias=False), NoiseInjection(),
                         NormLayer(out_planes * 2), GLU())


class SEBlock(nn.Module):
    def __init__(self, ch_in, ch_out):
        super().__init__()
        self.main = nn.Sequential(nn.AdaptiveAvgPool2d(4), conv2d(ch_in, ch_out, 4, 1, 0, bias=False), Swish(),
                                  conv2d(ch_out, ch_out, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, feat_small, feat_big):
        return feat_big * self.main(feat_small)


class DownBlock(nn.Module):
    def __init__(self, in_planes, out_planes):
        super().__init__()
        self.main = nn.Sequential(conv2d(in_planes, out_planes, 4, 2, 1), NormLayer(out_planes),
                                  nn.LeakyReLU(0.2, inplace=True))

    def forward(self, feat):
        return self.main(feat)


class FeatureFusionBlock(nn.Module):
    def __init__(self, features, expand=False):
        super().__init__()
        self.out_conv = nn.Conv2d(features, features // 2 if expand else features, 1, 1, 0, bias=True)

    def forward(self, *xs):
        output = xs[0] if len(xs) == 1 else xs[0] + xs[1]
        output = nn.functional.interpolate(output, scale_factor=2, mode="bilinear", align_corners=True)
        return self.out_conv(output)
