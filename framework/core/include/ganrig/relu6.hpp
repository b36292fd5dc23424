#pragma once
// ReLU6 in place that keeps its output, not a copy of its input, for the backward pass.
//
// LibTorch's in-place hardtanh_ (what timm's and torchvision's ReLU6(inplace=True) call) saves a
// clone of its input when a gradient is needed, because its derivative is written in terms of the
// input: in the generator phase of Projected GAN that is one full copy of every activation of the
// frozen projector (ganrig bench --profile: aten::clone < aten::hardtanh_, about 8% of a PG 64
// step). The mask of hardtanh's derivative is the same read from the output (out <= 0 exactly when
// in <= 0, out >= 6 exactly when in >= 6), so this ReLU6 saves the output it writes in place and
// computes the same gradient, bit for bit (tests/core/relu6_test.cpp).
// bfloat16 and half on the CPU, for which LibTorch 1.13 has no CPU hardtanh backward, get the mask in
// one pass over the raw bits of out and grad (it took three passes, rsub and two threshold_backward,
// and two temporaries); there a NaN output stops the gradient, as in LibTorch's vectorised float
// kernel (its scalar loop, which takes tails and mixed layouts, passes it).
#include <torch/torch.h>

namespace ganrig {

// clamp(x, 0, 6) written into x; x's gradient is hardtanh's (none at exactly 0 or 6).
torch::Tensor relu6_in_place(torch::Tensor x);

// hardtanh(0, 6)'s gradient read from `out` (ReLU6's output): grad where 0 < out < 6, else 0; bit for
// bit torch::hardtanh_backward(grad, out, 0, 6) wherever out is not NaN.
torch::Tensor relu6_gradient(const torch::Tensor& grad, const torch::Tensor& out);

}  // namespace ganrig
