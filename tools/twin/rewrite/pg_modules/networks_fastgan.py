# The official FastGAN generator (pg_modules/networks_fastgan.py), unconditional.
import torch.nn as nn
from pg_modules.blocks import InitLayer, UpBlockBig, UpBlockSmall, SEBlock, conv2d


def normalize_second_moment(x, dim=1, eps=1e-8):
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


class DummyMapping(nn.Module):
    def forward(self, z, c, **kwargs):
        return z.unsqueeze(1)


class FastganSynthesis(nn.Module):
    def __init__(self, ngf=128, z_dim=256, nc=3, img_resolution=256, lite=False):
        super().__init__()
        self.img_resolution = img_resolution
        nfc = {k: int(v * ngf) for k, v in {2: 16, 4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25,
                                            1024: 0.125}.items()}
        self.init = InitLayer(z_dim, channel=nfc[2], sz=4)
        UpBlock = UpBlockSmall if lite else UpBlockBig
        self.feat_8, self.feat_16 = UpBlock(nfc[4], nfc[8]), UpBlock(nfc[8], nfc[16])
        self.feat_32, self.feat_64 = UpBlock(nfc[16], nfc[32]), UpBlock(nfc[32], nfc[64])
        self.feat_128, self.feat_256 = UpBlock(nfc[64], nfc[128]), UpBlock(nfc[128], nfc[256])
        self.se_64, self.se_128, self.se_256 = SEBlock(nfc[4], nfc[64]), SEBlock(nfc[8], nfc[128]), SEBlock(nfc[16], nfc[256])
        self.to_big = conv2d(nfc[img_resolution], nc, 3, 1, 1, bias=True)

    def forward(self, input, c, **kwargs):
        input = normalize_second_moment(input[:, 0])
        feat_4 = self.init(input)
        feat_8 = self.feat_8(feat_4)
        feat_16 = self.feat_16(feat_8)
        feat_32 = self.feat_32(feat_16)
        feat_64 = self.se_64(feat_4, self.feat_64(feat_32))
        feat_last = self.se_128(feat_8, self.feat_128(feat_64))
        if self.img_resolution >= 256:
            feat_last = self.se_256(feat_16, self.feat_256(feat_last))
        return self.to_big(feat_last)


class Generator(nn.Module):
    def __init__(self, z_dim=256, c_dim=0, w_dim=0, img_resolution=256, img_channels=3, ngf=128, cond=0,
                 mapping_kwargs={}, synthesis_kwargs={}):
        super().__init__()
        if img_resolution > 256 or cond:
            raise NotImplementedError("the rewrite covers unconditional FastGAN up to 256x256")
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.mapping = DummyMapping()
        self.synthesis = FastganSynthesis(ngf=ngf, z_dim=z_dim, nc=img_channels, img_resolution=img_resolution,
                                          **synthesis_kwargs)

    def forward(self, z, c, **kwargs):
        return self.synthesis(self.mapping(z, c), c)
