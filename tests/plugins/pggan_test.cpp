// PGGAN: shapes at every resolution, the alpha mix exact at 0, 0.5 and 1, equalized learning-rate
// scaling, the minibatch-stddev channel, the gradient penalty on a hand-computable case, the schedule.
#include "catch_compat.hpp"

#include "ganrig/layers.hpp"
#include "ganrig/conv2d_layer.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
template <class I>
std::shared_ptr<I> build(const std::string& kind, const std::string& toml, ImageShape shape) {
  const auto table = test::component_table(kind, toml);
  BuildContext ctx(test::plugin_registry(), table.config, shape, 0);
  return std::static_pointer_cast<I>(build_component(test::plugin_registry(), kind, table.view(), ctx));
}
const std::string small = "type = \"pggan\"\nfmap_base = 256\nfmap_max = 32\n";

bool close(const torch::Tensor& a, const torch::Tensor& b) { return torch::allclose(a, b, 1e-5, 1e-6); }
}  // namespace

TEST_CASE("pggan shapes at every resolution", "[pggan]") {
  torch::manual_seed(0);
  auto g = build<Generator>("generator", small + "latent_dim = 16\n", {3, 32});
  auto d = build<Discriminator>("discriminator", small, {3, 32});
  for (std::int64_t r : {4, 8, 16, 32}) {
    dynamic_cast<Growing&>(*g).set_growth(r, 1.0);
    dynamic_cast<Growing&>(*d).set_growth(r, 1.0);
    const auto images = g->forward(torch::randn({4, 16}));
    CHECK(images.sizes() == std::vector<std::int64_t>{4, 3, r, r});
    CHECK(d->forward(images).sizes() == std::vector<std::int64_t>{4, 1});
  }
  // Channels min(fmap_base / 2^stage, fmap_max): 32 everywhere here but 16 at 32x32 (stage 4).
  CHECK(g->named_parameters()["to_rgb_32.weight"].size(1) == 16);
}

TEST_CASE("pggan fade-in mixes old and new paths exactly by alpha", "[pggan]") {
  torch::manual_seed(1);
  auto g = build<Generator>("generator", small + "latent_dim = 16\n", {3, 16});
  auto d = build<Discriminator>("discriminator", small, {3, 16});
  auto& gg = dynamic_cast<Growing&>(*g);
  auto& dg = dynamic_cast<Growing&>(*d);
  const auto z = torch::randn({4, 16});
  gg.set_growth(8, 1.0);
  const auto old_path = torch::upsample_nearest2d(g->forward(z), {16, 16});
  gg.set_growth(16, 1.0);
  const auto new_path = g->forward(z);
  gg.set_growth(16, 0.0);
  CHECK(close(g->forward(z), old_path));
  gg.set_growth(16, 0.5);
  CHECK(close(g->forward(z), 0.5 * old_path + 0.5 * new_path));
  gg.set_growth(16, 1.0);
  CHECK(close(g->forward(z), new_path));
  // D: at alpha 0 the 16x16 input is judged through the 8x8 path on its 2x2 average.
  const auto x = torch::randn({4, 3, 16, 16});
  dg.set_growth(8, 1.0);
  const auto d_old = d->forward(torch::avg_pool2d(x, 2));
  dg.set_growth(16, 0.0);
  CHECK(close(d->forward(x), d_old));
}

TEST_CASE("equalized learning rate scales by gain / sqrt(fan_in) at run time", "[pggan]") {
  Conv2dLayer conv(ConvOptions(16, 8, 3).padding(1).equalized_gain(std::sqrt(2.0)));
  const auto w = conv->named_parameters()["weight"];
  CHECK(w.std().item<double>() == Approx(1.0).epsilon(0.1));  // N(0, 1) storage
  CHECK(conv->named_parameters()["bias"].abs().sum().item<double>() == 0.0);
  const auto x = torch::randn({2, 16, 5, 5});
  CHECK(close(conv->forward(x), torch::conv2d(x, w * (std::sqrt(2.0) / std::sqrt(16.0 * 9.0)), {}, 1, 1)));
  EqualizedLinear dense(64, 4, 1.0);
  CHECK(dense->scale() == Approx(1.0 / 8.0));
  const auto v = torch::randn({3, 64});
  CHECK(close(dense->forward(v), torch::matmul(v, dense->weight.t()) / 8.0));
}

