// libFuzzer target over the config loader and validator: the input is an experiment file (which
// may inherit the fixed parents written next to it) plus up to 8 `#set KEY=VALUE` lines taken as
// --set overrides. Every input must end in success or a ganrig ConfigError/Error; anything else
// (another exception, a crash, a sanitizer report, a hang) is a finding. Build: tools/fuzz.sh.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "ganrig/registry.hpp"
#include "ganrig/validate.hpp"

namespace fs = std::filesystem;
using namespace ganrig;

namespace {

// Components with one field of every value type, so inputs reach every check of the validator.
Schema every_type_schema() {
  Schema s;
  s.boolean("flag", false, "");
  s.integer("count", 4, "").range(1, 1024);
  s.real("rate", 0.5, "").range(0, 1);
  s.string("mode", "a", "").one_of({"a", "b", "conv"});
  s.integers("sizes", {4, 8}, "").range(4, 1024);
  s.reals("betas", {0.0, 0.99}, "").exactly(2);
  s.strings("names", {}, "");
  s.integer_table("batch_at", "");
  s.real_table("lr_at", "");
  s.string_table("labels", "");
  s.component("block", "block", "conv", "");
  s.component_table("blocks", "block", "");
  return s;
}

const Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry();
    for (const char* kind : {"generator", "discriminator", "loss", "dataset", "augment", "projector", "schedule"})
      reg->add_erased(kind, "x", "", every_type_schema(), {});
    for (const char* name : {"conv", "dsc"}) {
      Schema block;
      block.integer("ratio", 2, "").range(1, 8);
      reg->add_erased("block", name, "", block, {});
    }
    return reg;
  }();
  return *r;
}

const fs::path& work_dir() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("ganrig-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::ofstream(d / "base.toml") << "[generator]\ntype = \"x\"\n[discriminator]\ntype = \"x\"\n"
                                      "[loss]\ntype = \"x\"\n[dataset]\ntype = \"x\"\n[train]\nbatch = 8\n";
    std::ofstream(d / "other.toml") << "inherits = [\"base.toml\"]\n[train]\nbatch = 16\n[generator]\ncount = 8\n";
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line) && overrides.size() < 8;)
    if (line.rfind("#set ", 0) == 0) overrides.push_back(line.substr(5));
  const fs::path file = work_dir() / "experiment.toml";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  try {
    Config config = load_config_file(file);
    apply_overrides(config, overrides);
    validate_experiment(config, registry());
    (void)to_toml(config, true);  // the resolved config is written for every run
  } catch (const Error&) {
    // A located, user-facing error: the expected outcome for bad input.
  }
  return 0;
}
