# The official training/loss.py ProjectedGANLoss (no blur: blur_init_sigma = 0).
import torch
import torch.nn.functional as F
from torch_utils import training_stats


class ProjectedGANLoss:
    def __init__(self, device, G, D, G_ema, blur_init_sigma=0, blur_fade_kimg=0, **kwargs):
        self.device, self.G, self.G_ema, self.D = device, G, G_ema, D

    def run_G(self, z, c, update_emas=False):
        return self.G.synthesis(self.G.mapping(z, c, update_emas=update_emas), c, update_emas=False)

    def run_D(self, img, c, blur_sigma=0, update_emas=False):
        return self.D(img, c)

    def accumulate_gradients(self, phase, real_img, real_c, gen_z, gen_c, gain, cur_nimg):
        if phase in ['Dreg', 'Greg']:
            return
        if phase in ['Gmain', 'Gboth']:
            loss_Gmain = (-self.run_D(self.run_G(gen_z, gen_c), gen_c)).mean()
            training_stats.report('Loss/G/loss', loss_Gmain)
            loss_Gmain.backward()
        if phase in ['Dmain', 'Dboth']:
            gen_logits = self.run_D(self.run_G(gen_z, gen_c, update_emas=True), gen_c)
            loss_Dgen = F.relu(torch.ones_like(gen_logits) + gen_logits).mean()
            loss_Dgen.backward()
            real_logits = self.run_D(real_img.detach().requires_grad_(False), real_c)
            loss_Dreal = F.relu(torch.ones_like(real_logits) - real_logits).mean()
            training_stats.report('Loss/D/loss', loss_Dgen + loss_Dreal)
            loss_Dreal.backward()
