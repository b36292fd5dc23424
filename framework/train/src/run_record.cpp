#include "ganrig/atomic_file.hpp"
#include "ganrig/config.hpp"
#include "loop.hpp"

namespace ganrig {

void write_run_record(const LoopContext& run) {
  write_file_atomic(run.layout.resolved_config(),
                    "# Resolved by ganrig: every effective value, with where it came from.\n" + to_toml(run.config, true));
  write_file_atomic(run.layout.plugins(), plugins_json(run.experiment.registry));
  write_file_atomic(run.layout.env(),
                    env_json(run.device.str(), run.options.command_line, run.networks.pretrained_weights()));
}

}  // namespace ganrig
