#pragma once
// The building block of frozen pretrained projectors (EfficientNet-lite0, MobileNetV2): a
// convolution without bias, an inference-mode BatchNorm and an optional ReLU6, with explicit
// (possibly asymmetric, TensorFlow 'same' / Keras ZeroPadding2D) zero padding.
//
// Because the layer is frozen, BatchNorm is folded into the convolution: w' = w * s, b' = beta -
// mean * s with s = gamma / sqrt(var + eps). One convolution with bias then replaces a convolution
// and a normalisation pass over the activations (and, in the generator phase, its backward pass);
// ReLU6 runs in place and keeps its output, not a copy of its input, for backward (relu6.hpp).
// Symmetric padding goes into the convolution instead of a padded copy, and so does TensorFlow's
// asymmetric padding of a stride-2 depthwise layer (see larger_weight_). The
// folded weights are cached and recomputed when any source tensor changes (a checkpoint load, a
// device move). `forward_unfused` is the plain sequence, kept for the equivalence tests
// (set_fused(false) on every layer of a projector gives the straightforward network).
#include <torch/torch.h>

#include <array>
#include <string>

namespace ganrig {

struct FrozenConvBNOptions {
  using Padding = std::array<std::int64_t, 4>;  // {left, right, top, bottom}
  FrozenConvBNOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_(kernel) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(std::int64_t, kernel);
  TORCH_ARG(std::int64_t, stride) = 1;
  TORCH_ARG(bool, depthwise) = false;  // groups = in_channels (= out_channels)
  TORCH_ARG(bool, relu6) = false;
  TORCH_ARG(double, eps) = 1e-3;       // TensorFlow/Keras BatchNorm default
  // Zero padding {left, right, top, bottom}, or TensorFlow 'same' padding computed from each
  // input's size (total = max((ceil(n / s) - 1) s + k - n, 0), the extra pixel right/bottom).
  TORCH_ARG(Padding, padding) = {{0, 0, 0, 0}};
  TORCH_ARG(bool, tf_same_padding) = false;
  // State-dict names of BatchNorm's running statistics (timm: running_mean/running_var; Keras:
  // moving_mean/moving_variance); checkpoints keep the names the projector always had.
  TORCH_ARG(std::string, mean_name) = "running_mean";
  TORCH_ARG(std::string, var_name) = "running_var";
};

class FrozenConvBNImpl : public torch::nn::Module {
 public:
  explicit FrozenConvBNImpl(const FrozenConvBNOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // folded, or forward_unfused after set_fused(false)
  torch::Tensor forward_unfused(const torch::Tensor& x);  // pad, conv, batch_norm, clamp: the reference
  void set_fused(bool fused) { fused_ = fused; }
  const FrozenConvBNOptions& options() const { return options_; }
  std::array<std::int64_t, 4> padding_for(const torch::Tensor& x) const;  // {left, right, top, bottom}
  // Whether forward(x) pads inside the convolution with the kernel one tap larger (larger_weight_).
  bool uses_larger_kernel(const torch::Tensor& x) const;

  torch::Tensor weight, gamma, beta, mean, var;

 private:
  void refresh_folded();
  // The folded weight and bias in autocast's lower precision, cast once per fold: autocast caches
  // its casts only for leaf tensors that require a gradient, so it would cast these frozen ones
  // again at every forward (tools/bench/README.md). The same values as autocast's own cast.
  std::pair<torch::Tensor, torch::Tensor> folded_for_autocast(bool larger);
  FrozenConvBNOptions options_;
  bool fused_ = true;
  torch::Tensor folded_weight_, folded_bias_;
  // TensorFlow 'same' padding at stride 2 puts one zero row and column more below and right of the
  // input than above and left. The folded kernel one tap larger, with a zero first row and column,
  // computes the same output from the larger padding on every side, inside the convolution: no
  // padded copy of the input. Depthwise layers only: their convolutions are bound by memory and
  // the zero taps cost less than the copy; a dense stem is slower that way (tools/bench/README.md).
  torch::Tensor larger_weight_;
  torch::Tensor lowp_weight_, lowp_larger_weight_, lowp_bias_;  // empty until an autocast forward; reset by each fold
  std::array<std::int64_t, 5> folded_versions_{{-1, -1, -1, -1, -1}};
  const void* folded_from_ = nullptr;
};
TORCH_MODULE(FrozenConvBN);

}  // namespace ganrig
