# The official pg_modules/discriminator.py: SingleDisc, MultiScaleD, ProjectedDiscriminator (unconditional, conv blocks).
import torch
import torch.nn as nn
import torch.nn.functional as F
from pg_modules.blocks import DownBlock, conv2d
from pg_modules.projector import F_RandomProj
from pg_modules.diffaug import DiffAugment


class SingleDisc(nn.Module):
    def __init__(self, nc=None, start_sz=256, end_sz=8):
        super().__init__()
        nfc = {4: 512, 8: 512, 16: 256, 32: 128, 64: 64, 128: 64, 256: 32, 512: 16, 1024: 8}
        nfc[start_sz] = nc
        layers = []
        while start_sz > end_sz:
            layers.append(DownBlock(nfc[start_sz], nfc[start_sz // 2]))
            start_sz //= 2
        layers.append(conv2d(nfc[end_sz], 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)

    def forward(self, x, c):
        return self.main(x)


class MultiScaleD(nn.Module):
    def __init__(self, channels, resolutions, num_discs=1, separable=False, cond=0, **kwargs):
        super().__init__()
        assert not separable and not cond, "the rewrite covers unconditional discriminators with conv blocks"
        self.mini_discs = nn.ModuleDict({str(i): SingleDisc(nc=cin, start_sz=res, end_sz=8) for i, (cin, res) in
                                         enumerate(zip(channels[:num_discs], resolutions[:num_discs]))})

    def forward(self, features, c):
        return torch.cat([disc(features[k], c).view(features[k].size(0), -1) for k, disc in self.mini_discs.items()], 1)


class ProjectedDiscriminator(nn.Module):
    def __init__(self, diffaug=True, interp224=True, backbone_kwargs={}, **kwargs):
        super().__init__()
        self.diffaug, self.interp224 = diffaug, interp224
        self.feature_network = F_RandomProj(**backbone_kwargs)
        self.discriminator = MultiScaleD(channels=self.feature_network.CHANNELS,
                                         resolutions=self.feature_network.RESOLUTIONS, **backbone_kwargs)

    def train(self, mode=True):
        self.feature_network = self.feature_network.train(False)
        self.discriminator = self.discriminator.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x, c):
        if self.diffaug:
            x = DiffAugment(x, policy='color,translation,cutout')
        if self.interp224:
            x = F.interpolate(x, 224, mode='bilinear', align_corners=False)
        return self.discriminator(self.feature_network(x), c)
