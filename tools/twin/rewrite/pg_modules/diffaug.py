# DiffAugment (Zhao et al. 2020), policy 'color,translation,cutout', as the official pg_modules/diffaug.py.
import torch
import torch.nn.functional as F


def DiffAugment(x, policy='', channels_first=True):
    for p in policy.split(','):
        for f in AUGMENT_FNS[p]:
            x = f(x)
    return x.contiguous()


def rand_brightness(x):
    return x + (torch.rand(x.size(0), 1, 1, 1, dtype=x.dtype, device=x.device) - 0.5)


def rand_saturation(x):
    x_mean = x.mean(dim=1, keepdim=True)
    return (x - x_mean) * (torch.rand(x.size(0), 1, 1, 1, dtype=x.dtype, device=x.device) * 2) + x_mean


def rand_contrast(x):
    x_mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - x_mean) * (torch.rand(x.size(0), 1, 1, 1, dtype=x.dtype, device=x.device) + 0.5) + x_mean


def rand_translation(x, ratio=0.125):
    shift_x, shift_y = int(x.size(2) * ratio + 0.5), int(x.size(3) * ratio + 0.5)
    tx = torch.randint(-shift_x, shift_x + 1, size=[x.size(0), 1, 1], device=x.device)
    ty = torch.randint(-shift_y, shift_y + 1, size=[x.size(0), 1, 1], device=x.device)
    b, gx, gy = torch.meshgrid(torch.arange(x.size(0)), torch.arange(x.size(2)), torch.arange(x.size(3)), indexing='ij')
    gx = torch.clamp(gx + tx + 1, 0, x.size(2) + 1)
    gy = torch.clamp(gy + ty + 1, 0, x.size(3) + 1)
    x_pad = F.pad(x, [1, 1, 1, 1, 0, 0, 0, 0])
    return x_pad.permute(0, 2, 3, 1).contiguous()[b, gx, gy].permute(0, 3, 1, 2)


def rand_cutout(x, ratio=0.2):
    size = int(x.size(2) * ratio + 0.5), int(x.size(3) * ratio + 0.5)
    ox = torch.randint(0, x.size(2) + (1 - size[0] % 2), size=[x.size(0), 1, 1], device=x.device)
    oy = torch.randint(0, x.size(3) + (1 - size[1] % 2), size=[x.size(0), 1, 1], device=x.device)
    b, gx, gy = torch.meshgrid(torch.arange(x.size(0)), torch.arange(size[0]), torch.arange(size[1]), indexing='ij')
    gx = torch.clamp(gx + ox - size[0] // 2, min=0, max=x.size(2) - 1)
    gy = torch.clamp(gy + oy - size[1] // 2, min=0, max=x.size(3) - 1)
    mask = torch.ones(x.size(0), x.size(2), x.size(3), dtype=x.dtype, device=x.device)
    mask[b, gx, gy] = 0
    return x * mask.unsqueeze(1)


AUGMENT_FNS = {'color': [rand_brightness, rand_saturation, rand_contrast], 'translation': [rand_translation],
               'cutout': [rand_cutout]}
