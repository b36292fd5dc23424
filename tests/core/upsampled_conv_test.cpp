#include "catch_compat.hpp"
#include "support.hpp"

#include <cmath>

#include <torch/torch.h>

#include "ganrig/autocast_compat.hpp"

#include "ganrig/conv2d_layer.hpp"
#include "ganrig/upsampled_conv.hpp"

// The phase form of "upsample x2 (nearest), then 3x3 convolution" against the plain pair: output,
// input gradient and weight gradient, in fp64 (to rounding), fp32 (to its rounding of the summed
// taps) and under bf16 autocast; and Conv2dLayer's forward_upsampled against forward(upsample(x)),
// with spectral norm, equalized learning rate and bias, on both sides of kMinPhaseConvPixels.
namespace {

using ganrig::test::relative_difference;

struct Results {
  torch::Tensor y, dx, dw;
};


Results run(bool phases, torch::Tensor x, torch::Tensor w, bool bf16 = false) {
  x = x.detach().clone().requires_grad_(true);
  w = w.detach().clone().requires_grad_(true);
  torch::Tensor y;
  ganrig::autocast::set(false, bf16, torch::kBFloat16);
  y = phases ? ganrig::upsampled_conv3x3(x, w) : torch::conv2d(ganrig::upsample_nearest_x2(x), w, {}, 1, 1);
  ganrig::autocast::set(false, false, torch::kBFloat16);
  at::autocast::clear_cache();
  torch::manual_seed(11);
  // autograd::grad hands back the gradients as the backward made them (x.grad would be converted to
  // x's layout, so the channels-last test could not see a wrong one).
  const auto grads = torch::autograd::grad({y}, {x, w}, {torch::randn(y.sizes()).to(y.scalar_type()).contiguous(y.suggest_memory_format())});
  return {y.detach(), grads[0], grads[1]};
}

void check_close(const Results& ours, const Results& plain, double tolerance) {
  CHECK(ours.y.sizes() == plain.y.sizes());
  CHECK(relative_difference(ours.y, plain.y) < tolerance);
  CHECK(relative_difference(ours.dx, plain.dx) < tolerance);
  CHECK(relative_difference(ours.dw, plain.dw) < tolerance);
}

}  // namespace

TEST_CASE("upsample + 3x3 convolution as four 2x2 phase convolutions: equal to rounding", "[core][upsampled_conv]") {
  torch::manual_seed(5);
  SECTION("fp64, a non-square map") {
    const torch::Tensor x = torch::randn({2, 6, 5, 7}, torch::kDouble), w = torch::randn({9, 6, 3, 3}, torch::kDouble);
    check_close(run(true, x, w), run(false, x, w), 1e-13);
  }
  SECTION("fp32, channels-last input") {
    const torch::Tensor x = torch::randn({2, 16, 32, 32}).contiguous(torch::MemoryFormat::ChannelsLast);
    const torch::Tensor w = torch::randn({24, 16, 3, 3});
    check_close(run(true, x, w), run(false, x, w), 1e-5);
  }
  SECTION("fp64, channels-last: a channels-last output and input gradient, the NCHW path's values") {
    const torch::Tensor x = torch::randn({2, 6, 5, 7}, torch::kDouble), w = torch::randn({9, 6, 3, 3}, torch::kDouble);
    const Results last = run(true, x.contiguous(torch::MemoryFormat::ChannelsLast), w), plain = run(true, x, w);
    CHECK(last.y.is_contiguous(torch::MemoryFormat::ChannelsLast));
    CHECK(last.dx.is_contiguous(torch::MemoryFormat::ChannelsLast));
    CHECK_FALSE(plain.y.is_contiguous(torch::MemoryFormat::ChannelsLast));
    check_close(last, plain, 1e-13);
    check_close(last, run(false, x, w), 1e-13);
  }
  SECTION("bf16 autocast: within bf16's rounding of the plain pair under autocast") {
    const torch::Tensor x = torch::randn({2, 16, 32, 32}), w = torch::randn({24, 16, 3, 3});
    const Results ours = run(true, x, w, true), plain = run(false, x, w, true), exact = run(false, x, w);
    CHECK(ours.y.scalar_type() == torch::kBFloat16);
    check_close(ours, exact, 2e-2);
    check_close(plain, exact, 2e-2);
  }
  SECTION("a wrong tap would be seen: the plain pair with the kernel flipped differs") {
    const torch::Tensor x = torch::randn({1, 4, 6, 6}, torch::kDouble), w = torch::randn({4, 4, 3, 3}, torch::kDouble);
    CHECK(relative_difference(run(true, x, w.flip({2})).y, run(false, x, w).y) > 0.1);
  }
}

TEST_CASE("Conv2dLayer::forward_upsampled equals forward of the upsampled map", "[core][upsampled_conv]") {
  const bool spectral = GENERATE(true, false);  // spectral norm with bias, or equalized learning rate without
  ganrig::ConvOptions options(8, 12, 3);
  options.padding(1).bias(spectral);
  if (spectral)
    options.spectral_norm(true);
  else
    options.equalized_gain(std::sqrt(2.0));
  const std::int64_t side = GENERATE(std::int64_t{8}, std::int64_t{32});  // below and above kMinPhaseConvPixels
  torch::manual_seed(7);
  ganrig::Conv2dLayer ours(options), plain(options);
  {
    torch::NoGradGuard no_grad;
    for (const auto& item : plain->named_parameters()) item.value().copy_(ours->named_parameters()[item.key()]);
    for (const auto& item : plain->named_buffers()) item.value().copy_(ours->named_buffers()[item.key()]);
  }
  const torch::Tensor x = torch::randn({2, 8, side, side});
  for (int step = 0; step < 2; ++step) {  // spectral norm's power iteration runs once per call on both sides
    const torch::Tensor y = ours->forward_upsampled(x), reference = plain->forward(ganrig::upsample_nearest_x2(x));
    REQUIRE(y.sizes() == reference.sizes());
    if (side * side < ganrig::kMinPhaseConvPixels)
      CHECK(torch::equal(y, reference));  // the plain pair itself
    else
      CHECK(relative_difference(y, reference) < 1e-5);
  }
  for (const auto& item : plain->named_buffers()) CHECK(torch::equal(item.value(), ours->named_buffers()[item.key()]));
}
