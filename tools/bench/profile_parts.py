"""Convolution time of a profiled step by network part: generator, projector, mini-discriminators.

The profiler cannot say which module a backward operator belongs to (autograd runs it outside any
module scope), but a convolution's weight shape can: each part's Conv2d / ConvTranspose2d weight
shapes are collected from the modules themselves, and every convolution operator (forward and
backward, recorded with input shapes) is charged to the part that owns its weight shape. A shape
owned by two parts is charged to "shared" rather than guessed. Everything that is not a
convolution is "everything else". Used by official_step.py --profile N --by-part (which prints
the split and puts shares_by_part in its PEER line) and, for ganrig's own report, side_by_side.py.
"""
import collections
import re

import torch

# where the weight is among each operator's inputs
FORWARD_OPS = {"aten::mkldnn_convolution": 1, "aten::slow_conv_transpose2d": 1, "aten::_slow_conv2d_forward": 1,
               "aten::_conv_depthwise2d": 1}
BACKWARD_OPS = {"aten::convolution_backward": 2}  # grad_output, input, weight, ...


def owners(parts):
    """{weight shape: [part names]} from {part name: module}."""
    owned = collections.defaultdict(list)
    for name, module in parts.items():
        for m in module.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                w = getattr(m, "weight_orig", None)  # spectral norm keeps the parameter here
                shape = tuple((w if w is not None else m.weight).shape)
                if name not in owned[shape]:
                    owned[shape].append(name)
    return owned


def weight_shapes(parts):
    """{weight shape: part name}; a shape owned by several parts maps to 'shared'."""
    return {shape: names[0] if len(names) == 1 else "shared" for shape, names in owners(parts).items()}


def conv_time_by_part(profiler, parts):
    """{(part, 'forward'|'backward'): self CPU ms} plus ('everything else', '') and the total, summed
    over the profiled iterations. Needs a profiler run with record_shapes=True."""
    owner = weight_shapes(parts)
    totals = collections.Counter()
    for event in profiler.key_averages(group_by_input_shape=True):
        ms = event.self_cpu_time_total / 1e3
        totals[("total", "")] += ms
        if event.key in BACKWARD_OPS:
            position, direction = BACKWARD_OPS[event.key], "backward"
        elif event.key in FORWARD_OPS:
            position, direction = FORWARD_OPS[event.key], "forward"
        else:
            totals[("everything else", "")] += ms
            continue
        shapes = event.input_shapes  # one per argument, [] for a non-tensor
        weight = tuple(shapes[position]) if len(shapes) > position else None
        totals[(owner.get(weight, "unknown shape"), direction)] += ms
    return totals


def shares_by_part(totals):
    """{part: share of the step's self time}, forward and backward summed ('everything else' included)."""
    shares = collections.Counter()
    for (part, _), ms in totals.items():
        if part != "total":
            shares[part] += ms / totals[("total", "")]
    return dict(shares)


def print_by_part(totals, iterations, parts):
    print(f"convolution self time by network part (ms/iter over {iterations} iteration(s); a convolution is "
          "charged to the part that owns its weight shape):")
    total = totals[("total", "")] / iterations
    rows = [(p, d) for p in list(parts) + ["shared", "unknown shape"] for d in ("forward", "backward")]
    for part, direction in rows + [("everything else", "")]:
        ms = totals[(part, direction)] / iterations
        if ms or part in parts:
            print(f"  {part:<22} {direction:<9} {ms:8.1f}  {100 * ms / total:5.1f}%")
    print(f"  {'step (self time)':<32} {total:8.1f}")
    shared = sorted((shape, names) for shape, names in owners(parts).items() if len(names) > 1)
    if shared:
        print("  shared weight shapes: " + ", ".join(f"{list(s)} ({', '.join(n)})" for s, n in shared))


def ganrig_conv_share(profile_text):
    """The share of convolution operators' self time in a `ganrig bench --profile` report (its operator
    table lists the top operators; convolutions are always among them)."""
    total = re.search(r"profile: \d+ iteration\(s\), ([\d.]+) ms per iteration", profile_text)
    in_table, conv = False, 0.0
    for line in profile_text.splitlines():
        if line.strip().startswith("operator (self time)"):
            in_table = True
        elif line.strip().startswith("where the top operators"):
            break
        elif in_table:
            fields = line.split()
            if len(fields) >= 2 and "conv" in fields[0]:
                conv += float(fields[1])
    if not total or not in_table:
        raise ValueError("no ganrig profile report in the output")
    return conv / float(total.group(1))

