// A conditional run (the tiny DCGAN with cond = true on 3 labelled synthetic classes): it trains,
// resumes bitwise, samples one grid row per class, records its classes in the checkpoint,
// generates by class, and reports a metric per class; an unconditional run on a labelled dataset
// trains what it trained before labels existed.
#include "catch_compat.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/inference.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/trainer.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kConditional = {"dataset.classes=3", "generator.cond=true", "discriminator.cond=true"};

std::unique_ptr<Experiment> tiny(std::vector<std::string> overrides) {
  return test::fixture_experiment("train/tiny.toml", overrides);
}

TrainOptions options_for(const fs::path& dir) {
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  return o;
}

// Every tensor of the checkpoint's networks, by name.
std::map<std::string, torch::Tensor> weights_of(const fs::path& checkpoint, const std::vector<std::string>& overrides) {
  auto e = tiny(overrides);
  return test::checkpoint_weights(checkpoint, *e);
}

void check_bitwise_equal(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}


}  // namespace

TEST_CASE("a conditional run trains, resumes bitwise and samples one row per class", "[conditional][loop][resume]") {
  const fs::path straight = test::temp_dir("cond-straight"), split = test::temp_dir("cond-split");
  {
    auto e = tiny(kConditional);
    const auto result = train(*e, options_for(straight));
    CHECK(result.cur_nimg == 160);
  }
  {
    auto e = tiny(kConditional);
    auto o = options_for(split);
    o.stop_after_ticks = 2;
    train(*e, o);
  }
  {
    auto e = tiny(kConditional);
    auto o = options_for(split);
    o.resume_from = latest_checkpoint(split);
    train(*e, o);
  }
  const fs::path last = "checkpoints/snapshot-000000160.pt";
  check_bitwise_equal(weights_of(straight / last, kConditional), weights_of(split / last, kConditional));
  // Grids: 3 rows (one per class) of grid_cols samples, reals and fakes.
  for (const char* grid : {"samples/reals.ppm", "samples/fakes-000000160.ppm"}) {
    INFO(grid);
    CHECK(test::read_netpbm(straight / grid).size(0) == 3 * 16);
  }
  // The checkpoint names its classes; the stats are finite.
  CheckpointParts parts;
  read_checkpoint(straight / last, parts);
  CHECK(checkpoint_class_names(parts.state) == std::vector<std::string>{"class0", "class1", "class2"});
  for (const auto& s : test::read_stats(straight)) CHECK(std::isfinite(s.at("loss/D").get<double>()));
}

TEST_CASE("a conditional generator generates by class, from the checkpoint alone", "[conditional][inference]") {
  const fs::path dir = test::temp_dir("cond-generate");
  {
    auto e = tiny(kConditional);
    auto o = options_for(dir);
    o.stop_after_ticks = 1;
    train(*e, o);
  }
  GeneratorLoadOptions load;
  load.register_components = test::add_test_components;  // the synthetic dataset
  const TrainedGenerator g = TrainedGenerator::load(latest_checkpoint(dir), load);
  CHECK(g.class_names() == std::vector<std::string>{"class0", "class1", "class2"});
  CHECK(g.class_index("class2") == 2);
  CHECK(g.class_index("1") == 1);
  CHECK_THROWS_WITH(g.class_index("class7"), contains("not a class of this generator") && contains("2 = \"class2\""));
  const torch::Tensor z = seed_latents({0, 0}, g.latent_dim());
  const torch::Tensor images = g.generate(z, torch::tensor({0, 2}, torch::kLong));
  CHECK(images.sizes() == std::vector<std::int64_t>{2, 3, 16, 16});
  CHECK((images[0] - images[1]).abs().max().item<double>() > 1e-3);  // same z, other class
  // The second image alone, with its class: the same image. Not bit for bit: oneDNN may take other
  // kernels for a batch of 1 than of 2 (on an Intel Xeon VM they differ in the last bits; on an AMD
  // EPYC they did not), so to fp32 rounding of the [-1, 1] pixels.
  const torch::Tensor alone = g.generate(z.narrow(0, 1, 1), torch::tensor({2}, torch::kLong))[0];
  INFO("batch of 2 against alone: largest difference " << (images[1] - alone).abs().max().item<double>());
  CHECK((images[1] - alone).abs().max().item<double>() < 1e-5);
  CHECK_THROWS_WITH(g.generate(z), contains("give one class per latent"));
  CHECK_THROWS_WITH(g.generate(z, torch::tensor({0, 3}, torch::kLong)), contains("class labels must be in [0, 3)"));
}

TEST_CASE("an unconditional run on a labelled dataset trains exactly as on an unlabelled one", "[conditional][loop]") {
  const fs::path plain = test::temp_dir("uncond-plain"), labelled = test::temp_dir("uncond-labelled");
  {
    auto e = tiny({});
    train(*e, options_for(plain));
  }
  {
    auto e = tiny({"dataset.classes=3"});
    train(*e, options_for(labelled));
  }
  const fs::path last = "checkpoints/snapshot-000000160.pt";
  check_bitwise_equal(weights_of(plain / last, {}), weights_of(labelled / last, {"dataset.classes=3"}));
}

TEST_CASE("per-class metrics of a conditional run are in metrics.jsonl", "[conditional][metrics]") {
  const fs::path dir = test::temp_dir("cond-metrics");
  struct CacheGuard {
    std::string saved = std::getenv("GANRIG_CACHE") ? std::getenv("GANRIG_CACHE") : "";
    CacheGuard() { setenv("GANRIG_CACHE", test::temp_dir("cond-eval-cache").c_str(), 1); }
    ~CacheGuard() { saved.empty() ? unsetenv("GANRIG_CACHE") : setenv("GANRIG_CACHE", saved.c_str(), 1); }
  } guard;
  auto overrides = kConditional;
  for (const char* o : {"eval.metrics=[\"kid64_pixels\"]", "eval.interval_kimg=0.08", "eval.batch=16",
                        "eval.per_class=true"})
    overrides.push_back(o);
  {
    auto e = tiny(overrides);
    auto o = options_for(dir);
    o.stop_after_ticks = 2;
    train(*e, o);
  }
  const auto lines = test::read_jsonl(dir / "metrics.jsonl");
  REQUIRE(lines.size() == 1);
  const auto& per_class = lines[0]["per_class"];
  REQUIRE(per_class.size() == 3);
  std::int64_t generated = 0;
  for (const char* name : {"class0", "class1", "class2"}) {
    INFO(name);
    CHECK(per_class[name]["num_real"] == 8);  // 24 synthetic images, i % 3
    CHECK(per_class[name]["value"].is_number());
    generated += per_class[name]["num_generated"].get<std::int64_t>();
  }
  CHECK(generated == 64);
  CHECK(lines[0]["protocol"]["generator"].get<std::string>().find("class labels") != std::string::npos);
}
