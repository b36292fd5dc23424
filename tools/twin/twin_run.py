#!/usr/bin/python3
"""Twin run: ganrig's Projected GAN step against the official code's, step for step.

    tools/twin/twin_run.py --official CHECKOUT [--cfg fastgan_lite] [--res 128] [--ngf 64] [--batch 4]
        [--iters 20] [--fp64] [--free-running] [--ganrig-defaults] [--ganrig build/bin/ganrig] [--work DIR]

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
   its ramp-up, nan_to_num of gradients. By default every iteration starts from ganrig's state at
   that iteration (networks and Adam's moments, from the recording's start-<i>.pt): each row then
   compares one step, whatever the earlier ones did. --free-running starts it from ganrig's first
   state only, so differences compound as they would between two independent runs.
4. Prints every iteration's G and D loss and the logits of every D call, then, after each
   iteration, the worst tensor of G, G_ema and D and the worst Adam moment, then every tensor after
   the last; exits 1 when a tolerance is exceeded (--loss-tolerance for the losses,
   --tensor-tolerance for the tensors after each iteration, 1e-5 for the first logits: the
   exported start networks on the same augmented batch), 0 otherwise.
"""
import argparse
import glob
import json
import os
import shutil
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
    for folder in (record, os.path.join(work, "runs")):  # what an earlier run in --work left
        shutil.rmtree(folder, ignore_errors=True)
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
    sets += args.set  # last: e.g. train.spectral_norm_update=per_phase, to measure what a setting changes
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
        return torch.load(out, weights_only=True), json.load(f)


class Capture:
    """What the official loop computed: logits of each D call, reported losses, its networks and optimizers."""

    def __init__(self):
        self.logits, self.losses, self.optimizers = [], [], []
        self.networks = None
        self.after = []  # per iteration: ([(network, tensor, max abs, rel L2)], [(moment, rel L2)]) against ganrig
        self.last = None  # the official state after the last iteration

    def adam_params(self, net, names):
        params = dict(self.networks[net].named_parameters())
        return self.optimizers[0 if net == "G" else 1], [params[n] for n in names]

    def snapshot(self, adam_names):
        """The official state now: (networks, Adam moments by official name)."""
        nets = {n: {k: v.detach().clone() for k, v in m.state_dict().items()} for n, m in self.networks.items()}
        moments = {}
        for net in ("G", "D"):
            opt, params = self.adam_params(net, adam_names[net])
            for name, p in zip(adam_names[net], params):
                if opt.state.get(p):
                    moments[f"{net}.{name}"] = (opt.state[p]["exp_avg"].clone(), opt.state[p]["exp_avg_sq"].clone())
        return nets, moments

    def force(self, state):
        """Sets the official networks and Adam's moments to ganrig's (teacher forcing)."""
        nets, moments, steps, adam_names = state
        with torch.no_grad():
            for name, module in self.networks.items():
                module.load_state_dict(nets[name], strict=True)
        dtype = torch.get_default_dtype()
        for net in ("G", "D"):
            opt, params = self.adam_params(net, adam_names[net])
            for name, p in zip(adam_names[net], params):
                key = f"{net}.{name}"
                if key in moments:
                    m, v = moments[key]
                    opt.state[p] = {"step": torch.tensor(float(steps[key])), "exp_avg": m.to(dtype).clone(),
                                    "exp_avg_sq": v.to(dtype).clone()}
                else:
                    opt.state.pop(p, None)


def official_run(args, official, record, start, sidecar, state_of):
    """The official training_loop() on ganrig's recording; with --teacher-forcing, every iteration
    starts from ganrig's state at that iteration (networks and Adam's moments)."""
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
            # The official train.py gives betas=[0, 0.99]; torch >= 2.6's Adam refuses an int beta
            # ("betas must be either both floats or both Tensors"). Same values, as floats.
            if "betas" in k:
                k["betas"] = tuple(float(b) for b in k["betas"])
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
    official_cpu.install_in_order_sampler(official)
    official_cpu.install_loop_shortcuts(official)
    # ganrig's state i (before iteration i, after iteration i - 1) is read when iteration i starts,
    # compared with the official state then, and dropped: one state in memory at a time.
    def on_iteration(i):
        if i > 0:
            ours = state_of(i)
            capture.after.append(compare_states(ours, capture.snapshot(ours[3])))
            if args.teacher_forcing:
                capture.force(ours)

    replay = official_cpu.Replay(official_cpu.Recording(record), on_iteration=on_iteration)
    official_cpu.install_replay(official, replay, z_dim=start["G_z_dim"], batch=args.batch, phases=3, fp64=args.fp64)
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
    ours = state_of(args.iters)
    capture.after.append(compare_states(ours, capture.snapshot(ours[3])))
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


