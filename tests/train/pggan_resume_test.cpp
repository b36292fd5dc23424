// PGGAN through the loop: growing changes resolution and alpha in stats.jsonl; resuming in the
// middle of a fade continues alpha and resolution exactly (bitwise-equal weights).
#include "catch_compat.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/inference.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/trainer.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

namespace {
// 4 -> 8 -> 16 with 0.016 kimg stabilize and 0.016 kimg fade; batch 4 (8 at 16x16), ticks of 0.008
// kimg: tick 3 ends in the middle of the first fade.
const char* kTiny = R"(
[experiment]
name = "tiny_pggan"
seed = 11
[dataset]
type = "synthetic"
count = 16
resolution = 16
channels = 1
[schedule]
type = "progressive"
stabilize_kimg = 0.016
fade_kimg = 0.016
batch = { 16 = 8 }
[generator]
type = "pggan"
latent_dim = 8
fmap_base = 64
fmap_max = 16
[discriminator]
type = "pggan"
fmap_base = 64
fmap_max = 16
mbstd_group_size = 4
[loss]
type = "wgan_gp"
[optim.generator]
lr = 1e-3
betas = [0.0, 0.99]
[optim.discriminator]
lr = 1e-3
betas = [0.0, 0.99]
[train]
batch = 4
total_kimg = 0.08
tick_kimg = 0.008
snapshot_kimg = 0.008
sample_kimg = 0.04
ema_beta = 0.999
[exec]
device = "cpu"
threads = 1
sample_format = "ppm"
)";

std::unique_ptr<Experiment> tiny() {
  auto e = std::make_unique<Experiment>();
  test::add_build_plugins(e->registry);
  test::add_test_components(e->registry);
  e->config = test::config_from_text(kTiny, "tiny_pggan.toml");
  validate_experiment(e->config, e->registry);
  return e;
}

TrainOptions options(const fs::path& dir) {
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  return o;
}
}  // namespace

TEST_CASE("pggan grows through the loop and resumes mid-fade exactly", "[pggan][loop][resume]") {
  const fs::path straight = test::temp_dir("pggan-straight"), split = test::temp_dir("pggan-split");
  train(*tiny(), options(straight));
  {
    auto o = options(split);
    o.stop_after_ticks = 3;  // 0.024 kimg: half-way through the fade to 8x8
    train(*tiny(), o);
  }
  {
    auto o = options(split);
    o.resume_from = latest_checkpoint(split);
    train(*tiny(), o);
  }
  const auto a = test::read_stats(straight), b = test::read_stats(split);
  REQUIRE(a.size() == b.size());
  // Resolution and alpha of the tick that ended mid-fade (tick 3, 0.024 kimg), and growth later.
  CHECK(a[2].at("resolution") == 8);
  CHECK(a[2].at("alpha").get<double>() == Approx(0.25));  // last step started at 0.020 kimg
  CHECK(a.back().at("resolution") == 16);
  CHECK(a.back().at("batch") == 8);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("tick " << i + 1);
    CHECK(a[i].at("resolution") == b[i].at("resolution"));
    CHECK(a[i].at("alpha").get<double>() == b[i].at("alpha").get<double>());
    CHECK(a[i].at("loss/D").get<double>() == b[i].at("loss/D").get<double>());
  }
  // Final weights bitwise equal.
  auto e = tiny();
  Models m1 = build_models(*e), m2 = build_models(*e);
  CheckpointParts p1, p2;
  p1.generator = m1.generator.get();
  p1.discriminator = m1.discriminator.get();
  p2.generator = m2.generator.get();
  p2.discriminator = m2.discriminator.get();
  read_checkpoint(latest_checkpoint(straight), p1);
  read_checkpoint(latest_checkpoint(split), p2);
  CHECK(latest_checkpoint(straight).filename() == latest_checkpoint(split).filename());
  auto w1 = m1.generator->named_parameters(), w2 = m2.generator->named_parameters();
  for (const auto& item : w1) {
    INFO(item.key());
    CHECK(torch::equal(item.value(), w2[item.key()]));
  }
  auto d1 = m1.discriminator->named_parameters(), d2 = m2.discriminator->named_parameters();
  for (const auto& item : d1) CHECK(torch::equal(item.value(), d2[item.key()]));
}

TEST_CASE("a progressive checkpoint generates at its resolution and fade-in", "[pggan][inference]") {
  const fs::path run = test::temp_dir("pggan-inference");
  auto o = options(run);
  o.stop_after_ticks = 3;  // mid-fade to 8x8, alpha 0.25 at the last step
  train(*tiny(), o);
  GeneratorLoadOptions load;
  load.register_components = test::add_test_components;  // the synthetic dataset
  for (const std::string weights : {"ema", "raw"}) {
    load.weights = weights;
    const TrainedGenerator g = TrainedGenerator::load(run, load);
    CHECK(g.nimg() == 24);
    CHECK(g.resolution() == 8);
    CHECK(g.alpha() == Approx(0.25));
    CHECK(g.generator_type() == "pggan");
    const torch::Tensor images = g.generate(seed_latents({0, 1, 2}, g.latent_dim()));
    CHECK(images.sizes() == torch::IntArrayRef{3, 1, 8, 8});
    // The weights asked for: the EMA and the raw generator give different images.
    static torch::Tensor first;
    if (weights == "ema") first = images;
    else CHECK_FALSE(torch::equal(first, images));
  }
  CHECK_THROWS_WITH(TrainedGenerator::load(run / "nothing-here", load), ganrig_test::contains("no such run folder"));
}
