import numpy as np
import torch


class InfiniteSampler(torch.utils.data.Sampler):
    def __init__(self, dataset, rank=0, num_replicas=1, shuffle=True, seed=0, window_size=0.5):
        self.dataset, self.seed = dataset, seed

    def __iter__(self):
        order = np.arange(len(self.dataset))
        rnd = np.random.RandomState(self.seed)
        rnd.shuffle(order)
        i = 0
        while True:
            yield order[i % len(order)]
            i += 1


def print_module_summary(module, inputs, max_nesting=3, skip_redundant=True):
    return module(*inputs)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    return torch.nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf, out=out)