def before_batchnorm(name):
    """A discriminator down block's convolution bias, right before its BatchNorm: its gradient is 0 in
    exact arithmetic (BatchNorm subtracts the channel mean), rounding noise in any code."""
    return name.startswith("discriminator.") and name.endswith(".main.0.bias")


def compare_states(ours, theirs):
    """[(network, tensor, max abs diff, rel L2)] of every tensor of G, G_ema and D, and the moments."""
    nets, moments = theirs
    rows = []
    for net in ("G", "G_ema", "D"):
        missing = sorted(set(nets[net]) ^ set(ours[0][net]))
        if missing:
            raise SystemExit(f"{net}: names differ: {missing[:5]}")
        for name, t in nets[net].items():
            o = ours[0][net][name]
            d = float((o.double() - t.double()).abs().max()) if t.numel() else 0.0
            rows.append((net, name, d, rel(o, t) if t.is_floating_point() else (0.0 if d == 0 else float("inf"))))
    adam = []
    for key, (m, v) in moments.items():
        if key not in ours[1]:
            raise SystemExit(f"Adam: the official code has moments for {key}, ganrig none")
        if before_batchnorm(key.split(".", 1)[1]):
            continue
        adam.append((key, max(rel(ours[1][key][0], m), rel(ours[1][key][1], v))))
    return rows, adam


def worst_of(rows, skip_noise=True):
    kept = [r for r in rows if not (skip_noise and r[0] == "D" and before_batchnorm(r[1]))]
    return max(kept, key=lambda r: r[3]) if kept else ("-", "-", 0.0, 0.0)


def ganrig_adam(checkpoint, which):
    """(exp_avg, exp_avg_sq) of each parameter of a ganrig checkpoint's optimizer, in parameter order."""
    opt = getattr(torch.jit.load(checkpoint, map_location="cpu"), which)
    group = getattr(opt.param_groups, "param_groups/0")
    moments = []
    for i in range(int(getattr(group, "params/size"))):
        key = getattr(group, f"params/{i}")
        state = getattr(opt.state, key, None)
        moments.append(None if state is None else (state.exp_avg, state.exp_avg_sq, int(state.step)))
    return moments


def adam_names(nets, official_params, counts):
    """Official names of ganrig's optimizer parameters, in its order (the export lists parameters
    first, in ganrig's order; G's unused-stage placeholders come last)."""
    names = {}
    for net in ("G", "D"):
        listed = [n for n in nets[net] if n in official_params[net] and (net == "G" or n.startswith("discriminator."))]
        names[net] = listed[:counts[net]]
    return names


