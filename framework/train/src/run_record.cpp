#include <nlohmann/json.hpp>

#include "ganrig/atomic_file.hpp"
#include "ganrig/config.hpp"
#include "ganrig/train/trainer.hpp"
#include "loop.hpp"

namespace ganrig {

void write_resolved_config(const std::filesystem::path& run_dir, const Config& config) {
  write_file_atomic(RunLayout{run_dir}.resolved_config(),
                    "# Resolved by ganrig: every effective value, with where it came from.\n" + to_toml(config, true));
}

void write_run_record(const LoopContext& run, bool resumed) {
  namespace fs = std::filesystem;
  if (!fs::exists(run.layout.resolved_config())) write_resolved_config(run.layout.dir, run.config);
  if (!resumed || !fs::exists(run.layout.plugins()))
    write_file_atomic(run.layout.plugins(), plugins_json(run.experiment.registry));
  if (!resumed || !fs::exists(run.layout.env())) {
    nlohmann::json env = nlohmann::json::parse(
        env_json(run.device.str(), run.options.command_line, run.networks.pretrained_weights()));
    const ParameterCounts counts = count_parameters(run.networks.models);  // for reports and tables
    env["parameters"] = {{"generator", counts.generator},
                         {"discriminator_trainable", counts.discriminator_trainable},
                         {"discriminator_frozen", counts.discriminator_frozen}};
    write_file_atomic(run.layout.env(), env.dump(2) + "\n");
  }
}

}  // namespace ganrig
