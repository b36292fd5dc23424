#include "ganrig/bilinear.hpp"

namespace ganrig {

torch::Tensor interpolate_bilinear(const torch::Tensor& x, torch::nn::functional::InterpolateFuncOptions options) {
  namespace F = torch::nn::functional;
  options.mode(torch::kBilinear);
  const bool reduced = x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf;
  if (!reduced || !x.is_cpu()) return F::interpolate(x, options);
  // to() keeps the memory format (channels-last stays channels-last); autograd casts the gradient
  // back to the input's type.
  return F::interpolate(x.to(torch::kFloat), options).to(x.scalar_type());
}

}  // namespace ganrig
