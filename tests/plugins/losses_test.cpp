// Hinge and non-saturating losses against hand-computed values.
#include "catch_compat.hpp"

#include <cmath>

#include "ganrig/train/stats.hpp"
#include "support.hpp"

using namespace ganrig;

namespace {
// G(z) = a constant image equal to z[:, 0]; D(x) = mean over pixels: logits are easy to predict.
class ConstantG : public Generator {
 public:
  torch::Tensor forward(const torch::Tensor& z, const ganrig::Condition& = {}) override {
    return z.narrow(1, 0, 1).view({-1, 1, 1, 1}).expand({z.size(0), 1, 4, 4}) * scale;
  }
  std::int64_t latent_dim() const override { return 2; }
  torch::Tensor scale = register_parameter("scale", torch::ones({}));
};
class MeanD : public Discriminator {
 public:
  torch::Tensor forward(const torch::Tensor& x, const ganrig::Condition& = {}) override { return x.mean({1, 2, 3}).view({-1, 1}) + bias; }
  torch::Tensor bias = register_parameter("bias", torch::zeros({}));
};

std::shared_ptr<Loss> loss(const std::string& name) {
  const auto table = test::component_table("loss", "type = \"" + name + "\"\n");
  BuildContext ctx(test::plugin_registry(), table.config, {}, 0);
  return std::static_pointer_cast<Loss>(build_component(test::plugin_registry(), "loss", table.view(), ctx));
}

double softplus(double x) { return std::log1p(std::exp(x)); }
}  // namespace

TEST_CASE("hinge and non-saturating losses", "[losses]") {
  ConstantG g;
  MeanD d;
  TickStats stats;
  const auto real = torch::full({2, 1, 4, 4}, 0.5);
  const auto z = torch::tensor({-2.0f, 0.0f, -2.0f, 0.0f}).view({2, 2});  // fake logits -2
  const Condition unconditional;
  LossInputs in{g, d, real, z, stats, unconditional, unconditional};
  auto hinge = loss("hinge");
  CHECK(hinge->discriminator_loss(in).item<double>() == Approx(0.5 + 0.0));  // relu(1-0.5) + relu(1-2)
  CHECK(hinge->generator_loss(in).item<double>() == Approx(2.0));           // -(-2)
  auto ns = loss("nonsaturating");
  CHECK(ns->discriminator_loss(in).item<double>() == Approx(softplus(-0.5) + softplus(-2.0)));
  CHECK(ns->generator_loss(in).item<double>() == Approx(softplus(2.0)));
  CHECK(stats.means().at("D/real") == Approx(0.5));
  CHECK(stats.means().at("D/fake") == Approx(-2.0));
}

TEST_CASE("the G loss reaches G through D, the D loss does not reach G", "[losses]") {
  ConstantG g;
  MeanD d;
  TickStats stats;
  const auto real = torch::full({2, 1, 4, 4}, 0.5);
  const auto z = torch::full({2, 2}, -2.0f);
  const Condition unconditional;
  LossInputs in{g, d, real, z, stats, unconditional, unconditional};
  auto hinge = loss("hinge");
  hinge->generator_loss(in).backward();
  REQUIRE(g.scale.grad().defined());
  CHECK(g.scale.grad().item<double>() == Approx(2.0));  // d(-(-2 * scale))/d scale
  g.scale.mutable_grad() = torch::Tensor();
  d.bias.mutable_grad() = torch::Tensor();
  hinge->discriminator_loss(in).backward();
  CHECK_FALSE(g.scale.grad().defined());
  REQUIRE(d.bias.grad().defined());
  CHECK(d.bias.grad().item<double>() == Approx(-1.0 + 0.0));  // d/db relu(1 - (0.5 + b)) + relu(1 + (-2 + b))
}
