// The metric detectors of the nsfwjs InceptionV3 port: feature sizes, weight errors, and the
// golden test against TensorFlow.js running the same quantised model (tools/nsfwjs/golden.js).
#include "catch_compat.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/build_context.hpp"
#include "ganrig/detector.hpp"
#include "ganrig/weight_file.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {
std::shared_ptr<Detector> detector(const std::string& name, const std::string& keys = "") {
  const auto table = test::component_table("detector", "type = \"" + name + "\"\n" + keys);
  BuildContext ctx(test::plugin_registry(), table.config, {3, 64}, 0);
  return std::static_pointer_cast<Detector>(
      build_component(test::plugin_registry(), "detector", table.view(), ctx));
}
}  // namespace

TEST_CASE("incv3nsfw detectors give 2048 (mixed10) and 768 (mixed5) features from any image size", "[metrics][inception]") {
  const std::string random = "allow_random = true\nweights = \"/nonexistent.bin\"\n";
  auto full = detector("incv3nsfw", random), m5 = detector("incv3nsfw_m5", random);
  const auto grey = torch::randint(0, 256, {2, 1, 32, 32}, torch::kUInt8);
  CHECK(full->features(grey).sizes() == torch::IntArrayRef({2, 2048}));
  CHECK(m5->features(torch::randint(0, 256, {1, 3, 64, 64}, torch::kUInt8)).sizes() == torch::IntArrayRef({1, 768}));
  CHECK(full->weights_sha256() == "random");
  CHECK_THAT(full->preprocessing(), contains("299") && contains("x/255"));
  REQUIRE_THROWS_WITH(detector("incv3nsfw", "weights = \"/no/inception.bin\"\n"),
                      contains("/no/inception.bin") && contains("tools/fetch-weights.sh"));
}

TEST_CASE("inception torchscript detector says where to get the file when it is missing", "[metrics][inception]") {
  REQUIRE_THROWS_WITH(detector("inception", "file = \"/no/inception-2015-12-05.pt\"\n"),
                      contains("/no/inception-2015-12-05.pt") && contains("README") && contains("incv3nsfw"));
}

TEST_CASE("incv3nsfw features equal TensorFlow.js on the same weights (golden)", "[metrics][inception][golden]") {
  const fs::path weights = cache_dir() / "weights" / "inception_v3-nsfwjs-4.3.0.bin";
  INFO("needs " << weights << ": run tools/fetch-weights.sh");
  REQUIRE(fs::exists(weights));
  std::ifstream in(test::fixture("golden/inception_v3_taps.json"));
  const auto golden = nlohmann::json::parse(in);
  // golden.js's input as uint8 images: round(255 (0.5 + 0.45 sin(0.05 h + 0.03 w + 1.7 c + 0.9 n))), 299x299.
  auto n = torch::arange(2, torch::kFloat64).view({2, 1, 1, 1}), ch = torch::arange(3, torch::kFloat64).view({1, 3, 1, 1});
  auto h = torch::arange(299, torch::kFloat64).view({1, 1, 299, 1}), w = torch::arange(299, torch::kFloat64).view({1, 1, 1, 299});
  const auto images = torch::round(255 * (0.5 + 0.45 * torch::sin(0.05 * h + 0.03 * w + 1.7 * ch + 0.9 * n))).to(torch::kUInt8);
  auto full = detector("incv3nsfw");
  CHECK(full->weights_sha256().size() == 64);
  const torch::Tensor features = full->features(images);
  const auto& g = golden["taps"]["flatten_1"];
  REQUIRE(features.sizes().vec() == g["shape_nchw"].get<std::vector<std::int64_t>>());
  const double scale = g["mean_abs"].get<double>();
  CHECK(std::abs(features.mean().item<double>() - g["mean"].get<double>()) < 2e-3 * scale);
  CHECK(std::abs(features.abs().mean().item<double>() - scale) < 2e-3 * scale);
  const auto flat = features.contiguous().view({-1});
  double worst = 0, largest = 0;
  for (const auto& s : g["samples"]) {
    worst = std::max(worst, std::abs(flat[s["index"].get<std::int64_t>()].item<double>() - s["value"].get<double>()));
    largest = std::max(largest, std::abs(s["value"].get<double>()));
  }
  CHECK(worst < 2e-3 * std::max(largest, 1e-2));
}
