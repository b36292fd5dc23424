// Spectral normalization against hand-computed values and an SVD.
#include "catch_compat.hpp"

#include "ganrig/autocast_compat.hpp"
#include "ganrig/conv2d_layer.hpp"
#include "ganrig/spectral_norm.hpp"

using namespace ganrig;

namespace {
Conv2dLayer one_by_one(bool transposed = false) {
  return Conv2dLayer(ConvOptions(2, 2, 1).bias(false).transposed(transposed).spectral_norm(true));
}
void set_buffers(Conv2dLayer& layer, const torch::Tensor& w, const torch::Tensor& u) {
  torch::NoGradGuard g;
  layer->named_parameters()["weight_orig"].copy_(w.view({2, 2, 1, 1}));
  layer->named_buffers()["weight_u"].copy_(u);
}
// Autograd's sigma = u^T W v for a layer's weight_orig, with u and v as the layer's buffers hold them.
torch::Tensor autograd_sigma(Conv2dLayer& layer, const ConvOptions& o) {
  const auto weight = layer->named_parameters()["weight_orig"];
  auto buffers = layer->named_buffers();
  const auto matrix = o.transposed() ? weight.permute({1, 0, 2, 3}).reshape({o.out_channels(), -1})
                                     : weight.reshape({o.out_channels(), -1});
  return torch::dot(buffers["weight_u"].clone(), torch::mv(matrix, buffers["weight_v"].clone()));
}
}  // namespace

TEST_CASE("one power iteration matches the hand computation", "[spectral_norm]") {
  // W = [[3, 0], [0, 1]], u0 = [1, 1]/sqrt(2):
  // v1 = normalize(W^T u0) = [3, 1]/sqrt(10); u1 = normalize(W v1) = [9, 1]/sqrt(82);
  // sigma = u1 . W v1 = sqrt(8.2).
  auto layer = one_by_one();
  const auto w = torch::tensor({3.0f, 0.0f, 0.0f, 1.0f}).view({2, 2});
  set_buffers(layer, w, torch::tensor({1.0f, 1.0f}) / std::sqrt(2.0f));
  layer->train();
  const auto out = layer->forward(torch::eye(2).view({2, 2, 1, 1}));  // columns of W / sigma
  const double sigma = std::sqrt(8.2);
  CHECK(out[0][0].item<double>() == Approx(3.0 / sigma).epsilon(1e-6));
  CHECK(out[1][1].item<double>() == Approx(1.0 / sigma).epsilon(1e-6));
  const auto u = layer->named_buffers()["weight_u"];
  CHECK(u[0].item<double>() == Approx(9.0 / std::sqrt(82.0)).epsilon(1e-6));
  const auto v = layer->named_buffers()["weight_v"];
  CHECK(v[0].item<double>() == Approx(3.0 / std::sqrt(10.0)).epsilon(1e-6));
}

TEST_CASE("eval mode does not update u and v", "[spectral_norm]") {
  auto layer = one_by_one();
  layer->eval();
  const auto u_before = layer->named_buffers()["weight_u"].clone();
  layer->forward(torch::randn({1, 2, 3, 3}));
  CHECK(torch::equal(u_before, layer->named_buffers()["weight_u"]));
  layer->train();
  layer->forward(torch::randn({1, 2, 3, 3}));
  CHECK_FALSE(torch::equal(u_before, layer->named_buffers()["weight_u"]));
}

TEST_CASE("after many training steps the top singular value is 1", "[spectral_norm]") {
  torch::manual_seed(3);
  Conv2dLayer conv(ConvOptions(8, 16, 3).padding(1).spectral_norm(true));
  conv->train();
  for (int i = 0; i < 100; ++i) conv->forward(torch::randn({1, 8, 4, 4}));
  const auto w = conv->effective_weight().detach().reshape({16, -1});
  const auto top = torch::linalg_svdvals(w)[0].item<double>();
  CHECK(top == Approx(1.0).epsilon(1e-4));
}

