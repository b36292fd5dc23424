// Every experiment file validates; ablation twins differ from their parent only where they say.
#include <catch2/catch.hpp>

#include "ganrig/train/experiment.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

namespace {
std::unique_ptr<Experiment> load(const fs::path& file) {
  ExperimentOptions options;
  options.file = file;
  return load_experiment(options);
}
}  // namespace

TEST_CASE("every file under experiments/ validates", "[experiments]") {
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(test::source_dir() / "experiments")) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path().string());
    CHECK_NOTHROW(load(entry.path()));
    ++count;
  }
  CHECK(count >= 2);
}

TEST_CASE("the DCGAN dsc twin differs from its parent only in block keys", "[experiments]") {
  const fs::path dir = test::source_dir() / "experiments" / "dcgan";
  auto parent = load(dir / "dcgan_fashion-mnist32.toml");
  auto twin = load(dir / "dcgan-dsc_fashion-mnist32.toml");
  const std::vector<std::string> skip = {"experiment"};  // name and description differ by design
  Config a = parent->config, b = twin->config;
  a.table_at("generator")->erase("block");
  a.table_at("discriminator")->erase("block");
  b.table_at("generator")->erase("block");
  b.table_at("discriminator")->erase("block");
  CHECK(to_toml(a, false, skip) == to_toml(b, false, skip));
  CHECK(twin->config.table_at("generator")->get("block")->value<std::string>() == "dsc");
  CHECK(parent->config.table_at("generator")->get("block")->value<std::string>() == "conv");
}
