#pragma once
// An experiment ready to build: plugins loaded, configuration merged, overridden and validated.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ganrig/config.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/registry.hpp"

namespace ganrig {

struct ExperimentOptions {
  std::filesystem::path file;                        // the experiment TOML
  std::vector<std::string> overrides;                // --set a.b=VALUE, in order
  std::vector<std::filesystem::path> plugin_paths;   // --plugin-path
  bool use_build_plugins = true;                     // the build's own plugin folder
  // Components the calling program registers itself (in-process, no plugin file), e.g. tests'.
  std::function<void(Registry&)> register_components;
};

struct Experiment {
  Config config;
  Registry registry;
  std::string name() const;
  std::int64_t seed() const;
};

// Loads plugins (build folder, --plugin-path, GANRIG_PLUGIN_PATH, then [plugins] paths),
// reads the file with its parents, applies overrides and validates everything.
std::unique_ptr<Experiment> load_experiment(const ExperimentOptions& options);

// The built components of a run.
struct Models {
  std::shared_ptr<Dataset> dataset;
  std::shared_ptr<Generator> generator;
  std::shared_ptr<Generator> generator_ema;
  std::shared_ptr<Discriminator> discriminator;
  std::shared_ptr<Loss> loss;
  std::shared_ptr<Schedule> schedule;  // null without a [schedule] table
};

// Builds dataset, G, G_ema (a second G with G's weights), D and loss, seeded by the experiment.
// A component table that nothing used is an error. Conditional components are built for the
// dataset's classes, or for `class_names` when given (a checkpoint's, where no dataset is read).
Models build_models(Experiment& experiment, const std::vector<std::string>* class_names = nullptr);

struct ParameterCounts {
  std::int64_t generator = 0;
  std::int64_t discriminator_trainable = 0;
  std::int64_t discriminator_frozen = 0;
};
ParameterCounts count_parameters(const Models& models);
std::int64_t count_parameters(const torch::nn::Module& module, bool trainable_only);

}  // namespace ganrig
