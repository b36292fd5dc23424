#pragma once
// One description of a 2-D convolution, used both by networks asking a block for a convolution
// and by the shared Conv2dLayer (conv2d_layer.hpp). Named setters in LibTorch's style
// (torch/nn/options/conv.h):
//   ConvOptions(in, out, 4).stride(2).padding(1).transposed(true).spectral_norm(sn)
#include <cstdint>

#include <torch/arg.h>

namespace ganrig {

struct ConvOptions {
  ConvOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}

  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(std::int64_t, kernel_size);
  TORCH_ARG(std::int64_t, stride) = 1;
  TORCH_ARG(std::int64_t, padding) = 0;
  // Channels are split into this many independent groups (in_channels groups: depthwise).
  TORCH_ARG(std::int64_t, groups) = 1;
  TORCH_ARG(bool, bias) = true;
  // A fractionally strided (transposed) convolution.
  TORCH_ARG(bool, transposed) = false;
  // PyTorch semantics: one power iteration per training forward.
  TORCH_ARG(bool, spectral_norm) = false;
  // Equalized learning rate (PGGAN) when > 0: weights N(0, 1), scaled at run time by
  // gain / sqrt(fan_in); biases start at 0.
  TORCH_ARG(double, equalized_gain) = 0.0;
};

}  // namespace ganrig
