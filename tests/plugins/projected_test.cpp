// Projected discriminator, projectors, DiffAugment: shapes at 64, 224 and 256 inputs, frozen
// projector with gradients flowing through it, the MobileNetV2 golden test.
#include "catch_compat.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/train/experiment.hpp"
#include "ganrig/validate.hpp"
#include "ganrig/weight_file.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {
// An experiment-shaped config so the discriminator can build its [projector] and [augment].
struct Built {
  Config config;
  std::shared_ptr<Discriminator> d;
};

Config projected_config(const std::string& projector, const std::string& discriminator = "") {
  Config c = test::config_from_text("[dataset]\ntype = \"synthetic\"\n[generator]\ntype = \"fastgan\"\nngf = 8\nlite = true\n"
                                    "[discriminator]\ntype = \"projected\"\n" + discriminator +
                                    "[loss]\ntype = \"hinge\"\n[augment]\ntype = \"diffaugment\"\n"
                                    "[projector]\n" + projector, "projected.toml");
  validate_experiment(c, test::plugin_registry());
  return c;
}

template <class I>
std::shared_ptr<I> build_from(const Config& c, const std::string& table, std::int64_t resolution) {
  BuildContext ctx(test::plugin_registry(), c, {3, resolution}, 0);
  return ctx.build<I>(table);
}

const char* random_lite0 = "type = \"efficientnet_lite0\"\nallow_random = true\n";
const char* random_mobilenet = "type = \"mobilenet_v2\"\nallow_random = true\nweights = \"/nonexistent.bin\"\n";

std::vector<std::int64_t> sizes(const torch::Tensor& t) { return t.sizes().vec(); }
}  // namespace

TEST_CASE("projector taps at 64, 224 and 256 inputs", "[projected]") {
  for (const char* projector : {random_lite0, random_mobilenet}) {
    const Config c = projected_config(projector);
    auto p = build_from<Projector>(c, "projector", 64);
    for (std::int64_t r : {64, 224, 256}) {
      const auto taps = p->forward(torch::randn({1, 3, r, r}));
      REQUIRE(taps.size() == 4);
      const auto ch = p->channels();
      // /4, /8, /16, /32 with 'same'-style padding (ceil).
      for (int i = 0; i < 4; ++i) {
        const std::int64_t expected = (r + (4 << i) - 1) / (4 << i);
        CHECK(sizes(taps[i]) == std::vector<std::int64_t>{1, ch[i], expected, expected});
      }
    }
  }
}

TEST_CASE("projected discriminator logits at 64, 224 and 256", "[projected]") {
  const Config c = projected_config(random_lite0);
  // Below 224 the images are resized to 224: 4 discs of 4x4 logits; at 256, 5x5.
  CHECK(sizes(build_from<Discriminator>(c, "discriminator", 64)->forward(torch::randn({2, 3, 64, 64}))) ==
        std::vector<std::int64_t>{2, 64});
  CHECK(sizes(build_from<Discriminator>(c, "discriminator", 224)->forward(torch::randn({2, 3, 224, 224}))) ==
        std::vector<std::int64_t>{2, 64});
  CHECK(sizes(build_from<Discriminator>(c, "discriminator", 256)->forward(torch::randn({2, 3, 256, 256}))) ==
        std::vector<std::int64_t>{2, 100});
  // Without CSM the mini-discriminators start at /4: 3 down blocks for disc 0 at 256 -> 8x8 -> 5x5.
  const Config ccm = projected_config(random_lite0, "proj_type = 1\nnum_discs = 2\n");
  CHECK(sizes(build_from<Discriminator>(ccm, "discriminator", 256)->forward(torch::randn({2, 3, 256, 256}))) ==
        std::vector<std::int64_t>{2, 50});
}

TEST_CASE("per-size blocks in the mini-discriminators: inline keys, unmatched sizes are errors", "[projected]") {
  const auto d_params = [](const std::string& discriminator) {
    const Config c = projected_config(random_lite0, discriminator);
    return count_parameters(*build_from<Discriminator>(c, "discriminator", 64), true);
  };
  const auto conv = d_params("");
  const auto ghost = d_params("blocks = { 16 = { type = \"ghost\", ratio = 2 } }\n");
  CHECK(ghost < conv);  // every mini-discriminator's 16 -> 8 down block is a Ghost convolution
  CHECK(ghost > d_params("blocks = { 16 = \"dsc\" }\n"));
  REQUIRE_THROWS_WITH(d_params("blocks = { 1024 = \"dsc\" }\n"),
                      contains("projected.toml:") && contains("\"1024\" is not the input size of a down block"));
}

TEST_CASE("the projector gets no gradient while G gets gradients through it", "[projected]") {
  const Config c = projected_config(random_mobilenet, "block = \"dsc\"\n");
  auto g = build_from<Generator>(c, "generator", 32);
  auto d = build_from<Discriminator>(c, "discriminator", 32);
  d->train();
  const auto trainable = count_parameters(*d, true);
  CHECK(trainable > 0);
  CHECK(count_parameters(*d, false) - trainable > 2'000'000);  // projector + CCM + CSM are frozen
  (-d->forward(g->forward(torch::randn({2, 256}))).mean()).backward();
  for (const auto& p : d->named_parameters()) {
    INFO(p.key());
    if (p.key().rfind("projector.", 0) == 0 || p.key().rfind("ccm", 0) == 0 || p.key().rfind("csm", 0) == 0)
      CHECK_FALSE(p.value().grad().defined());
    else
      CHECK(p.value().grad().defined());
  }
  double g_grad = 0;
  for (const auto& p : g->parameters()) {
    REQUIRE(p.grad().defined());
    g_grad += p.grad().abs().sum().item<double>();
  }
  CHECK(g_grad > 0);
  // The projector stays in eval mode when D trains.
  for (const auto& m : d->named_modules())
    if (m.key().rfind("projector", 0) == 0) CHECK_FALSE(m.value()->is_training());
}

