// Metrics by registration: the built-in families, and a new metric added by one definition and
// one registration line (this file), parsed and evaluated like the built-ins.
#include "catch_compat.hpp"

#include <fmt/format.h>

#include "ganrig/error.hpp"
#include "ganrig/metrics/metric_family.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {

// Sliced Wasserstein distance, reduced to its simplest form for the test: the distance between
// the feature means.
MetricFamily mean_distance_family() {
  MetricFamily f;
  f.name = "swd";
  f.description = "distance of the feature means (test)";
  f.scalar = "swd";
  f.compare = [](const MetricSpec&, const torch::Tensor& real, const torch::Tensor& fake) {
    return nlohmann::json{{"swd", (real.mean(0) - fake.mean(0)).norm().item<double>()}};
  };
  f.format = [](const nlohmann::json& v) { return fmt::format("{:.3f}", v["swd"].get<double>()); };
  return f;
}

[[maybe_unused]] const bool registered = register_metric_family(mean_distance_family());

}  // namespace

TEST_CASE("metric families are looked up by registration, a new one included", "[metrics]") {
  CHECK(metric_family_names() == std::vector<std::string>{"fid", "kid", "pr", "swd"});
  const MetricSpec spec = parse_metric("swd2k_incv3nsfw");
  CHECK(spec.family == "swd");
  CHECK(spec.num_generated == 2000);
  CHECK(spec.has_scalar);
  const torch::Tensor real = torch::zeros({4, 3}), fake = torch::ones({4, 3});
  const auto values = metric_family("swd").compare(spec, real, fake);
  CHECK(values["swd"].get<double>() == Approx(std::sqrt(3.0)));
  CHECK(metric_family("fid").scalar == "fid");
  CHECK(metric_family("pr").takes_neighbours);
  CHECK_FALSE(metric_family("pr").scalar.size());
  REQUIRE_THROWS_WITH(parse_metric("swd2k3"), contains("only meaningful for pr"));
  REQUIRE_THROWS_WITH(metric_family("mmd"), contains("unknown metric family 'mmd'") && contains("fid, kid, pr, swd"));
}
