// Spectral normalization against hand-computed values and an SVD.
#include <catch2/catch.hpp>

#include "ganrig/spectral_norm.hpp"

using namespace ganrig;

namespace {
Conv2dLayer one_by_one(bool transposed = false) {
  return Conv2dLayer(Conv2dLayerImpl::Options{2, 2, 1, 1, 0, 1, false, transposed, true});
}
void set_buffers(Conv2dLayer& layer, const torch::Tensor& w, const torch::Tensor& u) {
  torch::NoGradGuard g;
  layer->named_parameters()["weight_orig"].copy_(w.view({2, 2, 1, 1}));
  layer->named_buffers()["weight_u"].copy_(u);
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
  Conv2dLayer conv(Conv2dLayerImpl::Options{8, 16, 3, 1, 1, 1, true, false, true});
  conv->train();
  for (int i = 0; i < 100; ++i) conv->forward(torch::randn({1, 8, 4, 4}));
  const auto w = conv->effective_weight().detach().reshape({16, -1});
  const auto top = torch::linalg_svdvals(w)[0].item<double>();
  CHECK(top == Approx(1.0).epsilon(1e-4));
}

TEST_CASE("transposed convolutions normalise along dimension 1 as PyTorch does", "[spectral_norm]") {
  Conv2dLayer conv(Conv2dLayerImpl::Options{3, 5, 4, 2, 1, 1, false, true, true});
  CHECK(conv->named_buffers()["weight_u"].numel() == 5);
  CHECK(conv->named_buffers()["weight_v"].numel() == 3 * 4 * 4);
  CHECK(conv->forward(torch::randn({2, 3, 4, 4})).sizes() == std::vector<std::int64_t>{2, 5, 8, 8});
  for (int i = 0; i < 100; ++i) conv->forward(torch::randn({1, 3, 4, 4}));
  const auto w = conv->effective_weight().detach().permute({1, 0, 2, 3}).reshape({5, -1});
  CHECK(torch::linalg_svdvals(w)[0].item<double>() == Approx(1.0).epsilon(1e-4));
}

TEST_CASE("gradients flow to weight_orig through sigma", "[spectral_norm]") {
  Conv2dLayer conv(Conv2dLayerImpl::Options{4, 4, 3, 1, 1, 1, true, false, true});
  conv->forward(torch::randn({2, 4, 5, 5})).square().mean().backward();
  const auto grad = conv->named_parameters()["weight_orig"].grad();
  REQUIRE(grad.defined());
  CHECK(torch::isfinite(grad).all().item<bool>());
  CHECK(grad.abs().sum().item<double>() > 0);
}
