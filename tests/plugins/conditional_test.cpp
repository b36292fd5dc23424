// Class-conditional components: parameter counts equal to the official Projected GAN classes
// (FastganSynthesisCond, SingleDiscCond), the condition changes what they compute, a conditional
// component on an unlabelled dataset is a located error, the conditional DCGAN.
#include "catch_compat.hpp"

#include "ganrig/train/experiment.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {

std::vector<std::string> names(std::int64_t classes) {
  std::vector<std::string> out;
  for (std::int64_t k = 0; k < classes; ++k) out.push_back("class" + std::to_string(k));
  return out;
}

template <class I>
std::shared_ptr<I> build(const std::string& kind, const std::string& toml, std::int64_t resolution, std::int64_t classes,
                         std::int64_t channels = 3) {
  const auto table = test::component_table(kind, toml);
  BuildContext ctx(test::plugin_registry(), table.config, {channels, resolution}, 0);
  ctx.set_class_names(names(classes));
  return std::static_pointer_cast<I>(build_component(test::plugin_registry(), kind, table.view(), ctx));
}

torch::Tensor one_hot(std::vector<std::int64_t> labels, std::int64_t classes) {
  return torch::one_hot(torch::tensor(labels, torch::kLong), classes).to(torch::kFloat32);
}

Config projected_config(const std::string& discriminator) {
  Config c = test::config_from_text("[dataset]\ntype = \"synthetic\"\n[generator]\ntype = \"fastgan\"\nngf = 8\nlite = true\n"
                                    "[discriminator]\ntype = \"projected\"\n" + discriminator +
                                    "[loss]\ntype = \"hinge\"\n[augment]\ntype = \"diffaugment\"\n"
                                    "[projector]\ntype = \"efficientnet_lite0\"\nallow_random = true\n",
                                    "projected_cond.toml");
  validate_experiment(c, test::plugin_registry());
  return c;
}

std::shared_ptr<Discriminator> projected(const std::string& discriminator, std::int64_t classes) {
  const Config c = projected_config(discriminator);
  BuildContext ctx(test::plugin_registry(), c, {3, 64}, 0);
  ctx.set_class_names(names(classes));
  return ctx.build<Discriminator>("discriminator");
}

}  // namespace

TEST_CASE("the conditional fastgan has the official FastganSynthesisCond's parameter count", "[conditional][fastgan]") {
  // pg_modules.networks_fastgan.Generator(z_dim=256, c_dim=10, img_resolution=256, ngf=16, cond=1,
  // synthesis_kwargs={"lite": ...}): sum(p.numel() for p in G.parameters()) with the official code
  // (autonomousvision/projected-gan, python3-torch 1.13): 3619707 (lite), 4318817 (big blocks).
  // Its embedding has 1000 rows whatever c_dim (num_classes is never passed), as ours by default.
  CHECK(count_parameters(*build<Generator>("generator", "type = \"fastgan\"\nngf = 16\nlite = true\ncond = true\n", 256, 10),
                         false) == 3619707);
  CHECK(count_parameters(*build<Generator>("generator", "type = \"fastgan\"\nngf = 16\nlite = false\ncond = true\n", 256, 10),
                         false) == 4318817);
  // The same count for 3 classes: the official embedding never depends on c_dim.
  CHECK(count_parameters(*build<Generator>("generator", "type = \"fastgan\"\nngf = 16\nlite = true\ncond = true\n", 256, 3),
                         false) == 3619707);
}

TEST_CASE("the conditional projected discriminator has the official SingleDiscCond's parameter count",
          "[conditional][projected]") {
  // Sum over the four mini-discriminators of SingleDiscCond(nc, start_sz) for the EfficientNet-lite0
  // CCM + CSM outputs (nc 64, 64, 128, 256 at 128, 64, 32, 16), from the official classes:
  // 3481472 + 3415744 + 3284288 + 2759232; unconditional SingleDisc: 10331328.
  CHECK(count_parameters(*projected("cond = true\n", 10), true) == 12940736);
  CHECK(count_parameters(*projected("", 10), true) == 10331328);
}

TEST_CASE("the condition changes the conditional networks' outputs, and is required", "[conditional]") {
  torch::manual_seed(0);
  auto g = build<Generator>("generator", "type = \"fastgan\"\nngf = 8\nlite = true\ncond = true\n", 32, 4);
  g->eval();
  CHECK(g->classes() == 4);
  const torch::Tensor z = torch::randn({2, 256});
  const torch::Tensor a = g->forward(z, one_hot({0, 0}, 4)), b = g->forward(z, one_hot({3, 3}, 4));
  CHECK(a.sizes() == std::vector<std::int64_t>{2, 3, 32, 32});
  CHECK((a - b).abs().max().item<double>() > 1e-4);
  CHECK_THROWS_WITH(g->forward(z), contains("needs one-hot class labels [B, 4]"));

  auto d = build<Discriminator>("discriminator", "type = \"dcgan\"\nndf = 8\ncond = true\n", 16, 4, 1);
  d->eval();
  const torch::Tensor x = torch::randn({2, 1, 16, 16});
  CHECK((d->forward(x, one_hot({0, 1}, 4)) - d->forward(x, one_hot({2, 3}, 4))).abs().max().item<double>() > 1e-6);
  CHECK_THROWS_WITH(d->forward(x), contains("conditional dcgan discriminator needs one-hot class labels"));

  auto dcgan_g = build<Generator>("generator", "type = \"dcgan\"\nlatent_dim = 8\nngf = 8\ncond = true\n", 16, 4, 1);
  dcgan_g->eval();
  const torch::Tensor w = torch::randn({2, 8});
  CHECK((dcgan_g->forward(w, one_hot({0, 0}, 4)) - dcgan_g->forward(w, one_hot({1, 1}, 4))).abs().max().item<double>() > 1e-6);
}

TEST_CASE("an unconditional network ignores the condition", "[conditional]") {
  torch::manual_seed(0);
  auto g = build<Generator>("generator", "type = \"dcgan\"\nlatent_dim = 8\nngf = 8\n", 16, 4, 1);
  g->eval();
  CHECK(g->classes() == 0);
  const torch::Tensor z = torch::randn({2, 8});
  CHECK(torch::equal(g->forward(z), g->forward(z, one_hot({1, 2}, 4))));
}

TEST_CASE("a conditional component on an unlabelled dataset is a located error", "[conditional]") {
  for (const char* kind : {"generator", "discriminator"}) {
    INFO(kind);
    CHECK_THROWS_WITH(build<void>(kind, "type = \"dcgan\"\ncond = true\n", 16, 0),
                      contains(".toml:3:") && contains("cond = true needs a labelled dataset"));
  }
  CHECK_THROWS_WITH(build<Generator>("generator", "type = \"fastgan\"\ncond = true\nclass_embeddings = 3\n", 32, 5),
                    contains("class_embeddings = 3 is fewer than the dataset's 5 classes"));
}
