#include "ganrig/layers.hpp"

namespace ganrig {

torch::Tensor pixel_norm(const torch::Tensor& x) { return x * torch::rsqrt(x.square().mean(1, true) + 1e-8); }

torch::Tensor minibatch_stddev(const torch::Tensor& x, std::int64_t group_size) {
  const std::int64_t n = x.size(0);
  const std::int64_t g = std::min(group_size, n);
  TORCH_CHECK(n % g == 0, "minibatch-stddev: batch ", n, " is not a multiple of the group size ", g);
  torch::Tensor y = x.reshape({g, -1, x.size(1), x.size(2), x.size(3)});  // [G, M, C, H, W]
  y = y - y.mean(0, true);
  y = (y.square().mean(0) + 1e-8).sqrt();                                // [M, C, H, W]
  y = y.mean({1, 2, 3}, true);                                           // [M, 1, 1, 1]
  y = y.repeat({g, 1, x.size(2), x.size(3)});                            // sample g*M + m gets y[m]
  return torch::cat({x, y}, 1);
}

EqualizedLinearImpl::EqualizedLinearImpl(std::int64_t in, std::int64_t out, double gain)
    : weight(register_parameter("weight", torch::randn({out, in}))),
      bias(register_parameter("bias", torch::zeros({out}))),
      scale_(gain / std::sqrt(static_cast<double>(in))) {}

torch::Tensor EqualizedLinearImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(x, weight * scale_, bias);
}

}  // namespace ganrig
