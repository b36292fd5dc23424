#pragma once
// Nearest x2 upsampling followed by a 3x3 convolution (stride 1, padding 1), computed from the small
// map. Per output phase (row parity a, column parity b) the pair is a 2x2 convolution of the small
// map: output row 2i reads input rows i-1 and i with the row taps (w0, w1 + w2), row 2i+1 reads rows
// i and i+1 with (w0 + w1, w2), and columns alike. That is 16 multiply-adds per output pixel and
// channel pair instead of 36, and no upsampled copy of the input; the sums w1 + w2 and w0 + w1 are
// the only change to the arithmetic (tests/core/upsampled_conv_test.cpp bounds the difference).
#include <cstdint>

#include <torch/torch.h>

namespace ganrig {

// x [B, C, H, W] -> [B, C, 2H, 2W], every value repeated 2x2 (nn.Upsample(scale_factor=2)).
torch::Tensor upsample_nearest_x2(const torch::Tensor& x);

// From a 16x16 input on, the phase form is 1.2-1.9x faster on the CPU than upsampling and
// convolving (forward and backward, fp32 and bf16); on smaller maps it can be slower, as its
// stacked kernels (16 weights per channel pair instead of 9) cost more than the multiply-adds it
// saves (`tools/bench/micro_levers.py upsampled`, results/micro_levers.txt there).
constexpr std::int64_t kMinPhaseConvPixels = 16 * 16;

// [Co, Ci, 3, 3] -> [4 Co, Ci, 2, 2]: output channel (2a + b) Co + co holds phase (a, b)'s kernel.
torch::Tensor phase_kernels(const torch::Tensor& weight);

// conv2d(upsample_nearest_x2(x), weight, padding 1) for an ungrouped 3x3 weight, without bias.
// A channels-last x gives a channels-last result, and its gradient stays channels-last.
torch::Tensor upsampled_conv3x3(const torch::Tensor& x, const torch::Tensor& weight);

}  // namespace ganrig