TEST_CASE("transposed convolutions normalise along dimension 1 as PyTorch does", "[spectral_norm]") {
  torch::manual_seed(3);  // 100 power iterations from a random start: seeded, so never flaky
  Conv2dLayer conv(ConvOptions(3, 5, 4).stride(2).padding(1).bias(false).transposed(true).spectral_norm(true));
  CHECK(conv->named_buffers()["weight_u"].numel() == 5);
  CHECK(conv->named_buffers()["weight_v"].numel() == 3 * 4 * 4);
  CHECK(conv->forward(torch::randn({2, 3, 4, 4})).sizes() == std::vector<std::int64_t>{2, 5, 8, 8});
  for (int i = 0; i < 100; ++i) conv->forward(torch::randn({1, 3, 4, 4}));
  const auto w = conv->effective_weight().detach().permute({1, 0, 2, 3}).reshape({5, -1});
  CHECK(torch::linalg_svdvals(w)[0].item<double>() == Approx(1.0).epsilon(1e-4));
}

TEST_CASE("gradients flow to weight_orig through sigma", "[spectral_norm]") {
  Conv2dLayer conv(ConvOptions(4, 4, 3).padding(1).spectral_norm(true));
  conv->forward(torch::randn({2, 4, 5, 5})).square().mean().backward();
  const auto grad = conv->named_parameters()["weight_orig"].grad();
  REQUIRE(grad.defined());
  CHECK(torch::isfinite(grad).all().item<bool>());
  CHECK(grad.abs().sum().item<double>() > 0);
}

TEST_CASE("dividing the output instead of the weight by sigma changes nothing but rounding", "[spectral_norm][speed]") {
  // Large weight, small output (FastGAN's InitLayer: the output is divided) and small weight, large
  // output (the weight is divided), plain and transposed, with and without bias: forward and the
  // gradients of input and weight_orig against conv(x, effective_weight) + bias.
  struct Case {
    ConvOptions options;
    std::vector<std::int64_t> input;
  };
  const std::vector<Case> cases = {
      // transposed 1x1 -> 4x4: output divided
      {ConvOptions(64, 32, 4).bias(false).transposed(true).spectral_norm(true), {2, 64, 1, 1}},
      // 4x4 s2 down to 4x4 with bias: output divided
      {ConvOptions(16, 32, 4).stride(2).padding(1).spectral_norm(true), {2, 16, 8, 8}},
      // 3x3 at 32x32: weight divided
      {ConvOptions(4, 8, 3).padding(1).spectral_norm(true), {2, 4, 32, 32}},
  };
  for (const auto& c : cases) {
    torch::manual_seed(3);
    Conv2dLayer layer(c.options);
    layer->train();
    const auto x = torch::randn(c.input, torch::requires_grad());
    const auto out = layer->forward(x);
    const auto weight_orig = layer->named_parameters()["weight_orig"];
    // sigma from the updated u, v as the forward used them.
    const torch::Tensor w = weight_orig / autograd_sigma(layer, c.options);
    const auto& o = c.options;
    const auto bias = o.bias() ? layer->named_parameters()["bias"] : torch::Tensor();
    const auto expected = o.transposed() ? torch::conv_transpose2d(x, w, bias, o.stride(), o.padding())
                                         : torch::conv2d(x, w, bias, o.stride(), o.padding());
    CHECK(torch::allclose(out, expected, 1e-5, 1e-6));
    const auto g = torch::randn_like(out);
    const auto grads = torch::autograd::grad({out}, {x, weight_orig}, {g});
    const auto expected_grads = torch::autograd::grad({expected}, {x, weight_orig}, {g});
    CHECK(torch::allclose(grads[0], expected_grads[0], 1e-4, 1e-6));
    CHECK(torch::allclose(grads[1], expected_grads[1], 1e-4, 1e-6));
  }
}