TEST_CASE("minibatch stddev appends the group standard deviation", "[pggan]") {
  // 4 samples, group size 2: groups {0, 2} and {1, 3} (sample g*M + m is member g of group m).
  auto x = torch::zeros({4, 2, 1, 1});
  x[0].fill_(1.0);
  x[2].fill_(3.0);  // group 0: values 1 and 3 -> std 1
  x[1].fill_(5.0);
  x[3].fill_(5.0);  // group 1: equal -> std sqrt(1e-8)
  const auto y = minibatch_stddev(x, 2);
  REQUIRE(y.sizes() == std::vector<std::int64_t>{4, 3, 1, 1});
  CHECK(y[0][2][0][0].item<double>() == Approx(1.0));
  CHECK(y[2][2][0][0].item<double>() == Approx(1.0));
  CHECK(y[1][2][0][0].item<double>() == Approx(1e-4).margin(1e-6));
  CHECK(torch::equal(y.narrow(1, 0, 2), x));
  REQUIRE_THROWS(minibatch_stddev(torch::zeros({3, 2, 1, 1}), 2));
  CHECK(pixel_norm(torch::full({1, 4, 1, 1}, 3.0)).mean().item<double>() == Approx(1.0));
}

TEST_CASE("the gradient penalty on a linear D is lambda (||w|| - 1)^2", "[pggan][losses]") {
  // D(x) = sum(w * x): the gradient is w everywhere, ||w|| = 2, so the penalty is 10 * (2 - 1)^2 = 10,
  // whatever the interpolation. With real = 0, fake = 1 (constant images): D(real) = 0, D(fake) = sum(w).
  class LinearD : public Discriminator {
   public:
    torch::Tensor forward(const torch::Tensor& x, const Condition& = {}) override {
      return (x * w).sum({1, 2, 3}).unsqueeze(1);
    }
    torch::Tensor w = register_parameter("w", torch::full({1, 1, 2, 2}, 1.0));  // ||w|| = 2
  };
  class OnesG : public Generator {
   public:
    torch::Tensor forward(const torch::Tensor& z, const Condition& = {}) override {
      return torch::ones({z.size(0), 1, 2, 2}) + 0 * z.sum();
    }
    std::int64_t latent_dim() const override { return 1; }
  };
  LinearD d;
  OnesG g;
  TickStats stats;
  const auto real = torch::zeros({3, 1, 2, 2});
  const auto z = torch::zeros({3, 1});
  const auto table = test::component_table("loss", "type = \"wgan_gp\"\n");
  BuildContext ctx(test::plugin_registry(), table.config, {}, 0);
  auto loss = std::static_pointer_cast<Loss>(build_component(test::plugin_registry(), "loss", table.view(), ctx));
  const Condition unconditional;
  const auto value = loss->discriminator_loss({g, d, real, z, stats, unconditional, unconditional}).item<double>();
  // D(fake) - D(real) = 4, penalty 10, drift 0.001 * 0.
  CHECK(value == Approx(4.0 + 10.0));
  CHECK(stats.means().at("loss/gradient_penalty") == Approx(1.0));
  CHECK(loss->generator_loss({g, d, real, z, stats, unconditional, unconditional}).item<double>() == Approx(-4.0));
}

TEST_CASE("the progressive schedule: stabilize, fade, phases", "[pggan][schedule]") {
  Config c = test::config_from_text("[schedule]\ntype = \"progressive\"\nstabilize_kimg = 1\nfade_kimg = 2\n"
                                    "batch = { 16 = 8 }\nlr_generator = { 16 = 0.5 }\n[train]\nbatch = 32\n",
                                    "schedule.toml");
  validate_table(c, "schedule", test::plugin_registry().find("schedule", "progressive")->schema, test::plugin_registry(),
                 "schedule", true);
  BuildContext ctx(test::plugin_registry(), c, {3, 16}, 0);
  auto s = ctx.build<Schedule>("schedule");
  auto at = [&](std::int64_t nimg) { return s->at(nimg); };
  CHECK(at(0).resolution == 4);
  CHECK(at(999).resolution == 4);
  CHECK(at(1000).resolution == 4);  // fade starts: alpha for 8 rises from here
  CHECK(at(1500).resolution == 8);
  CHECK(at(1500).alpha == Approx(0.25));
  CHECK(at(2000).alpha == Approx(0.5));
  CHECK(at(3000).resolution == 8);
  CHECK(at(3000).alpha == 1.0);
  CHECK(at(5000).resolution == 16);
  CHECK(at(5000).alpha == Approx(0.5));
  CHECK(at(100000).resolution == 16);
  CHECK(at(100000).alpha == 1.0);
  CHECK(at(0).batch == 32);
  CHECK(at(100000).batch == 8);
  CHECK(at(100000).lr_generator == 0.5);
  CHECK(at(0).lr_generator == 0.0);  // 0: keep [optim.generator] lr
  // Phases change at the start and the end of each fade (the official optimizer resets).
  CHECK(at(0).phase == 0);
  CHECK(at(1500).phase == 1);
  CHECK(at(3000).phase == 2);
  CHECK(at(4500).phase == 3);
  CHECK(at(6000).phase == 4);
}
