#include "catch_compat.hpp"
#include "support.hpp"

#include <torch/torch.h>

#include "ganrig/glu.hpp"

// glu_channels against LibTorch's glu on the same values in NCHW: output and input gradient within 4
// machine epsilons of the largest value (the same kernels; LibTorch's exp differs in the last bit
// between its vectorized and scalar loops, which the two layouts split differently), the gradient in
// the input's channels-last layout; NCHW inputs take LibTorch's glu, bit for bit.
namespace {

using ganrig::test::relative_difference;

double epsilon(torch::ScalarType t) {
  return t == torch::kBFloat16 ? 0.0078125 : t == torch::kFloat ? 1.1920929e-7 : 2.220446e-16;
}


struct Results {
  torch::Tensor y, dx;
};

Results run(const torch::Tensor& x_values, torch::MemoryFormat format, bool ours) {
  torch::Tensor x = x_values.clone(format).requires_grad_(true);
  torch::Tensor y = ours ? ganrig::glu_channels(x) : torch::glu(x, 1);
  torch::manual_seed(3);
  // autograd::grad hands back the gradient as the backward made it (x.grad would be converted to x's layout).
  const torch::Tensor g = torch::randn(y.sizes()).to(y.scalar_type()).contiguous(format);
  return {y.detach(), torch::autograd::grad({y}, {x}, {g})[0]};
}

}  // namespace

TEST_CASE("glu_channels: LibTorch's GLU values, the gradient in the input's layout", "[core][glu]") {
  const auto dtype = GENERATE(torch::kFloat, torch::kBFloat16, torch::kDouble);
  torch::manual_seed(7);
  const torch::Tensor x = (3 * torch::randn({2, 10, 6, 7})).to(dtype);
  const Results plain = run(x, torch::MemoryFormat::Contiguous, false);

  SECTION("channels-last") {
    const Results last = run(x, torch::MemoryFormat::ChannelsLast, true);
    CHECK(last.dx.is_contiguous(torch::MemoryFormat::ChannelsLast));
    // (LibTorch 1.13's own glu hands back an NCHW gradient here, why glu_channels exists; not asserted,
    // as later LibTorch versions may allocate it like the input.)
    CHECK(relative_difference(last.y, plain.y) <= 4 * epsilon(dtype));
    CHECK(relative_difference(last.dx, plain.dx) <= 4 * epsilon(dtype));
  }
  SECTION("NCHW") {
    const Results ours = run(x, torch::MemoryFormat::Contiguous, true);
    CHECK(torch::equal(ours.y, plain.y));
    CHECK(torch::equal(ours.dx, plain.dx));
  }
  SECTION("a wrong half would be seen") {
    CHECK(relative_difference(plain.dx.narrow(1, 0, 5), plain.dx.narrow(1, 5, 5)) > 0.1);
  }
}
