# The official training/training_loop.py's training step (StyleGAN2-ADA's loop as Projected GAN
# runs it): phases with lazy-regularisation bookkeeping, gradient nan_to_num, Adam, the G EMA.
# No ticks, snapshots or metrics.
import copy

import numpy as np
import torch
import dnnlib
from torch_utils import misc


def setup_snapshot_image_grid(training_set, random_seed=0):
    raise NotImplementedError


def training_loop(run_dir='.', training_set_kwargs={}, data_loader_kwargs={}, G_kwargs={}, D_kwargs={},
                  G_opt_kwargs={}, D_opt_kwargs={}, loss_kwargs={}, metrics=[], random_seed=0, num_gpus=1, rank=0,
                  batch_size=4, batch_gpu=4, ema_kimg=10, ema_rampup=0.05, G_reg_interval=None, D_reg_interval=16,
                  total_kimg=25000, kimg_per_tick=4, image_snapshot_ticks=50, network_snapshot_ticks=50,
                  cudnn_benchmark=True, **kwargs):
    device = torch.device('cuda', rank)
    np.random.seed(random_seed * num_gpus + rank)
    torch.manual_seed(random_seed * num_gpus + rank)
    training_set = dnnlib.util.construct_class_by_name(**training_set_kwargs)
    sampler = misc.InfiniteSampler(dataset=training_set, rank=rank, num_replicas=num_gpus, seed=random_seed)
    iterator = iter(torch.utils.data.DataLoader(dataset=training_set, sampler=sampler, batch_size=batch_size // num_gpus,
                                                **data_loader_kwargs))
    common_kwargs = dict(c_dim=training_set.label_dim, img_resolution=training_set.resolution,
                         img_channels=training_set.num_channels)
    G = dnnlib.util.construct_class_by_name(**G_kwargs, **common_kwargs).train().requires_grad_(False).to(device)
    D = dnnlib.util.construct_class_by_name(**D_kwargs, **common_kwargs).train().requires_grad_(False).to(device)
    G_ema = copy.deepcopy(G).eval()
    misc.print_module_summary(G, [torch.empty([batch_gpu, G.z_dim], device=device),
                                  torch.empty([batch_gpu, G.c_dim], device=device)])
    loss = dnnlib.util.construct_class_by_name(device=device, G=G, G_ema=G_ema, D=D, **loss_kwargs)
    phases = []
    for name, module, opt_kwargs, reg_interval in [('G', G, G_opt_kwargs, G_reg_interval),
                                                   ('D', D, D_opt_kwargs, D_reg_interval)]:
        if reg_interval is None:
            opt = dnnlib.util.construct_class_by_name(params=module.parameters(), **opt_kwargs)
            phases += [dnnlib.EasyDict(name=name + 'both', module=module, opt=opt, interval=1)]
        else:
            mb_ratio = reg_interval / (reg_interval + 1)
            opt_kwargs = dnnlib.EasyDict(opt_kwargs)
            opt_kwargs.lr = opt_kwargs.lr * mb_ratio
            opt_kwargs.betas = [beta ** mb_ratio for beta in opt_kwargs.betas]
            opt = dnnlib.util.construct_class_by_name(module.parameters(), **opt_kwargs)
            phases += [dnnlib.EasyDict(name=name + 'main', module=module, opt=opt, interval=1)]
            phases += [dnnlib.EasyDict(name=name + 'reg', module=module, opt=opt, interval=reg_interval)]
    cur_nimg, batch_idx = 0, 0
    while cur_nimg < total_kimg * 1000:
        real_img, real_c = next(iterator)
        real_img = (real_img.to(device).to(torch.float32) / 127.5 - 1).split(batch_gpu)
        real_c = real_c.to(device).split(batch_gpu)
        all_gen_z = torch.randn([len(phases) * batch_size, G.z_dim], device=device)
        all_gen_z = [z.split(batch_gpu) for z in all_gen_z.split(batch_size)]
        all_gen_c = [training_set.get_label(np.random.randint(len(training_set))) for _ in range(len(phases) * batch_size)]
        all_gen_c = torch.from_numpy(np.stack(all_gen_c)).pin_memory().to(device)
        all_gen_c = [c.split(batch_gpu) for c in all_gen_c.split(batch_size)]
        for phase, phase_gen_z, phase_gen_c in zip(phases, all_gen_z, all_gen_c):
            if batch_idx % phase.interval != 0:
                continue
            phase.opt.zero_grad(set_to_none=True)
            phase.module.requires_grad_(True)
            if phase.name in ['Dmain', 'Dboth', 'Dreg']:
                phase.module.feature_network.requires_grad_(False)
            for r_img, r_c, gen_z, gen_c in zip(real_img, real_c, phase_gen_z, phase_gen_c):
                loss.accumulate_gradients(phase=phase.name, real_img=r_img, real_c=r_c, gen_z=gen_z, gen_c=gen_c,
                                          gain=phase.interval, cur_nimg=cur_nimg)
            phase.module.requires_grad_(False)
            params = [param for param in phase.module.parameters() if param.grad is not None]
            if len(params) > 0:
                flat = torch.cat([param.grad.flatten() for param in params])
                misc.nan_to_num(flat, nan=0, posinf=1e5, neginf=-1e5, out=flat)
                for param, grad in zip(params, flat.split([param.numel() for param in params])):
                    param.grad = grad.reshape(param.shape)
            phase.opt.step()
        ema_nimg = ema_kimg * 1000
        if ema_rampup is not None:
            ema_nimg = min(ema_nimg, cur_nimg * ema_rampup)
        ema_beta = 0.5 ** (batch_size / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for p_ema, p in zip(G_ema.parameters(), G.parameters()):
                p_ema.copy_(p.lerp(p_ema, ema_beta))
            for b_ema, b in zip(G_ema.buffers(), G.buffers()):
                b_ema.copy_(b)
        cur_nimg += batch_size
        batch_idx += 1
