#!/usr/bin/python3
"""tools/bench/profile_parts.py: convolutions charged to the part that owns their weight shape (forward
and backward, spectral norm's weight_orig included, shapes of two parts as 'shared'), the shares of
the step by part, and the parser of ganrig's profile report. Exits 77 (Skipped) without python3-torch."""
import os
import sys

try:
    import torch
except ImportError:
    print("SKIP: python3-torch not installed")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "bench"))
import profile_parts  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def attribution():
    torch.manual_seed(0)
    parts = {"generator": torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.Conv2d(16, 5, 1)),
             "discriminator": torch.nn.Sequential(torch.nn.utils.spectral_norm(torch.nn.Conv2d(5, 32, 4, 2, 1)),
                                                  torch.nn.Conv2d(32, 5, 1), torch.nn.Conv2d(5, 1, 4))}
    owner = profile_parts.weight_shapes(parts)
    check(owner[(32, 5, 4, 4)] == "discriminator", f"spectral norm's weight_orig shape: {owner}")
    check(owner[(16, 3, 3, 3)] == "generator", f"generator shape: {owner}")
    parts["discriminator"].append(torch.nn.Conv2d(16, 5, 1))  # now [5, 16, 1, 1] is in both parts
    check(profile_parts.weight_shapes(parts)[(5, 16, 1, 1)] == "shared", "a shape of two parts is 'shared'")
    parts["discriminator"] = parts["discriminator"][:3]
    x = torch.randn(2, 3, 16, 16, requires_grad=True)
    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        parts["discriminator"](torch.relu(parts["generator"](x))).sum().backward()
    totals = profile_parts.conv_time_by_part(prof, parts)
    for part in parts:
        for direction in ("forward", "backward"):
            check(totals[(part, direction)] > 0, f"{part} {direction} has convolution time: {dict(totals)}")
    check(totals[("unknown shape", "forward")] == 0 and totals[("unknown shape", "backward")] == 0,
          f"every convolution attributed: {dict(totals)}")
    charged = sum(v for (part, _), v in totals.items() if part != "total")
    check(abs(charged - totals[("total", "")]) < 1e-6 * max(1.0, charged), "the parts add up to the step")
    shares = profile_parts.shares_by_part(totals)
    check(set(shares) == {"generator", "discriminator", "everything else"}, f"shares of every part: {shares}")
    check(abs(sum(shares.values()) - 1) < 1e-9, f"the shares add up to the step: {shares}")


GANRIG_PROFILE = """profile: 2 iteration(s), 1000.0 ms per iteration with the profiler on
  phase (nested scopes overlap)         ms/iter  % iter    calls
  D_forward                               300.0   30.0%        1
  operator (self time)                  ms/iter  % iter    calls
  aten::convolution_backward              400.0   40.0%      105
  aten::mkldnn_convolution                300.0   30.0%      168
  aten::copy_                              50.0    5.0%      732
  where the top operators' self time comes from (phase: caller < its caller ...)
  aten::convolution_backward
       999.0 ms/iter     28 calls  D_backward: ConvolutionBackward0
"""

def report_parser():
    share = profile_parts.ganrig_conv_share(GANRIG_PROFILE)
    check(abs(share - 0.7) < 1e-9, f"ganrig convolution share 0.7 (the 'where' lines not counted twice), got {share}")
    try:
        profile_parts.ganrig_conv_share("no profile here")
        failures.append("ganrig_conv_share accepted text without a report")
    except ValueError:
        pass


attribution()
report_parser()
if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("profile_parts ok")
