#pragma once
// Reusable layers from PGGAN (Karras et al. 2018) for plugins: PixelNorm, minibatch standard
// deviation, and a fully connected layer with equalized learning rate (the convolution with
// equalized learning rate is Conv2dLayer with equalized_gain > 0, see conv2d_layer.hpp).
#include <torch/torch.h>

namespace ganrig {

// x * rsqrt(mean over channels of x^2 + 1e-8).
torch::Tensor pixel_norm(const torch::Tensor& x);

// The official minibatch-stddev layer: samples are split into groups of min(group_size, N) (sample
// n = g*M + m is member g of group m); the standard deviation over each group, averaged over
// channels and pixels, is appended as one feature map. N must be a multiple of the group size.
torch::Tensor minibatch_stddev(const torch::Tensor& x, std::int64_t group_size);

// Dense layer with equalized learning rate: weights N(0, 1) scaled at run time by gain/sqrt(in),
// biases 0.
class EqualizedLinearImpl : public torch::nn::Module {
 public:
  EqualizedLinearImpl(std::int64_t in, std::int64_t out, double gain);
  torch::Tensor forward(const torch::Tensor& x);
  double scale() const { return scale_; }
  torch::Tensor weight, bias;

 private:
  double scale_;
};
TORCH_MODULE(EqualizedLinear);

}  // namespace ganrig
