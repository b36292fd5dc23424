// Evaluation: real-feature cache keyed by the pixels, metrics during training into
// metrics.jsonl with protocol and noise floor, best.pt, resume, and config errors.
#include "catch_compat.hpp"

#include "ganrig/in_memory_dataset.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/build_context.hpp"
#include "ganrig/metrics/evaluator.hpp"
#include "ganrig/metrics/real_features.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/trainer.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

class FixedImages : public InMemoryDataset {
 public:
  explicit FixedImages(torch::Tensor images) { hold(std::move(images), false, "fixed"); }
};

std::shared_ptr<Detector> pixels() {
  const Config c = test::config_from_text("", "detector.toml");
  BuildContext ctx(test::plugin_registry(), c, {3, 16}, 0);
  return ctx.named<Detector>("pixels", "test");
}

std::size_t files_in(const fs::path& folder) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(folder)) n += e.path().extension() == ".pt";
  return n;
}

std::unique_ptr<Experiment> tiny(const std::vector<std::string>& overrides) {
  return test::fixture_experiment("train/tiny.toml", overrides);
}

using test::read_jsonl;

}  // namespace

TEST_CASE("real features are cached by pixels, detector and protocol, and recomputed when they change", "[metrics]") {
  const fs::path cache = test::temp_dir("real-cache");
  auto detector = pixels();
  torch::manual_seed(0);
  FixedImages a(torch::randint(0, 256, {20, 3, 16, 16}, torch::kUInt8));
  const RealFeatures first = real_features(a, *detector, "pixels", 0, cache, 8);
  CHECK_FALSE(first.from_cache);
  CHECK(first.features.sizes() == torch::IntArrayRef({20, 48}));
  const RealFeatures again = real_features(a, *detector, "pixels", 0, cache, 8);
  CHECK(again.from_cache);
  CHECK(again.key == first.key);
  CHECK(torch::equal(again.features, first.features));
  CHECK(files_in(cache) == 1);
  // One changed pixel is a different dataset: a new key, new features, the old file kept.
  torch::Tensor changed = a.images().clone();
  changed[3][1][2][2] = static_cast<std::uint8_t>((changed[3][1][2][2].item<int>() + 1) % 256);
  FixedImages b(changed);
  const RealFeatures other = real_features(b, *detector, "pixels", 0, cache, 8);
  CHECK_FALSE(other.from_cache);
  CHECK(other.key != first.key);
  CHECK(files_in(cache) == 2);
  // A subset of the reals is another protocol.
  const RealFeatures subset = real_features(a, *detector, "pixels", 10, cache, 8);
  CHECK(subset.key != first.key);
  CHECK(subset.features.size(0) == 10);
  // A damaged cache file is recomputed, not trusted.
  for (const auto& e : fs::directory_iterator(cache))
    if (e.path().extension() == ".pt") std::ofstream(e.path(), std::ios::trunc) << "garbage";
  const RealFeatures repaired = real_features(a, *detector, "pixels", 0, cache, 8);
  CHECK_FALSE(repaired.from_cache);
  CHECK(torch::equal(repaired.features, first.features));
}

TEST_CASE("training appends metrics with protocol and noise floor, keeps best.pt, and resumes", "[metrics][train]") {
  const fs::path dir = test::temp_dir("eval-run");
  // Real features go to a private cache (restored however the test ends).
  struct CacheGuard {
    std::string saved = std::getenv("GANRIG_CACHE") ? std::getenv("GANRIG_CACHE") : "";
    CacheGuard() { setenv("GANRIG_CACHE", test::temp_dir("eval-cache").c_str(), 1); }
    ~CacheGuard() { saved.empty() ? unsetenv("GANRIG_CACHE") : setenv("GANRIG_CACHE", saved.c_str(), 1); }
  } guard;
  const std::vector<std::string> overrides = {"eval.metrics=[\"kid64_pixels\", \"fid64_pixels\", \"pr64_pixels\"]",
                                              "eval.interval_kimg=0.08", "eval.batch=16"};
  {
    auto e = tiny(overrides);
    TrainOptions o;
    o.run_dir = dir;
    o.quiet = true;
    o.stop_after_ticks = 2;  // 0.08 kimg: one evaluation
    train(*e, o);
  }
  auto lines = read_jsonl(dir / "metrics.jsonl");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["metric"] == "kid64_pixels");
  CHECK(lines[0]["value"].is_number());
  CHECK(lines[0]["nimg"] == 80);
  CHECK(lines[0]["protocol"]["num_generated"] == 64);
  CHECK(lines[0]["protocol"]["num_real"] == 24);
  CHECK(lines[0]["protocol"]["detector"] == "pixels");
  CHECK(lines[0]["protocol"]["detector_weights_sha256"] == "no-weights");
  CHECK(lines[0]["noise_floor"]["images_per_half"] == 12);
  CHECK(lines[0]["noise_floor"]["value"] == lines[0]["noise_floor"]["kid"]);
  CHECK(lines[1]["values"]["fid"].get<double>() > 0);
  CHECK(lines[2]["value"].is_null());
  CHECK(lines[2]["values"]["precision"].get<double>() >= 0);
  CHECK(lines[0]["snapshot"] == "snapshot-000000080.pt");
  CHECK(fs::exists(dir / "best.pt"));
  // A stray line from an evaluation after the last checkpoint (a kill) is dropped on resume.
  std::ofstream(dir / "metrics.jsonl", std::ios::app) << R"({"metric":"kid64_pixels","nimg":120,"value":-1})" << "\n";
  {
    auto e = tiny(overrides);
    TrainOptions o;
    o.run_dir = dir;
    o.quiet = true;
    o.resume_from = latest_checkpoint(dir);
    train(*e, o);
  }
  lines = read_jsonl(dir / "metrics.jsonl");
  REQUIRE(lines.size() == 6);  // evaluations at 0.08 and at the end (0.16)
  CHECK(lines[3]["nimg"] == 160);
  for (const auto& l : lines) CHECK(l["value"] != -1);
}

TEST_CASE("[eval] metrics errors name the position and the grammar or the known detectors", "[metrics]") {
  REQUIRE_THROWS_WITH(tiny({"eval.metrics=[\"fid5k_nosuch\"]"}), contains("--set #1") && contains("nosuch") &&
                                                                        contains("pixels"));
  REQUIRE_THROWS_WITH(tiny({"eval.metrics=[\"fidfive\"]"}), contains("<fid|kid|pr"));
}
