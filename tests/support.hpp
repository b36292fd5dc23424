#pragma once
// Shared test helpers: a registry with the built plugins and a synthetic dataset, fixture paths,
// temporary folders.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ganrig/build_context.hpp"
#include "ganrig/config.hpp"
#include "ganrig/registry.hpp"
#include "ganrig/train/experiment.hpp"

namespace ganrig::test {

std::filesystem::path fixture(const std::string& relative);
std::filesystem::path source_dir();
std::filesystem::path test_plugin_dir();

// A fresh empty folder under the system temp dir, removed at process exit.
std::filesystem::path temp_dir(const std::string& name);

// Core components + the build's plugins + test components: dataset "synthetic" (seeded random
// blobs, keys count/resolution/channels) and loss "exploding" (NaN after `after` calls).
void add_build_plugins(Registry& registry);
void add_test_components(Registry& registry);
const Registry& plugin_registry();

// An experiment from a fixture file (relative to tests/fixtures) with --set overrides, validated
// against the build's plugins and the test components.
std::unique_ptr<Experiment> fixture_experiment(const std::string& relative, const std::vector<std::string>& overrides = {});

// A binary PPM (P6) or PGM (P5) image as written by the "ppm" sample sink: uint8 [H, W, C].
torch::Tensor read_netpbm(const std::filesystem::path& file);

// The largest absolute difference of two tensors over the reference's largest magnitude (in fp64).
double relative_difference(const torch::Tensor& ours, const torch::Tensor& reference);

// The lines of a run folder's stats.jsonl, parsed.
std::vector<nlohmann::json> read_stats(const std::filesystem::path& run_dir);
// The non-empty lines of a JSON-lines file (metrics.jsonl), parsed.
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file);
// Every parameter and buffer of G, G_ema and D ("G.", "G_ema.", "D." prefixes) in a checkpoint
// written by a run of `experiment`, read into networks built for it.
std::map<std::string, torch::Tensor> checkpoint_weights(const std::filesystem::path& checkpoint, Experiment& experiment);

// A validated config from inline TOML (written to a temp file so positions name it).
Config config_from_text(const std::string& toml_text, const std::string& file_name = "inline.toml");

// A view of a table built from inline TOML with defaults filled in from the component's schema.
struct BuiltTable {
  Config config;
  ConfigView view() const;
};
BuiltTable component_table(const std::string& kind, const std::string& toml_text);

}  // namespace ganrig::test