TEST_CASE("a missing projector weight file says which command creates it", "[projected]") {
  REQUIRE_THROWS_WITH(build_from<Projector>(projected_config("type = \"mobilenet_v2\"\nweights = \"/no/weights.bin\"\n"),
                                            "projector", 64),
                      contains("tools/fetch-weights.sh") && contains("/no/weights.bin"));
  REQUIRE_THROWS_WITH(build_from<Projector>(projected_config("type = \"efficientnet_lite0\"\nweights = \"/no/lite0.bin\"\n"),
                                            "projector", 64),
                      contains("tools/export_efficientnet_lite0.py") && contains("allow_random"));
}

TEST_CASE("mobilenet_v2 features equal TensorFlow.js on the same weights (golden)", "[projected][golden]") {
  const fs::path weights = cache_dir() / "weights" / "mobilenet_v2-nsfwjs-4.3.0.bin";
  INFO("needs " << weights << ": run tools/fetch-weights.sh");
  REQUIRE(fs::exists(weights));
  std::ifstream in(test::fixture("golden/mobilenet_v2_taps.json"));
  const auto golden = nlohmann::json::parse(in);
  const Config c = projected_config("type = \"mobilenet_v2\"\n");
  auto p = build_from<Projector>(c, "projector", 224);
  // The fixed input of tools/nsfwjs/golden.js: 0.9 sin(0.05 h + 0.03 w + 1.7 c + 0.9 n), NHWC -> NCHW.
  auto n = torch::arange(2).view({2, 1, 1, 1}), ch = torch::arange(3).view({1, 3, 1, 1});
  auto h = torch::arange(224).view({1, 1, 224, 1}), w = torch::arange(224).view({1, 1, 1, 224});
  const auto x = (0.9 * torch::sin(0.05 * h + 0.03 * w + 1.7 * ch + 0.9 * n)).to(torch::kFloat32);
  auto taps = p->forward(x);
  // The /16 tap can also be block_10_project_BN (pure ImageNet features).
  auto pure = build_from<Projector>(projected_config("type = \"mobilenet_v2\"\ntap16 = \"block_10_project_BN\"\n"),
                                    "projector", 224);
  const std::vector<std::pair<std::string, torch::Tensor>> checks = {{"block_2_add", taps[0]},
                                                                     {"block_5_add", taps[1]},
                                                                     {"block_12_add", taps[2]},
                                                                     {"block_10_project_BN", pure->forward(x)[2]},
                                                                     {"block_16_project_BN", taps[3]}};
  for (const auto& [name, tensor] : checks) {
    INFO(name);
    const auto& g = golden["taps"][name];
    CHECK(tensor.sizes().vec() == g["shape_nchw"].get<std::vector<std::int64_t>>());
    const double scale = g["mean_abs"].get<double>();
    CHECK(std::abs(tensor.mean().item<double>() - g["mean"].get<double>()) < 1e-3 * scale);
    CHECK(std::abs(tensor.abs().mean().item<double>() - scale) < 1e-3 * scale);
    const auto flat = tensor.contiguous().view({-1});
    double worst = 0;
    for (const auto& s : g["samples"])
      worst = std::max(worst, std::abs(flat[s["index"].get<std::int64_t>()].item<double>() - s["value"].get<double>()));
    CHECK(worst < 2e-3 * std::max(1.0, scale));
  }
}

TEST_CASE("diffaugment keeps shapes, is differentiable and random per sample", "[projected][augment]") {
  const Config c = projected_config(random_lite0);
  auto augment = build_from<Augment>(c, "augment", 32);
  auto x = torch::rand({8, 3, 32, 32}, torch::requires_grad());
  torch::manual_seed(1);
  const auto a = augment->forward(x);
  CHECK(a.sizes() == x.sizes());
  a.sum().backward();
  CHECK(x.grad().abs().sum().item<double>() > 0);
  torch::manual_seed(1);
  CHECK(torch::equal(augment->forward(x), a.detach()));  // from the seeded generator
  torch::manual_seed(2);
  CHECK_FALSE(torch::equal(augment->forward(x), a.detach()));
  // Cutout alone zeroes a 20% square (side 6 of 32, clipped at borders) per sample.
  auto only_cutout = test::component_table("augment", "type = \"diffaugment\"\ncolor = false\ntranslation = false\n");
  BuildContext ctx(test::plugin_registry(), only_cutout.config, {3, 32}, 0);
  auto cutout = std::static_pointer_cast<Augment>(build_component(test::plugin_registry(), "augment", only_cutout.view(), ctx));
  const auto ones = torch::ones({16, 3, 32, 32});
  const auto zeroed = (cutout->forward(ones) == 0).to(torch::kFloat).mean({1, 2, 3});
  CHECK(zeroed.max().item<double>() <= 36.0 / 1024.0 + 1e-6);
  CHECK(zeroed.min().item<double>() > 0);
}
