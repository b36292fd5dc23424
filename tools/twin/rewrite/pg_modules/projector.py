# The official pg_modules/projector.py: timm's tf_efficientnet_lite0 regrouped, random CCM and CSM.
import torch
import torch.nn as nn
import timm
from pg_modules.blocks import FeatureFusionBlock


def _make_efficientnet(model):
    pretrained = nn.Module()
    pretrained.layer0 = nn.Sequential(model.conv_stem, model.bn1, model.act1, *model.blocks[0:2])
    pretrained.layer1 = nn.Sequential(*model.blocks[2:3])
    pretrained.layer2 = nn.Sequential(*model.blocks[3:5])
    pretrained.layer3 = nn.Sequential(*model.blocks[5:9])
    return pretrained


def calc_channels(pretrained, inp_res=224):
    channels, tmp = [], torch.zeros(1, 3, inp_res, inp_res)
    for layer in (pretrained.layer0, pretrained.layer1, pretrained.layer2, pretrained.layer3):
        tmp = layer(tmp)
        channels.append(tmp.shape[1])
    return channels


class F_RandomProj(nn.Module):
    def __init__(self, im_res=256, cout=64, expand=True, proj_type=2, **kwargs):
        super().__init__()
        assert proj_type == 2, "the rewrite covers proj_type 2 (CCM + CSM)"
        self.pretrained = _make_efficientnet(timm.create_model('tf_efficientnet_lite0', pretrained=True))
        self.RESOLUTIONS = [512 // 4, 512 // 8, 512 // 16, 512 // 32]  # 256's, doubled by CSM
        in_ch = calc_channels(self.pretrained)
        out_ch = [cout, cout * 2, cout * 4, cout * 8] if expand else [cout] * 4
        self.scratch = nn.Module()
        for i in range(4):
            setattr(self.scratch, f'layer{i}_ccm', nn.Conv2d(in_ch[i], out_ch[i], 1, 1, 0, bias=True))
        for i in (3, 2, 1, 0):
            setattr(self.scratch, f'layer{i}_csm', FeatureFusionBlock(out_ch[i], expand=expand and i > 0))
        self.CHANNELS = [cout, cout, cout * 2, cout * 4] if expand else [cout] * 4

    def forward(self, x):
        out0 = self.pretrained.layer0(x)
        out1 = self.pretrained.layer1(out0)
        out2 = self.pretrained.layer2(out1)
        out3 = self.pretrained.layer3(out2)
        s = self.scratch
        c0, c1, c2, c3 = s.layer0_ccm(out0), s.layer1_ccm(out1), s.layer2_ccm(out2), s.layer3_ccm(out3)
        m3 = s.layer3_csm(c3)
        m2 = s.layer2_csm(m3, c2)
        m1 = s.layer1_csm(m2, c1)
        m0 = s.layer0_csm(m1, c0)
        return {'0': m0, '1': m1, '2': m2, '3': m3}
