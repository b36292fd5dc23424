#!/usr/bin/python3
"""The official Projected GAN training step as the side-by-side peer of `ganrig bench`.

    tools/bench/official_step.py --official CHECKOUT --res 64 --ngf 32 --batch 8 [--block dsc]
        [--cfg fastgan_lite] [--threads 2] [--warmup 2] [--iterations 5]

Runs the official `training/training_loop.py` `training_loop()` itself, from the checkout
(autonomousvision/projected-gan, read at run time, never copied here), configured as the official
`train.py` configures it for --cfg (ProjectedGANLoss, Gboth / Dmain / the no-op Dreg phase every
16 iterations, Adam with lr 0.0002 and betas (0, 0.99) adjusted for the interval, gradient
nan_to_num, the EMA with its ramp-up), with EfficientNet-lite0 at random weights, on random uint8
images held in memory. The CPU stand-ins it needs (tools/twin/official_cpu.py, shared with the twin
run) are printed. Each iteration is timed from one call of the loop's latent draw
(`torch.randn([phases * batch, z_dim])`, once per iteration) to the next; the first --warmup
iterations (the first also runs the loop's first-tick report) are not counted; --profile N prints
the top operators of N more iterations, and --by-part adds their convolution time by network part
(generator, projector with CCM/CSM, mini-discriminators; profile_parts.py), also as shares of the
step in the PEER line ("shares_by_part").

Prints one line `PEER {json}` with sec/iter (mean of the timed iterations), peak RSS, parameter
counts (tools/bench/side_by_side.py checks them against ganrig's) and the process settings this
process actually runs with (allocator, BLAS threads, intra-op threads).
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "twin"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_cpu  # noqa: E402
import process_settings  # noqa: E402
import profile_parts  # noqa: E402

PHASES = 3  # Gboth, Dmain, Dreg (train.py: G_reg_interval None, D_reg_interval 16)


class Clock:
    """Stamps each call of the loop's latent draw: one per iteration."""

    def __init__(self, z_dim, batch, profile_from=None, profile_to=None, record_shapes=False):
        self.shape = (PHASES * batch, z_dim)
        self.stamps = []
        self.networks = {}
        self.profile_span = (profile_from, profile_to)
        self.profiler = None
        self.record_shapes = record_shapes

    def randn(self, *size, **kwargs):
        if official_cpu.latents_shape(size) == self.shape:
            self.stamps.append(time.perf_counter())
            if len(self.stamps) - 1 == self.profile_span[0]:
                self.profiler = torch.autograd.profiler.profile(record_shapes=self.record_shapes)
                self.profiler.__enter__()
            elif len(self.stamps) - 1 == self.profile_span[1]:
                self.profiler.__exit__(None, None, None)
        return torch.randn(*size, **kwargs)


