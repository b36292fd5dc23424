// ganrig export: a trained generator's state dict as a file Python's torch.load reads, under the
// names of a weight format (ganrig's own, or the official code's: --format pg), with a JSON of what
// builds the network there. ganrig import: the reverse, into a generator-only ganrig checkpoint
// that generate and eval read and that `train EXP --resume` fine-tunes.
#include <fmt/format.h>

#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ganrig/atomic_file.hpp"
#include "ganrig/build_context.hpp"
#include "ganrig/config.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/inference.hpp"
#include "ganrig/sha256.hpp"
#include "ganrig/torch_state_file.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/experiment.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

std::shared_ptr<WeightFormat> weight_format(Experiment& experiment, const std::string& name) {
  BuildContext ctx(experiment.registry, experiment.config, {3, 32}, 0);
  return ctx.named<WeightFormat>(name, "--format");
}

// The [generator] table as JSON (what rebuilds the network in ganrig).
nlohmann::json generator_table(const Config& config) {
  const toml::table* table = config.table_at("generator");
  if (!table) return nullptr;
  std::ostringstream json;
  json << toml::json_formatter{*table};
  return nlohmann::json::parse(json.str());
}

void refuse_existing(const fs::path& out, bool force) {
  if (fs::exists(out) && !force)
    throw Error(fmt::format("{} exists; choose another --out or pass --force to replace it", out.string()));
  if (fs::is_directory(out)) throw Error(fmt::format("{} is a folder; --out names the file to write", out.string()));
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
}

}  // namespace

int export_generator(const ExportCommand& command) {
  GeneratorLoadOptions load;
  load.weights = command.weights;
  load.plugin_paths = command.common.plugin_paths;
  load.overrides = command.common.overrides;
  const TrainedGenerator g = TrainedGenerator::load(command.target, load);
  const auto format = weight_format(g.experiment(), command.format);
  const auto tensors = format->export_state(g.network());  // refuses what the format cannot express
  const nlohmann::json constructor = nlohmann::json::parse(format->constructor_json(g.network()));
  refuse_existing(command.out, command.force);
  write_state_dict_file(command.out, tensors);

  const nlohmann::json record = {{"format", command.format},
                                 {"file", command.out},
                                 {"sha256", sha256_file(command.out)},
                                 {"tensors", tensors.size()},
                                 {"constructor", constructor},
                                 {"generator", g.generator_type()},
                                 {"generator_table", generator_table(g.experiment().config)},
                                 {"latent_dim", g.latent_dim()},
                                 {"resolution", g.resolution()},
                                 {"alpha", g.alpha()},
                                 {"weights", g.weights()},
                                 {"checkpoint", g.checkpoint().string()},
                                 {"checkpoint_sha256", g.checkpoint_sha256()},
                                 {"nimg", g.nimg()},
                                 {"latents", "np.random.RandomState(seed).randn(1, latent_dim), as ganrig generate"}};
  fs::path sidecar = command.out;
  sidecar += ".json";
  write_file_atomic(sidecar, record.dump(2) + "\n");
  std::cout << fmt::format("{} tensors of the {} generator ({} weights, {:.3f} kimg) in {} ({} names); how to build "
                           "it there: {}\n",
                           tensors.size(), g.generator_type(), g.weights(), g.nimg() / 1000.0, command.out,
                           command.format, sidecar.string());
  return 0;
}

int import_generator(const ImportCommand& command) {
  ExperimentOptions options;
  options.file = command.experiment;
  options.overrides = command.common.overrides;
  options.plugin_paths = command.common.plugin_paths;
  const auto experiment = load_experiment(options);
  Models models;
  {
    DryRun no_data_no_weights;  // only the generator is kept, and its weights come from the file
    models = build_models(*experiment);
  }
  const auto format = weight_format(*experiment, command.format);
  const auto state = read_state_dict_file(command.state_dict);
  format->import_state(state, *models.generator);
  format->import_state(state, *models.generator_ema);
  refuse_existing(command.out, command.force);

  CheckpointParts parts;
  parts.generator = models.generator.get();
  parts.generator_ema = models.generator_ema.get();
  parts.config_toml = to_toml(experiment->config, false);
  parts.state["cur_nimg"] = torch::zeros({}, torch::kInt64);
  write_checkpoint(command.out, parts);
  std::cout << fmt::format("{} tensors of {} ({} names) imported as the generator of {} in {}; next: ganrig generate "
                           "{} --seeds 0-15, or fine-tune: ganrig train {} --resume {}\n",
                           state.size(), command.state_dict, command.format, experiment->name(), command.out,
                           command.out, command.experiment, command.out);
  return 0;
}

}  // namespace ganrig::cli
