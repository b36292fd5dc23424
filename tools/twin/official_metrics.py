#!/usr/bin/env python3
"""FID and KID by the official Projected GAN code on fixed feature arrays (issue 24, item 4).

Runs `metrics/frechet_inception_distance.py` (compute_fid) and
`metrics/kernel_inception_distance.py` (compute_kid) of a checkout of
autonomousvision/projected-gan, read from --official at run time (nothing of it is copied into
ganrig). Only where the features come from is replaced: metric_utils'
compute_feature_stats_for_dataset / _for_generator return the official FeatureStats class filled
(with its own append) from feature arrays that both sides can make bit for bit: numpy's legacy
RandomState(seed).randn, which ganrig reproduces (NumpyRandomState). The subsets compute_kid draws
with np.random.choice are recorded, so ganrig can use the same ones. Prints JSON:

  {"fid": ..., "kid": ..., "kid_float64": ..., "kid_subsets": {"fake": [[...], ...], "real": [[...], ...]}, "features": {...},
   "substitutions": [...]}

Usage: official_metrics.py --official CHECKOUT [--out FILE] [--seed 7] [--n-real 300] [--n-fake 250] [--dim 64]
                           [--subsets 20] [--subset-size 100]
"""
import argparse
import json
import sys
import types

import numpy as np


def features(seed, count, dim, scale, shift):
    """float32 [count, dim]: RandomState(seed).randn in float64, scaled and shifted, then rounded once."""
    return (np.random.RandomState(seed).randn(count, dim) * scale + shift).astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--official', required=True, help='checkout of autonomousvision/projected-gan')
    p.add_argument('--out', help='write the JSON here (default: standard output)')
    p.add_argument('--seed', type=int, default=7)
    p.add_argument('--n-real', type=int, default=300)
    p.add_argument('--n-fake', type=int, default=250)
    p.add_argument('--dim', type=int, default=64)
    p.add_argument('--subsets', type=int, default=20)
    p.add_argument('--subset-size', type=int, default=100)
    a = p.parse_args()

    sys.path.insert(0, a.official)
    substitutions = []
    try:
        import tqdm  # noqa: F401  (metric_utils imports it; only its progress bars use it)
    except ImportError:
        sys.modules['tqdm'] = types.SimpleNamespace(tqdm=lambda it, **kw: it)
        substitutions.append('tqdm: a stand-in (metric_utils only draws progress bars with it)')
    from metrics import metric_utils, frechet_inception_distance, kernel_inception_distance

    spec = dict(seed=a.seed, dim=a.dim,
                real=dict(seed=a.seed, count=a.n_real, scale=1.0, shift=0.0),
                fake=dict(seed=a.seed + 1, count=a.n_fake, scale=1.1, shift=0.05))
    arrays = {kind: features(s['seed'], s['count'], a.dim, s['scale'], s['shift'])
              for kind, s in (('real', spec['real']), ('fake', spec['fake']))}

    def stats_of(kind):
        def compute(opts, capture_all=False, capture_mean_cov=False, max_items=None, **_):
            s = metric_utils.FeatureStats(capture_all=capture_all, capture_mean_cov=capture_mean_cov,
                                          max_items=max_items)
            s.append(arrays[kind])
            return s
        return compute
    metric_utils.compute_feature_stats_for_dataset = stats_of('real')
    metric_utils.compute_feature_stats_for_generator = stats_of('fake')
    substitutions.append('metric_utils.compute_feature_stats_for_dataset/_for_generator: the official '
                         'FeatureStats (its own append) of fixed arrays instead of Inception features of images')

    opts = metric_utils.MetricOptions(num_gpus=1, rank=0)
    fid = frechet_inception_distance.compute_fid(opts, max_real=a.n_real, num_gen=a.n_fake)

    drawn = []
    official_choice = np.random.choice

    def recording_choice(*args, **kwargs):
        picked = official_choice(*args, **kwargs)
        drawn.append(picked.tolist())
        return picked

    def kid_run():
        drawn.clear()
        np.random.seed(a.seed + 2)
        np.random.choice = recording_choice
        try:
            return kernel_inception_distance.compute_kid(opts, max_real=a.n_real, num_gen=a.n_fake,
                                                         num_subsets=a.subsets, max_subset_size=a.subset_size)
        finally:
            np.random.choice = official_choice
    kid = kid_run()
    substitutions.append('np.random.choice: wrapped to record the KID subsets it draws (same draws)')
    subsets = dict(fake=drawn[0::2], real=drawn[1::2])
    # The official KID works on FeatureStats.get_all(), float32: its sums round in float32. The same
    # code on float64 copies of the same features (same subsets) separates that rounding from
    # differences of method.
    official_get_all = metric_utils.FeatureStats.get_all
    metric_utils.FeatureStats.get_all = lambda self: official_get_all(self).astype(np.float64)
    try:
        kid_float64 = kid_run()
    finally:
        metric_utils.FeatureStats.get_all = official_get_all
    assert dict(fake=drawn[0::2], real=drawn[1::2]) == subsets

    out = dict(fid=fid, kid=kid, kid_float64=kid_float64, kid_subsets=subsets, features=spec,
               numpy=np.__version__, substitutions=substitutions + [
                   'kid_float64 only: FeatureStats.get_all returns float64 copies (the official KID rounds in float32)'])
    text = json.dumps(out)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(text + '\n')
    else:
        print(text)
    print(f'official FID {fid!r}  KID {kid!r} (float32, as shipped), {kid_float64!r} (float64 features)  '
          f'({len(subsets["fake"])} KID subsets recorded)', file=sys.stderr)
    for s in out['substitutions']:
        print(f'substitution: {s}', file=sys.stderr)


if __name__ == '__main__':
    main()
