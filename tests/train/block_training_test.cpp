// Every block trains: a 1-kimg DCGAN run on Fashion-MNIST 32x32 with the block in both networks
// moves the generated sample grid off its flat start (the depthwise-separable generator once stayed
// flat grey for 12 kimg, issue 23), and a generator that cannot learn is reported flat.
#include "catch_compat.hpp"

#include <fstream>
#include <iostream>
#include <iterator>

#include "ganrig/train/trainer.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

namespace {

// Pixel standard deviation (0-255 scale) of a sample grid written by the "ppm" sink.
double grid_spread(const fs::path& grid) { return test::read_netpbm(grid).to(torch::kFloat64).std().item<double>(); }

fs::path train_for(const std::string& name, const std::vector<std::string>& overrides) {
  const fs::path dir = test::temp_dir(name);
  auto e = test::fixture_experiment("train/tiny_fmnist_eval.toml", overrides);
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  train(*e, o);
  return dir;
}

}  // namespace

TEST_CASE("a 1-kimg DCGAN run with each block moves its sample grid off the flat start", "[loop][blocks]") {
  for (const auto& block : test::plugin_registry().names("block")) {
    INFO("block " << block);
    const fs::path dir = train_for("block-" + block, {"dataset.limit=2048", "train.batch=64", "train.total_kimg=1",
                                                      "train.tick_kimg=0.512", "train.sample_kimg=0.512",
                                                      "train.snapshot_kimg=1", "eval.metrics=[]",
                                                      "generator.block=" + block, "discriminator.block=" + block});
    const double start = grid_spread(dir / "samples" / "fakes-000000000.pgm");
    const double end = grid_spread(dir / "samples" / "fakes-000001024.pgm");
    INFO("pixel std of the grid: " << start << " at 0 kimg, " << end << " at 1.024 kimg");
    std::cout << "block " << block << ": sample grid pixel std " << start << " at 0 kimg, " << end << " at 1.024 kimg\n";
    CHECK(start < 5);   // DCGAN's N(0, 0.02) starts near a constant image
    CHECK(end > 10);    // structure: the standard generator reaches ~19 here
    const auto stats = test::read_stats(dir);
    REQUIRE(!stats.empty());
    CHECK(stats.back().at("samples/flat_grids").get<int>() == 0);
    CHECK(stats.back().at("samples/pixel_std").get<double>() == Approx(end).margin(1.0));
  }
}

TEST_CASE("a generator that does not learn: flat grids are counted in stats.jsonl and shown on the report page",
          "[loop]") {
  // Learning rate 0: G keeps DCGAN's near-constant initial output.
  const fs::path dir = train_for("flat-samples", {"optim.generator.lr=0", "eval.metrics=[]", "train.total_kimg=0.048"});
  const auto stats = test::read_stats(dir);
  REQUIRE(stats.size() == 3);  // ticks at 0.016, 0.032, 0.048 kimg; grids at 0.032 and 0.048 (the end)
  CHECK(stats[0].at("samples/flat_grids").get<int>() == 0);
  CHECK_FALSE(stats[0].contains("samples/flat"));
  CHECK(stats[1].at("samples/flat").get<int>() == 1);
  CHECK(stats[1].at("samples/pixel_std").get<double>() < 2.0);
  CHECK(stats[2].at("samples/flat_grids").get<int>() == 2);
  // The report page carries them (report.js turns them into the warning at the top of the page;
  // tests/cli/report_browser.sh checks it in Chromium).
  std::ifstream page(dir / "report.html");
  const std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  CHECK(html.find("\"samples/flat\":1") != std::string::npos);
  CHECK(html.find("flatSampleWarnings") != std::string::npos);

}
