// Every experiment file validates; ablation twins differ from their parent only where they say.
#include "catch_compat.hpp"

#include "ganrig/error.hpp"
#include "ganrig/train/experiment.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

namespace {
// A recipe whose images are the user's own (the CelebA-HQ paper recipe) names a placeholder
// [dataset] path, which validation checks exists: it is validated with a folder that does.
std::unique_ptr<Experiment> load(const fs::path& file) {
  ExperimentOptions options;
  options.file = file;
  try {
    return load_experiment(options);
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.find("[dataset] path: \"cache/") == std::string::npos || what.find("does not exist") == std::string::npos)
      throw;
  }
  options.overrides = {"dataset.path=" + (test::source_dir() / "tests" / "fixtures").string()};
  return load_experiment(options);
}
}  // namespace

TEST_CASE("every file under experiments/ validates", "[experiments]") {
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(test::source_dir() / "experiments")) {
    if (entry.path().extension() != ".toml") continue;
    const auto folder = entry.path().parent_path().filename();
    if (folder == "sweeps" || folder == "tables") continue;  // checked by `ganrig validate` as such
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

TEST_CASE("every DSC ablation differs from its parent only in block keys", "[experiments]") {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(test::source_dir() / "experiments" / "faster_projected_gan")) {
    if (entry.path().extension() != ".toml") continue;
    const auto folder = entry.path().parent_path().filename();
    if (folder == "sweeps" || folder == "tables") continue;  // checked by `ganrig validate` as such
    INFO(entry.path().string());
    const toml::table raw = toml::parse_file(entry.path().string());
    const auto* parent_name = raw.get("inherits")->as_array()->get(0)->as_string();
    REQUIRE(parent_name);
    auto child = load(entry.path());
    auto parent = load(entry.path().parent_path() / parent_name->get());
    Config a = parent->config, b = child->config;
    for (Config* c : {&a, &b})
      for (const char* table : {"generator", "discriminator"})
        for (const char* key : {"block", "blocks"}) c->table_at(table)->erase(key);
    CHECK(to_toml(a, false, {"experiment"}) == to_toml(b, false, {"experiment"}));
    CHECK(to_toml(parent->config, false, {"experiment"}) != to_toml(child->config, false, {"experiment"}));
    ++count;
  }
  CHECK(count >= 5);
}