TEST_CASE("inside an optimisation step each module iterates once, at its first forward", "[spectral_norm]") {
  auto layer = one_by_one();
  const auto w = torch::tensor({3.0f, 0.0f, 0.0f, 1.0f}).view({2, 2});
  set_buffers(layer, w, torch::tensor({1.0f, 1.0f}) / std::sqrt(2.0f));
  layer->train();
  const auto x = torch::eye(2).view({2, 2, 1, 1});
  torch::Tensor after_first, first_out, second_out;
  {
    SpectralNormStep step;
    first_out = layer->forward(x);
    after_first = layer->named_buffers()["weight_u"].clone();
    second_out = layer->forward(x);  // a second micro-batch of the same step: same u, same sigma
    CHECK(torch::equal(layer->named_buffers()["weight_u"], after_first));
    CHECK(torch::equal(first_out, second_out));
  }
  {
    SpectralNormStep next;  // the next step iterates again
    layer->forward(x);
    CHECK_FALSE(torch::equal(layer->named_buffers()["weight_u"], after_first));
  }
  const auto before = layer->named_buffers()["weight_u"].clone();
  layer->forward(x);  // outside a step: PyTorch's behaviour, every forward iterates
  CHECK_FALSE(torch::equal(layer->named_buffers()["weight_u"], before));
}

TEST_CASE("sigma from the power iteration's own W v equals u^T W v, value and gradient bit for bit", "[spectral_norm][speed]") {
  // Autograd's u^T W v, with u and v as they are after the iteration, for the weight matrix as
  // SpectralNorm takes it (dim 0: conv; dim 1: transposed conv). Checked at the iterating forward,
  // at a later forward of the same step (the saved W v), and after an in-place write to the weight
  // within the step (the saved W v is stale and must not be used), and in eval mode.
  torch::manual_seed(5);
  for (const std::int64_t dim : {0, 1}) {
    torch::nn::Module owner;
    const auto shape = dim == 0 ? std::vector<std::int64_t>{16, 8, 3, 3} : std::vector<std::int64_t>{3, 5, 4, 4};
    torch::Tensor weight = owner.register_parameter("weight_orig", torch::randn(shape));
    SpectralNorm sn(owner, weight, dim);
    auto reference = [&] {
      const torch::Tensor w = dim == 0 ? weight.reshape({shape[0], -1}) : weight.permute({1, 0, 2, 3}).reshape({shape[1], -1});
      return torch::dot(sn.u().clone(), torch::mv(w, sn.v().clone()));
    };
    auto gradient = [&](const torch::Tensor& sigma) { return torch::autograd::grad({sigma}, {weight})[0]; };
    SpectralNormStep step;
    for (const std::string when : {"iterating forward", "later forward", "after a write to the weight", "eval mode"}) {
      if (when == "after a write to the weight") {
        torch::NoGradGuard no_grad;
        weight.mul_(1.5);
      }
      const torch::Tensor ours = sn.sigma(weight, when != "eval mode");
      const torch::Tensor expected = reference();
      INFO("dim " << dim << ", " << when);
      CHECK(torch::equal(ours, expected));
      const torch::Tensor our_gradient = gradient(ours);
      CHECK(torch::equal(our_gradient, gradient(expected)));
      // Made in the weight's layout: for dim 1 autograd's own comes back through a permute.
      CHECK(our_gradient.is_contiguous());
    }
  }
}