def run(args, official):
    timed_end = args.warmup + args.iterations
    clock = Clock(z_dim=256, batch=args.batch, profile_from=timed_end if args.profile else None,
                  profile_to=timed_end + args.profile if args.profile else None, record_shapes=args.by_part)
    official_cpu.install_cpu_loop(official, clock.randn)
    official_cpu.install_loop_shortcuts(official)
    if args.block == "dsc":
        official_cpu.install_separable_generator(official)
    if args.res < 128:
        official_cpu.install_generator_below_128(official)
    base_loss = official.loss.ProjectedGANLoss

    class CountingLoss(base_loss):  # the official loss; keeps the networks to count their parameters
        def __init__(self, device, G, D, G_ema, **kwargs):
            super().__init__(device, G, D, G_ema, **kwargs)
            clock.networks = {"G": G, "D": D}

    official_cpu.CountingLoss = CountingLoss
    official_cpu.substitute(f"G_kwargs: train.py's for --cfg {args.cfg} plus ngf={args.ngf} (train.py leaves the "
                            "constructor's 128)")
    official_cpu.substitute("training set: random uint8 images in memory; data_loader_kwargs: num_workers=0, "
                            "pin_memory=False (train.py: 3 workers, pinned)")
    opt = dict(class_name="torch.optim.Adam", betas=[0, 0.99], eps=1e-8, lr=0.0002)
    # the draw of the iteration after the last timed one closes it (and the profiled ones)
    iterations = args.warmup + args.iterations + args.profile + 1
    with tempfile.TemporaryDirectory() as run_dir:
        official.training_loop.training_loop(
            run_dir=run_dir,
            training_set_kwargs=dict(class_name="official_cpu.RandomImages", resolution=args.res),
            data_loader_kwargs=dict(num_workers=0, pin_memory=False),
            G_kwargs=dict(class_name="pg_modules.networks_fastgan.Generator", cond=False, ngf=args.ngf,
                          synthesis_kwargs=dict(lite=args.cfg == "fastgan_lite")),
            D_kwargs=dict(class_name="pg_modules.discriminator.ProjectedDiscriminator", diffaug=True,
                          interp224=args.res < 224, backbone_kwargs=dict(cout=64, expand=True, proj_type=2, num_discs=4,
                                                                         separable=False, cond=False)),
            G_opt_kwargs=opt, D_opt_kwargs=opt, loss_kwargs=dict(class_name="official_cpu.CountingLoss"),
            metrics=[], random_seed=args.seed, num_gpus=1, rank=0, batch_size=args.batch, batch_gpu=args.batch,
            ema_kimg=args.batch * 10 / 32, ema_rampup=0.05, G_reg_interval=None, D_reg_interval=16,
            total_kimg=iterations * args.batch / 1000, kimg_per_tick=1e9, image_snapshot_ticks=None,
            network_snapshot_ticks=None, cudnn_benchmark=False)
    timed = clock.stamps[args.warmup:args.warmup + args.iterations + 1]
    if len(timed) != args.iterations + 1:
        raise SystemExit(f"the official loop drew latents {len(clock.stamps)} times, expected {iterations}")
    if clock.profiler is not None:
        print(f"profile of {args.profile} iteration(s) after the timed ones:")
        print(clock.profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    shares = {}
    if clock.profiler is not None and args.by_part:
        D = clock.networks["D"]
        parts = {"generator": clock.networks["G"], "projector": D.feature_network, "mini-discriminators": D.discriminator}
        totals = profile_parts.conv_time_by_part(clock.profiler, parts)
        profile_parts.print_by_part(totals, args.profile, parts)
        shares = profile_parts.shares_by_part(totals)
    return (timed[-1] - timed[0]) / args.iterations, clock.networks, shares


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--official", default=os.environ.get("GANRIG_PG_OFFICIAL"),
                    help="checkout of autonomousvision/projected-gan (default: $GANRIG_PG_OFFICIAL)")
    ap.add_argument("--cfg", default="fastgan_lite", choices=["fastgan", "fastgan_lite"])
    ap.add_argument("--res", type=int, default=64)
    ap.add_argument("--ngf", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--block", default="conv", choices=["conv", "dsc"], help="G's 3x3 convolutions")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="profile N iterations after the timed ones and print the top operators")
    ap.add_argument("--by-part", action="store_true",
                    help="with --profile: also the convolutions' time by network part (profile_parts.py)")
    args = ap.parse_args()
    if not args.official:
        raise SystemExit("--official CHECKOUT (or GANRIG_PG_OFFICIAL) is needed")
    torch.set_num_threads(args.threads)
    official = official_cpu.load_official(args.official)
    seconds, networks, shares = run(args, official)
    d_params = [p for n, p in networks["D"].named_parameters() if not n.startswith("feature_network.")]
    frozen = [p for n, p in networks["D"].named_parameters() if n.startswith("feature_network.")]
    line = {"sec_per_iter": seconds, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "batch": args.batch, "threads": torch.get_num_threads(), "precision": "fp32", "torch": torch.__version__,
            "G": sum(p.numel() for p in networks["G"].parameters()), "D_trainable": sum(p.numel() for p in d_params),
            "D_frozen": sum(p.numel() for p in frozen), "settings": process_settings.of_this_process(),
            "substitutions": official_cpu.SUBSTITUTIONS}
    if shares:
        line["shares_by_part"] = shares
    print("PEER " + json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
