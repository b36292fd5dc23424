#!/usr/bin/python3
"""Twin run: ganrig's Projected GAN step against the official code's, step for step.

    tools/twin/twin_run.py --official CHECKOUT [--cfg fastgan_lite] [--res 128] [--ngf 64] [--batch 4]
        [--iters 20] [--ganrig build/bin/ganrig] [--ganrig-defaults] [--work DIR] [--threads 2]

1. ganrig trains --iters iterations of experiments/projected_gan/pg_fmnist64.toml at the given
   cfg, resolution, ngf and batch (random EfficientNet-lite0 projector, fp32) with
   `[exec] record_twin`: every step's real batch, latents, noise and DiffAugment draws, logits and
   losses, plus the networks it started from. Unless --ganrig-defaults, it runs with the official
   behaviour where ganrig differs by design (train.spectral_norm_update = "per_forward",
   train.skip_nonfinite_steps = false) and the original op sequence in the frozen projector
   (exec.reference_kernels = true); docs/fidelity.md.
2. `ganrig export --format pg --what all` writes the start and the end as {"G", "G_ema", "D"} in
   the official names.
3. The official training_loop() itself (from the checkout, with official_cpu.py's CPU stand-ins,
   each listed) builds G and D as train.py does for --cfg, loads the start networks strictly, and
   runs the same iterations on ganrig's reals and draws: ProjectedGANLoss, Adam with the official
   lr/beta adjustments for the lazy-regularisation interval 16, the no-op Dreg phase, the EMA with
   its ramp-up, nan_to_num of gradients.
4. Prints one table: every iteration's G and D loss and logits, then every tensor of G, G_ema and D
   (relative L2 difference), and exits 1 when a tolerance is exceeded (--loss-tolerance for each
   iteration's losses, --tensor-tolerance for the final tensors), 0 otherwise.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import official_cpu  # noqa: E402  (tools/twin on the path first)


def ganrig_run(args, work):
    """Trains with a recording; returns (recording folder, run folder)."""
    record = os.path.join(work, "record")
    nimg = args.iters * args.batch
    sets = [f"dataset.resolution={args.res}", "dataset.limit=1000", f"generator.ngf={args.ngf}",
            f"generator.lite={'true' if args.cfg == 'fastgan_lite' else 'false'}", f"train.batch={args.batch}",
            "projector.type=efficientnet_lite0", "projector.allow_random=true", f"exec.threads={args.threads}",
            "exec.batch_per_device=0", f"exec.precision={'fp64' if args.fp64 else 'fp32'}", "exec.report=false", "exec.sample_format=ppm",
            f"train.total_kimg={nimg / 1000}", f"train.tick_kimg={nimg / 1000}", f"train.snapshot_kimg={nimg / 1000}",
            "train.sample_kimg=1000000", f"train.ema_kimg={args.batch * 10 / 32}", "train.ema_rampup=0.05",
            f"exec.record_twin={record}", f"experiment.seed={args.seed}"]
    if not args.ganrig_defaults:
        sets += ["train.spectral_norm_update=per_forward", "train.skip_nonfinite_steps=false",
                 "exec.reference_kernels=true"]
    cmd = [args.ganrig, "train", os.path.join(ROOT, "experiments/projected_gan/pg_fmnist64.toml"), "--run-root",
           os.path.join(work, "runs")]
    for s in sets:
        cmd += ["--set", s]
    run(cmd)
    runs = glob.glob(os.path.join(work, "runs", "*", "*"))
    if len(runs) != 1:
        raise SystemExit(f"expected one run folder under {work}/runs, found {runs}")
    return record, runs[0]


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}")
    return out.stdout


def export_all(args, target, out):
    run([args.ganrig, "export", target, "--format", "pg", "--what", "all", "--out", out, "--force"])
    with open(out + ".json") as f:
        return torch.load(out), json.load(f)


class Capture:
    """What the official loop computed: logits of each D call, reported losses, its networks and optimizers."""

    def __init__(self):
        self.logits, self.losses, self.optimizers = [], [], []
        self.networks = None


def official_run(args, official, record, start, sidecar):
    capture = Capture()
    base_loss = official.loss.ProjectedGANLoss

    class TwinLoss(base_loss):
        def __init__(self, device, G, D, G_ema, **kwargs):
            super().__init__(device, G, D, G_ema, **kwargs)
            for name, net in (("G", G), ("G_ema", G_ema), ("D", D)):
                net.load_state_dict(start[name], strict=True)
            capture.networks = {"G": G, "G_ema": G_ema, "D": D}

        def run_D(self, img, c, blur_sigma=0, update_emas=False):
            logits = super().run_D(img, c, blur_sigma, update_emas)
            capture.logits.append(logits.detach().clone())
            return logits

    class RecordingAdam(torch.optim.Adam):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            capture.optimizers.append(self)

    official_cpu.TwinLoss, official_cpu.RecordingAdam, official_cpu.RecordedReals = (
        TwinLoss, RecordingAdam, official_cpu.RecordedReals)
    report = official.training_stats.report

    def capture_report(name, value):
        if name in ("Loss/G/loss", "Loss/D/loss"):
            capture.losses.append((name, float(value)))
        return report(name, value)

    official.training_stats.report = capture_report
    official_cpu.install_loop_shortcuts(official)
    official_cpu.install_replay(official, official_cpu.Replay(official_cpu.Recording(record)), z_dim=start["G_z_dim"],
                                batch=args.batch, phases=3, fp64=args.fp64)
    if args.fp64:
        torch.set_default_dtype(torch.float64)

    g_kwargs = dict(sidecar["constructor"]["kwargs"])  # train.py's for --cfg, with ngf and z_dim given
    g_kwargs.pop("img_resolution"), g_kwargs.pop("img_channels"), g_kwargs.pop("c_dim")
    d_kwargs = sidecar["discriminator_constructor"]["kwargs"]
    opt = dict(betas=[0, 0.99], eps=1e-8, lr=0.0002)  # train.py for fastgan / fastgan_lite
    official_cpu.substitute(f"G_kwargs: train.py's for --cfg {args.cfg} plus ngf={g_kwargs['ngf']} and "
                            f"z_dim={g_kwargs['z_dim']} (train.py leaves the constructor's 128 and 256)")
    official_cpu.substitute("data_loader_kwargs: num_workers=0, pin_memory=False (train.py: 3 workers, pinned)")
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as run_dir:
        official.training_loop.training_loop(
            run_dir=run_dir,
            training_set_kwargs=dict(class_name="official_cpu.RecordedReals", path=record, resolution=args.res),
            data_loader_kwargs=dict(num_workers=0, pin_memory=False),
            G_kwargs=dict(class_name="pg_modules.networks_fastgan.Generator", **g_kwargs),
            D_kwargs=dict(class_name="pg_modules.discriminator.ProjectedDiscriminator", **d_kwargs),
            G_opt_kwargs=dict(class_name="official_cpu.RecordingAdam", **opt),
            D_opt_kwargs=dict(class_name="official_cpu.RecordingAdam", **opt),
            loss_kwargs=dict(class_name="official_cpu.TwinLoss"),
            metrics=[], random_seed=0, num_gpus=1, rank=0, batch_size=args.batch, batch_gpu=args.batch,
            ema_kimg=args.batch * 10 / 32, ema_rampup=0.05, G_reg_interval=None, D_reg_interval=16,
            total_kimg=args.iters * args.batch / 1000, kimg_per_tick=1e9, image_snapshot_ticks=None,
            network_snapshot_ticks=None, cudnn_benchmark=False)
    return capture


def rel(a, b):
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm().clamp_min(1e-30)) if b.numel() else 0.0


def compare_steps(args, recording, capture, lines):
    """Every iteration: ganrig's G and D losses and each D call's logits against the official ones.
    Returns the worst loss difference and that of the first logits (the exported start networks on
    the same augmented batch)."""
    worst, first_logits = 0.0, None
    logits = list(capture.logits)
    losses = list(capture.losses)
    lines.append("| iteration | phase | ganrig loss | official loss | rel. difference | logits | max abs diff | rel L2 |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for it in range(len(recording.iterations)):
        for phase, kinds in (("G", ("fake",)), ("D", ("fake", "real"))):
            entries = {what: value for kind, what, value in recording.entries(it, phase) if kind == "out"}
            name, theirs_loss = losses.pop(0)
            assert name == f"Loss/{phase}/loss", name
            ours_loss = float(entries["loss"])
            diff = abs(ours_loss - theirs_loss) / max(abs(theirs_loss), 1e-12)
            worst = max(worst, diff)
            for i, kind in enumerate(kinds):
                ours, theirs = torch.from_numpy(entries[f"logits_{kind}"]), logits.pop(0)
                if first_logits is None:
                    first_logits = rel(ours, theirs)
                loss_cells = f"{ours_loss:.9g} | {theirs_loss:.9g} | {diff:.2e}" if i == 0 else " | | "
                lines.append(f"| {it} | {phase} | {loss_cells} | {kind} | {float((ours - theirs).abs().max()):.2e} | "
                             f"{rel(ours, theirs):.2e} |")
    return worst, first_logits


def compare_tensors(end, capture, lines):
    """After the last iteration: every tensor of G, G_ema and D."""
    worst, rows = 0.0, []
    for net in ("G", "G_ema", "D"):
        theirs = capture.networks[net].state_dict()
        ours = end[net]
        missing = sorted(set(theirs) ^ set(ours))
        if missing:
            raise SystemExit(f"{net}: names differ: {missing[:5]}")
        for name, t in theirs.items():
            o = ours[name]
            if not t.is_floating_point():
                d = float((o.double() - t.double()).abs().max()) if t.numel() else 0.0
                rows.append((net, name, d, 0.0 if d == 0 else float("inf")))
                continue
            r = rel(o, t)
            rows.append((net, name, float((o.double() - t.double()).abs().max()), r))
            # projector and CCM/CSM are frozen: equal unless something trained them
            worst = max(worst, r)
    lines.append("| network | tensor | max abs diff | rel L2 |")
    lines.append("|---|---|---|---|")
    for net, name, d, r in rows:
        lines.append(f"| {net} | {name} | {d:.3e} | {r:.3e} |")
    return worst, rows


def ganrig_adam(checkpoint, which):
    """(exp_avg, exp_avg_sq) of each parameter of a ganrig checkpoint's optimizer, in parameter order."""
    opt = getattr(torch.jit.load(checkpoint, map_location="cpu"), which)
    group = getattr(opt.param_groups, "param_groups/0")
    moments = []
    for i in range(int(getattr(group, "params/size"))):
        key = getattr(group, f"params/{i}")
        state = getattr(opt.state, key, None)
        moments.append(None if state is None else (state.exp_avg, state.exp_avg_sq))
    return moments


