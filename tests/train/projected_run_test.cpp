// Short CPU trainings of Projected GAN and Faster Projected GAN: finite losses, sample grids.
#include "catch_compat.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/train/trainer.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

namespace {
void short_run(const std::vector<std::string>& overrides, const std::string& name) {
  auto e = test::fixture_experiment("train/tiny_pg.toml", overrides);
  TrainOptions o;
  o.run_dir = test::temp_dir(name);
  o.quiet = true;
  const auto result = train(*e, o);
  CHECK(result.cur_nimg == 8);
  const auto stats = test::read_stats(o.run_dir);
  CHECK(stats.size() == 2);
  for (const auto& s : stats) {
    CHECK(std::isfinite(s.at("loss/G").get<double>()));
    CHECK(std::isfinite(s.at("loss/D").get<double>()));
  }
  CHECK(fs::exists(o.run_dir / "samples" / "fakes-000000008.ppm"));
  CHECK(fs::exists(o.run_dir / "checkpoints" / "snapshot-000000008.pt"));
  // A run on random projector weights says so.
  std::ifstream env(o.run_dir / "env.json");
  const auto pretrained = nlohmann::json::parse(env).at("pretrained_weights");
  REQUIRE(pretrained.contains("discriminator.projector"));
  CHECK(pretrained["discriminator.projector"].get<std::string>().rfind("random", 0) == 0);
}
}  // namespace

TEST_CASE("a short CPU training of Projected GAN", "[projected][loop]") { short_run({}, "pg-run"); }

TEST_CASE("a short CPU training of Faster Projected GAN", "[projected][loop]") {
  short_run({"generator.block=dsc"}, "fpg-run");
}
