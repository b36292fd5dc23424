#pragma once
// Bilinear resizing whose arithmetic is fp32 for bfloat16 and half inputs on the CPU.
//
// LibTorch 1.13's CPU bilinear kernels compute in the input's type: for bfloat16 the interpolation
// weights (and, with align_corners, the source positions) carry 8 significant bits, so a bfloat16
// resize of a 56x56 map to 112x112 is off by up to 0.6 for N(0, 1) values where rounding the exact
// result to bfloat16 is off by at most 0.01, and it is 2-4x slower than the fp32 kernel forward and
// backward (`tools/bench/micro_levers.py bf16_bilinear`). Here a reduced-precision input is resized
// in fp32 and the result rounded back to its type: every output value is the exact bilinear value,
// correctly rounded (tests/core/bilinear_test.cpp). fp32 and fp64 inputs, and CUDA tensors, whose
// kernels already compute in fp32, go straight to the plain call. Layout and type are preserved.
#include <torch/torch.h>

namespace ganrig {

// F::interpolate(x, options) with mode bilinear, in fp32 for bfloat16/half inputs on the CPU.
torch::Tensor interpolate_bilinear(const torch::Tensor& x, torch::nn::functional::InterpolateFuncOptions options);

}  // namespace ganrig