def compare_adam(end, checkpoint, capture, lines):
    """Adam's moments after the last iteration, parameter by parameter (official names)."""
    worst, rows, noise = 0.0, [], []
    for net, which, opt in (("G", "optimizer_g", capture.optimizers[0]), ("D", "optimizer_d", capture.optimizers[1])):
        params = dict(capture.networks[net].named_parameters())
        # in ganrig's parameter order (the export lists them first); then G's unused-stage placeholders
        names = [n for n in end[net] if n in params and (net == "G" or n.startswith("discriminator."))]
        ours = ganrig_adam(checkpoint, which)
        unused = names[len(ours):]
        if len(ours) > len(names) or any(capture.optimizers[0 if net == "G" else 1].state.get(params[n]) for n in unused):
            raise SystemExit(f"{net}: ganrig's optimizer has {len(ours)} parameters, the official trainable ones {len(names)}")
        names = names[:len(ours)]
        if len(ours) != len(names):
            raise SystemExit(f"{net}: ganrig's optimizer has {len(ours)} parameters, the official trainable ones {len(names)}")
        for name, moments in zip(names, ours):
            state = opt.state.get(params[name], {})
            if moments is None or not state:
                continue  # never stepped (stages the forward does not use)
            for i, key in enumerate(("exp_avg", "exp_avg_sq")):
                theirs = state[key]
                if name.endswith(".main.0.bias"):  # a conv bias right before BatchNorm
                    noise.append(float((moments[i].double() - theirs.double()).abs().max()))
                    continue
                r = rel(moments[i], theirs)
                rows.append((net, f"{name} {key}", r))
                worst = max(worst, r)
    lines.append(f"Adam's moments: {len(rows)} tensors, worst rel L2 {worst:.2e}: " + "; ".join(
        f"{n}.{t} {r:.2e}" for n, t, r in sorted(rows, key=lambda r: -r[2])[:3]))
    if noise:
        lines.append(f"  not compared: the moments of {len(noise) // 2} convolution biases right before a BatchNorm, whose gradient "
                     f"is 0 in exact arithmetic (BatchNorm subtracts the channel mean) and rounding noise in either "
                     f"code (largest |difference| {max(noise):.1e})")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--official", default=os.environ.get("GANRIG_PG_OFFICIAL"),
                    help="checkout of autonomousvision/projected-gan (default: $GANRIG_PG_OFFICIAL)")
    ap.add_argument("--ganrig", default=os.path.join(ROOT, "build/bin/ganrig"))
    ap.add_argument("--cfg", choices=["fastgan", "fastgan_lite"], default="fastgan_lite")
    ap.add_argument("--res", type=int, default=128)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fp64", action="store_true",
                    help="both sides in float64 (ganrig's exec.precision = fp64), so that float32 rounding, which "
                         "Adam's first steps and the GAN game amplify, does not hide the comparison")
    ap.add_argument("--ganrig-defaults", action="store_true",
                    help="ganrig's own defaults instead of the official behaviour options (measures the drift)")
    ap.add_argument("--loss-tolerance", type=float, default=1e-4)
    ap.add_argument("--tensor-tolerance", type=float, default=1e-3)
    ap.add_argument("--work", help="working folder (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="reuse the ganrig recording already in --work")
    args = ap.parse_args()
    if not args.official:
        raise SystemExit("--official CHECKOUT (or GANRIG_PG_OFFICIAL) names the official code to compare with")
    official = official_cpu.load_official(args.official)
    work = args.work or tempfile.mkdtemp(prefix="ganrig-twin-")
    os.makedirs(work, exist_ok=True)

    if args.reuse and os.path.isdir(os.path.join(work, "record")):
        record, run_dir = os.path.join(work, "record"), glob.glob(os.path.join(work, "runs", "*", "*"))[0]
    else:
        record, run_dir = ganrig_run(args, work)
    start_file = glob.glob(os.path.join(record, "start-*.pt"))[0]
    start, sidecar = export_all(args, start_file, os.path.join(work, "start_pg.pt"))
    end, _ = export_all(args, run_dir, os.path.join(work, "end_pg.pt"))
    start["G_z_dim"] = sidecar["constructor"]["kwargs"]["z_dim"]
    capture = official_run(args, official, record, start, sidecar)

    lines = [f"# twin run: ganrig vs the official Projected GAN code ({os.path.abspath(args.official)})",
             f"cfg {args.cfg}, {args.res}x{args.res}, ngf {args.ngf}, batch {args.batch}, {args.iters} iterations, "
             f"{'fp64' if args.fp64 else 'fp32'}, random EfficientNet-lite0 projector, seed {args.seed}, "
             f"threads {args.threads}; ganrig "
             + ("defaults" if args.ganrig_defaults else "with the official behaviour options "
                "(spectral_norm_update = per_forward, skip_nonfinite_steps = false, reference_kernels = true)"),
             f"torch {torch.__version__}", "", "substitutions in the official code's run:"]
    lines += [f"- {s}" for s in official_cpu.SUBSTITUTIONS]
    lines.append("")
    recording = official_cpu.Recording(record)
    loss_worst, first_logits = compare_steps(args, recording, capture, lines)
    lines.append("")
    tensor_worst, rows = compare_tensors(end, capture, lines)
    lines.append("")
    checkpoint = sorted(glob.glob(os.path.join(run_dir, "checkpoints", "snapshot-*.pt")))[-1]
    compare_adam(end, checkpoint, capture, lines)
    ok = loss_worst <= args.loss_tolerance and tensor_worst <= args.tensor_tolerance and first_logits <= 1e-5
    lines.append("")
    worst_rows = sorted(rows, key=lambda r: -r[3])[:5]
    lines.append("largest tensor differences: " + "; ".join(f"{n}.{t} {r:.2e}" for n, t, _, r in worst_rows))
    lines.append(f"the official D loaded strictly from ganrig's export gives ganrig's logits on the same augmented "
                 f"batch (iteration 0, G phase) to {first_logits:.2e} relative (tolerance 1e-05)")
    lines.append(f"RESULT {'PASS' if ok else 'FAIL'}: worst loss rel. difference {loss_worst:.2e} (tolerance "
                 f"{args.loss_tolerance:g}), worst tensor rel. L2 {tensor_worst:.2e} (tolerance {args.tensor_tolerance:g}) "
                 f"over {len(rows)} tensors of G, G_ema and D")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