namespace {
// The layer's forward, and the same operations written out with autograd's u^T W v on the leaf
// weight, optionally under CPU autocast to bf16 (then the layer lets autocast cast the leaf weight):
// output and the gradients of the input and of weight_orig, bit for bit.
void check_against_autograd(Conv2dLayer& layer, const ConvOptions& o, const torch::Tensor& x, bool bf16) {
  const auto weight = layer->named_parameters()["weight_orig"];
  ganrig::autocast::set(false, bf16, torch::kBFloat16);
  const auto out = layer->forward(x);
  const auto sigma = autograd_sigma(layer, o);
  torch::Tensor expected;
  if (o.transposed())
    expected = torch::mm(x.reshape({x.size(0), -1}), weight.reshape({weight.size(0), -1})).view(out.sizes()) / sigma;
  else if (weight.numel() > out.numel())
    expected = torch::conv2d(x, weight, {}, o.stride(), o.padding()) / sigma;
  else
    expected = torch::conv2d(x, weight / sigma, {}, o.stride(), o.padding());
  ganrig::autocast::set(false, false, torch::kBFloat16);
  at::autocast::clear_cache();
  REQUIRE(out.scalar_type() == (bf16 ? torch::kBFloat16 : torch::kFloat));
  REQUIRE(torch::equal(out, expected));
  const auto g = torch::randn_like(out);
  const auto grads = torch::autograd::grad({out}, {x, weight}, {g});
  const auto expected_grads = torch::autograd::grad({expected}, {x, weight}, {g});
  CHECK(torch::equal(grads[0], expected_grads[0]));
  CHECK(torch::equal(grads[1], expected_grads[1]));
}
}  // namespace

TEST_CASE("a layer's weight gradient, through the convolution and sigma summed in place, is autograd's bit for bit",
          "[spectral_norm][speed]") {
  // The InitLayer's matrix product with the output divided (dim 1), a convolution with the output
  // divided and one with the weight divided (dim 0); fp32, bf16 autocast, and fp32 after an in-place
  // write to the weight (the power iteration's saved W v must not be used).
  struct Case {
    ConvOptions options;
    std::vector<std::int64_t> input;
  };
  const std::vector<Case> cases = {
      {ConvOptions(64, 32, 4).bias(false).transposed(true).spectral_norm(true), {2, 64, 1, 1}},
      {ConvOptions(16, 32, 4).stride(2).padding(1).bias(false).spectral_norm(true), {2, 16, 8, 8}},
      {ConvOptions(4, 8, 3).padding(1).bias(false).spectral_norm(true), {2, 4, 32, 32}},
  };
  for (const auto& c : cases) {
    torch::manual_seed(7);
    Conv2dLayer layer(c.options);
    layer->train();
    const auto x = torch::randn(c.input, torch::requires_grad());
    for (const std::string pass : {"fp32", "bf16", "fp32 after a write to the weight"}) {
      INFO("input " << x.sizes() << ", " << pass);
      if (pass == "fp32 after a write to the weight") {
        torch::NoGradGuard no_grad;
        layer->named_parameters()["weight_orig"].mul_(0.5);
      }
      check_against_autograd(layer, c.options, x, pass == "bf16");
    }
  }
}

TEST_CASE("a transposed convolution of a 1x1 input, computed as one matrix product, equals conv_transpose2d",
          "[conv][speed]") {
  // FastGAN's InitLayer (latent -> 4x4) runs as torch::mm; the plain kernel is the reference.
  torch::manual_seed(5);
  Conv2dLayer layer(ConvOptions(48, 24, 4).bias(true).transposed(true));
  const auto x = torch::randn({3, 48, 1, 1}, torch::requires_grad());
  const auto out = layer->forward(x);
  const auto w = layer->named_parameters()["weight"], b = layer->named_parameters()["bias"];
  const auto expected = torch::conv_transpose2d(x, w, b);
  REQUIRE(out.sizes() == expected.sizes());
  CHECK(torch::allclose(out, expected, 1e-6, 1e-7));
  const auto g = torch::randn_like(out);
  const auto grads = torch::autograd::grad({out}, {x, w, b}, {g});
  const auto expected_grads = torch::autograd::grad({expected}, {x, w, b}, {g});
  for (int i = 0; i < 3; ++i) CHECK(torch::allclose(grads[i], expected_grads[i], 1e-5, 1e-6));
}