def ganrig_state(args, checkpoint, out, official_params):
    """(networks, Adam moments, Adam steps, names) of a ganrig checkpoint, in the official names."""
    nets, _ = export_all(args, checkpoint, out)
    ours = {net: ganrig_adam(checkpoint, which) for net, which in (("G", "optimizer_g"), ("D", "optimizer_d"))}
    names = adam_names(nets, official_params, {net: len(ours[net]) for net in ours})
    moments, steps = {}, {}
    for net in ("G", "D"):
        for name, m in zip(names[net], ours[net]):
            if m is not None:
                moments[f"{net}.{name}"] = (m[0], m[1])
                steps[f"{net}.{name}"] = m[2]
    return nets, moments, steps, names


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
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra --set for ganrig's run, after the official options")
    ap.add_argument("--free-running", dest="teacher_forcing", action="store_false",
                    help="start the official code from ganrig's first state only (default: teacher forcing, every "
                         "iteration from ganrig's state at that iteration)")
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
    starts = sorted(glob.glob(os.path.join(record, "start-*.pt")))
    start, sidecar = export_all(args, starts[0], os.path.join(work, "start_pg.pt"))
    start["G_z_dim"] = sidecar["constructor"]["kwargs"]["z_dim"]
    official_params = official_parameter_names(sidecar)
    # ganrig's state before every iteration, then after the last (the run's final checkpoint)
    final = sorted(glob.glob(os.path.join(run_dir, "checkpoints", "snapshot-*.pt")))[-1]
    files = starts + [final]
    if len(files) != args.iters + 1:
        raise SystemExit(f"{record}: {len(starts)} recorded starts for {args.iters} iterations")

    def state_of(i):
        return ganrig_state(args, files[i], os.path.join(work, "state_pg.pt"), official_params)

    capture = official_run(args, official, record, start, sidecar, state_of)

    mode = ("teacher-forced: every iteration starts from ganrig's state (networks and Adam's moments), so each "
            "row compares one step" if args.teacher_forcing else
            "free-running: the official code from ganrig's start only, so differences compound over the iterations")
    lines = [f"# twin run: ganrig vs the official Projected GAN code ({os.path.abspath(args.official)})",
             f"cfg {args.cfg}, {args.res}x{args.res}, ngf {args.ngf}, batch {args.batch}, {args.iters} iterations, "
             f"{'fp64' if args.fp64 else 'fp32'}, random EfficientNet-lite0 projector, seed {args.seed}, "
             f"threads {args.threads}; ganrig "
             + ("defaults" if args.ganrig_defaults else "with the official behaviour options "
                "(spectral_norm_update = per_forward, skip_nonfinite_steps = false, reference_kernels = true)"),
             f"{mode}; torch {torch.__version__}", "", "substitutions in the official code's run:"]
    lines += [f"- {s}" for s in official_cpu.SUBSTITUTIONS]
    lines.append("")
    recording = official_cpu.Recording(record)
    loss_worst, first_logits = compare_steps(args, recording, capture, lines)

    lines += ["", "after each iteration, every tensor of G, G_ema and D and every Adam moment (rel L2; convolution "
              "biases right before a BatchNorm listed apart: their gradient is 0 in exact arithmetic, so both codes "
              "step them on rounding noise):", "",
              "| iteration | worst tensor | rel L2 | worst Adam moment | rel L2 | bias-before-BatchNorm max abs |",
              "|---|---|---|---|---|---|"]
    tensor_worst = 0.0
    for i, (rows, adam) in enumerate(capture.after):
        net, name, _, r = worst_of(rows)
        tensor_worst = max(tensor_worst, r)
        key, ra = max(adam, key=lambda a: a[1]) if adam else ("-", 0.0)
        noise = max([d for n, t, d, _ in rows if n == "D" and before_batchnorm(t)] or [0.0])
        lines.append(f"| {i} | {net}.{name} | {r:.2e} | {key} | {ra:.2e} | {noise:.1e} |")
    rows = capture.after[-1][0]
    lines += ["", f"after the last iteration, every tensor ({len(rows)}):", "", "| network | tensor | max abs diff | rel L2 |",
              "|---|---|---|---|"]
    lines += [f"| {n} | {t} | {d:.3e} | {r:.3e} |" for n, t, d, r in rows]
    ok = loss_worst <= args.loss_tolerance and tensor_worst <= args.tensor_tolerance and first_logits <= 1e-5
    lines += ["", f"the official D loaded strictly from ganrig's export gives ganrig's logits on the same augmented "
              f"batch (iteration 0, G phase) to {first_logits:.2e} relative (tolerance 1e-05)",
              f"RESULT {'PASS' if ok else 'FAIL'}: worst loss rel. difference {loss_worst:.2e} (tolerance "
              f"{args.loss_tolerance:g}), worst tensor rel. L2 {tensor_worst:.2e} (tolerance {args.tensor_tolerance:g}) "
              f"over {len(rows)} tensors of G, G_ema and D after each of {len(capture.after)} iterations"]
    print("\n".join(lines))
    return 0 if ok else 1


def official_parameter_names(sidecar):
    from pg_modules.discriminator import ProjectedDiscriminator
    from pg_modules.networks_fastgan import Generator
    G = Generator(**sidecar["constructor"]["kwargs"])
    D = ProjectedDiscriminator(**sidecar["discriminator_constructor"]["kwargs"])
    return {"G": {n for n, _ in G.named_parameters()}, "D": {n for n, _ in D.named_parameters()}}


if __name__ == "__main__":
    sys.exit(main())
