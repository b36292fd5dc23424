#pragma once
// The convolution every network and block builds on: plain, transposed or grouped, optionally with
// spectral normalization (spectral_norm.hpp) or PGGAN's equalized learning rate, described by one
// ConvOptions (conv_options.hpp).
#include <memory>

#include <torch/torch.h>

#include "ganrig/conv_options.hpp"
#include "ganrig/spectral_norm.hpp"

namespace ganrig {

// A plain or spectrally normalized 2-D convolution (optionally transposed, optionally grouped).
// Parameter names follow PyTorch: `weight` (or `weight_orig` with spectral norm) and `bias`.
class Conv2dLayerImpl : public torch::nn::Module {
 public:
  explicit Conv2dLayerImpl(const ConvOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  // forward(x upsampled x2 by nearest neighbour). A 3x3, stride-1, padding-1 ungrouped convolution
  // of a map of at least kMinPhaseConvPixels computes it from x directly (upsampled_conv.hpp).
  torch::Tensor forward_upsampled(const torch::Tensor& x);
  torch::Tensor effective_weight();  // the weight the forward would use (no u/v update)
  // Effective weights N(0, std) (before spectral normalisation; equalized-LR layers draw their
  // stored weights so that weight * runtime scale is N(0, std)), bias zero.
  void init_normal(double std);
  // in_channels / groups * kernel_size^2: the inputs summed into one output value (of the
  // non-transposed convolution; a stride-s transposed one sums 1/s^2 of them).
  std::int64_t fan_in() const;
  const ConvOptions& options() const { return options_; }

 private:
  std::int64_t output_numel(const torch::Tensor& x) const;
  torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& bias) const;
  bool computes_phases_of(const torch::Tensor& x) const;
  ConvOptions options_;
  double runtime_scale_ = 1.0;
  torch::Tensor weight_, bias_;
  std::unique_ptr<SpectralNorm> sn_;
};
TORCH_MODULE(Conv2dLayer);

}  // namespace ganrig
