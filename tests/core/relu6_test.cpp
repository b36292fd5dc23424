#include "catch_compat.hpp"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "ganrig/relu6.hpp"

// ganrig::relu6_in_place against LibTorch's hardtanh(x, 0, 6) (timm's ReLU6): same output, and the same
// input gradient bit for bit, including inputs at exactly 0 and 6 (no gradient there) and NaN.
namespace {

torch::Tensor inputs(torch::Dtype dtype) {
  torch::manual_seed(3);
  torch::Tensor x = (torch::randn({4, 8, 9, 7}) * 5).to(dtype);
  x.view(-1).index_put_({torch::indexing::Slice(0, 40, 4)}, 0.0);
  x.view(-1).index_put_({torch::indexing::Slice(1, 40, 4)}, 6.0);
  x.view(-1)[2] = std::nan("");
  return x.contiguous(torch::MemoryFormat::ChannelsLast);
}

std::pair<torch::Tensor, torch::Tensor> output_and_gradient(const torch::Tensor& source, bool ours) {
  torch::Tensor leaf = source.clone().requires_grad_(true);
  torch::Tensor y = leaf * 1.0;  // a non-leaf, as a convolution's output
  y = ours ? ganrig::relu6_in_place(y) : torch::hardtanh(y, 0.0, 6.0);
  torch::manual_seed(4);
  const torch::Tensor upstream = torch::randn(y.sizes()).to(y.scalar_type());
  y.backward(upstream);
  return {y.detach(), leaf.grad()};
}

}  // namespace

TEST_CASE("relu6_in_place equals hardtanh(0, 6) in value and gradient, bit for bit", "[core][relu6]") {
  for (const auto dtype : {torch::kFloat, torch::kDouble}) {
    const torch::Tensor x = inputs(dtype);
    const auto [ours_y, ours_g] = output_and_gradient(x, true);
    const auto [ref_y, ref_g] = output_and_gradient(x, false);
    CHECK(torch::equal(ours_y.nan_to_num(-1), ref_y.nan_to_num(-1)));
    CHECK(torch::equal(ours_g.nan_to_num(-1), ref_g.nan_to_num(-1)));
    CHECK(ours_g.eq(0).sum().item<std::int64_t>() > 20);  // the 0s and 6s and the negative half stop it
  }
}

TEST_CASE("relu6_in_place in bfloat16 stops the gradient where hardtanh does", "[core][relu6]") {
  const torch::Tensor x = inputs(torch::kFloat).to(torch::kBFloat16);
  const auto [y, g] = output_and_gradient(x, true);
  const auto [ref_y, ref_g] = output_and_gradient(x.to(torch::kFloat), false);
  CHECK(torch::equal(y.to(torch::kFloat).nan_to_num(-1), ref_y.nan_to_num(-1)));
  torch::manual_seed(4);
  const torch::Tensor upstream = torch::randn(y.sizes()).to(torch::kBFloat16).to(torch::kFloat);
  const torch::Tensor passes = ref_y.gt(0) & ref_y.lt(6);  // not at 0, 6 or NaN
  CHECK(torch::equal(g.to(torch::kFloat).nan_to_num(-1), torch::where(passes, upstream, torch::zeros({})).nan_to_num(-1)));
}

TEST_CASE("relu6_in_place without a gradient writes in place and records nothing", "[core][relu6]") {
  torch::Tensor x = inputs(torch::kFloat);
  const auto before = x.data_ptr();
  torch::Tensor y = ganrig::relu6_in_place(x);
  CHECK(y.data_ptr() == before);
  CHECK(x.nan_to_num(0).max().item<float>() <= 6.0f);
  CHECK_FALSE(y.requires_grad());
}

TEST_CASE("relu6_gradient's one pass over bits equals hardtanh_backward on every kind of value", "[core][relu6]") {
  // Every class of IEEE value on either side of 0 and 6 (relu6_gradient is hardtanh(0, 6)'s
  // gradient of whatever it is given), in every floating type, both layouts and with the gradient in
  // the other layout, against LibTorch's float kernel. Where out is NaN that kernel stops or passes
  // the gradient by where the element falls; the 16-bit types' one pass stops it.
  const float denormal = std::numeric_limits<float>::denorm_min(), inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> edges = {-inf, -7.0f, -6.0f, -1.0f, -denormal, -0.0f, 0.0f, denormal, 1e-30f, 0.5f,
                                    std::nextafter(6.0f, 0.0f), 6.0f, std::nextafter(6.0f, 7.0f), 7.0f, inf, nan, -nan};
  torch::manual_seed(5);
  torch::Tensor out = torch::randn({4, 6, 5, 7}) * 4;
  out.view(-1).narrow(0, 0, static_cast<std::int64_t>(edges.size())).copy_(torch::tensor(edges));
  const torch::Tensor grad = torch::randn(out.sizes());
  const auto cl = torch::MemoryFormat::ChannelsLast, plain = torch::MemoryFormat::Contiguous;
  for (const auto dtype : {torch::kDouble, torch::kFloat, torch::kBFloat16, torch::kHalf}) {
    const torch::Tensor o = out.to(dtype), g = grad.to(dtype);  // 16-bit values are exact in float
    const bool one_pass = dtype == torch::kBFloat16 || dtype == torch::kHalf;
    const torch::Tensor nan = o.isnan();
    const torch::Tensor expected = torch::hardtanh_backward(g.to(torch::kFloat), o.to(torch::kFloat), 0.0, 6.0).masked_fill(nan, 0).to(dtype);
    const auto bits = dtype == torch::kDouble ? torch::kLong : dtype == torch::kFloat ? torch::kInt : torch::kShort;
    for (const auto [out_layout, grad_layout] : {std::pair{plain, plain}, {cl, cl}, {cl, plain}, {plain, cl}}) {
      torch::Tensor ours = ganrig::relu6_gradient(g.contiguous(grad_layout), o.contiguous(out_layout));
      INFO(dtype << ", out channels-last " << (out_layout == cl) << ", grad channels-last " << (grad_layout == cl));
      if (one_pass) CHECK(ours.is_contiguous(out_layout));
      if (!one_pass) ours = ours.masked_fill(nan, 0);
      CHECK(torch::equal(ours.contiguous().view(bits), expected.view(bits)));  // bits: NaN and -0 count
    }
  }
}
