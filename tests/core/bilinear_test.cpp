#include "catch_compat.hpp"
#include <torch/torch.h>

#include "ganrig/bilinear.hpp"

// ganrig::interpolate_bilinear against fp64 bilinear: for bfloat16 inputs every output value (and
// every input-gradient value) is the exact value rounded once to bfloat16: within half a bfloat16
// ulp (2^-8 of its magnitude) plus fp32's own error (1e-5 of the largest input or gradient);
// layout and type are kept. LibTorch 1.13's own bfloat16 kernel misses this bound by orders of
// magnitude (its ratio is printed when a check fails).
namespace {

namespace F = torch::nn::functional;

F::InterpolateFuncOptions csm_x2() {  // CSM's FeatureFusionBlock
  return F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}).align_corners(true);
}
F::InterpolateFuncOptions to_224() {  // the projected discriminator's resize
  return F::InterpolateFuncOptions().size(std::vector<std::int64_t>{224, 224}).align_corners(false);
}

torch::Tensor channels_last_input(std::vector<std::int64_t> shape, torch::Dtype dtype) {
  torch::manual_seed(5);
  return (torch::randn(shape) * 3).to(dtype).contiguous(torch::MemoryFormat::ChannelsLast);
}

// Largest |got - exact| / (2^-8 |exact| + floor): at most 1 when every value is correctly rounded.
double rounding_ratio(const torch::Tensor& got, const torch::Tensor& exact, double floor) {
  const torch::Tensor error = (got.to(torch::kDouble) - exact).abs();
  return (error / (exact.abs() * std::ldexp(1.0, -8) + floor)).max().item<double>();
}

}  // namespace

TEST_CASE("interpolate_bilinear rounds the exact bilinear value once for bfloat16", "[core][bilinear]") {
  for (const auto& [shape, options] :
       {std::pair{std::vector<std::int64_t>{2, 16, 56, 56}, csm_x2()},
        std::pair{std::vector<std::int64_t>{2, 3, 64, 64}, to_224()}}) {
    const torch::Tensor x = channels_last_input(shape, torch::kBFloat16).requires_grad_(true);
    const torch::Tensor y = ganrig::interpolate_bilinear(x, options);
    CHECK(y.scalar_type() == torch::kBFloat16);
    CHECK(y.is_contiguous(torch::MemoryFormat::ChannelsLast));

    const torch::Tensor x64 = x.detach().to(torch::kDouble).requires_grad_(true);
    F::InterpolateFuncOptions bilinear = options;
    const torch::Tensor exact = F::interpolate(x64, bilinear.mode(torch::kBilinear));
    // fp32's own error (its interpolation weights are fp32) is up to ~5e-6 of the largest input.
    const double fp32_floor = 1e-5 * x64.detach().abs().max().item<double>();
    CHECK(rounding_ratio(y, exact.detach(), fp32_floor) <= 1.0);
    const torch::Tensor plain = F::interpolate(x.detach(), bilinear);  // LibTorch's own bfloat16 kernel
    INFO("the plain bfloat16 kernel's ratio: " << rounding_ratio(plain, exact.detach(), fp32_floor));

    torch::manual_seed(6);
    const torch::Tensor upstream = torch::randn(y.sizes()).to(torch::kBFloat16);
    y.backward(upstream);
    exact.backward(upstream.to(torch::kDouble));
    CHECK(x.grad().scalar_type() == torch::kBFloat16);
    // The gradient sums several fp32 products before its one rounding: fp32's error on top.
    CHECK(rounding_ratio(x.grad(), x64.grad(), 1e-5 * x64.grad().abs().max().item<double>()) <= 1.0);
  }
}

TEST_CASE("interpolate_bilinear is the plain call for fp32", "[core][bilinear]") {
  const torch::Tensor x = channels_last_input({2, 8, 14, 14}, torch::kFloat);
  const torch::Tensor y = ganrig::interpolate_bilinear(x, csm_x2());
  CHECK(torch::equal(y, F::interpolate(x, csm_x2().mode(torch::kBilinear))));
  CHECK(y.is_contiguous(torch::MemoryFormat::ChannelsLast));
}
