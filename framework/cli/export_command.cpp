// ganrig export: a trained generator's state dict as a file Python's torch.load reads, under the
// names of a weight format (ganrig's own, or the official code's: --format pg), with a JSON of what
// builds the network there; --what all writes G, G_ema and D as {"G": ..., "G_ema": ..., "D": ...}.
// ganrig import: the reverse, into a checkpoint of networks only that generate and eval read and
// that `train EXP --resume` trains on from.
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
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/networks.hpp"
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

// The checkpoint's three networks, built as the run built them (no data, no projector weights: the
// checkpoint holds every tensor), on the CPU.
Models checkpoint_networks(const TrainedGenerator& g) {
  Models models;
  {
    DryRun no_data_no_weights;
    models = build_models(g.experiment(), g.class_names().empty() ? nullptr : &g.class_names());
  }
  CheckpointParts parts;
  parts.generator = models.generator.get();
  parts.generator_ema = models.generator_ema.get();
  parts.discriminator = models.discriminator.get();
  Checkpoint checkpoint(g.checkpoint(), torch::kCPU);
  if (checkpoint.imported() && !checkpoint.has_discriminator())
    throw Error(fmt::format("{} holds a generator only (imported with ganrig import); --what all needs a checkpoint "
                            "with a discriminator", g.checkpoint().string()));
  checkpoint.restore(parts);
  return models;
}

std::string describe(const NamedTensors& g, const NamedTensors& d) {
  return fmt::format("G and G_ema ({} tensors each) and D ({} tensors)", g.size(), d.size());
}

fs::path sidecar_of(const fs::path& out) {
  fs::path sidecar = out;
  sidecar += ".json";
  return sidecar;
}

int export_all(const ExportCommand& command, const TrainedGenerator& g, const WeightFormat& format) {
  const Models models = checkpoint_networks(g);
  const NamedTensors generator = format.export_state(*models.generator);
  const NamedTensors generator_ema = format.export_state(*models.generator_ema);
  const NamedTensors discriminator = models.discriminator->export_state_as(command.format);
  refuse_existing(command.out, command.force);
  write_state_dicts_file(command.out, {{"G", generator}, {"G_ema", generator_ema}, {"D", discriminator}});
  const nlohmann::json record = {
      {"format", command.format},
      {"what", "all"},
      {"file", command.out},
      {"sha256", sha256_file(command.out)},
      {"tensors", {{"G", generator.size()}, {"G_ema", generator_ema.size()}, {"D", discriminator.size()}}},
      {"constructor", nlohmann::json::parse(format.constructor_json(*models.generator))},
      {"discriminator_constructor", nlohmann::json::parse(models.discriminator->constructor_json_as(command.format))},
      {"generator_table", generator_table(g.experiment().config)},
      {"checkpoint", g.checkpoint().string()},
      {"checkpoint_sha256", g.checkpoint_sha256()},
      {"nimg", g.nimg()},
      {"class_names", g.class_names()},
      {"usage", "nets = torch.load(path); G.load_state_dict(nets['G']); G_ema.load_state_dict(nets['G_ema']); "
                "D.load_state_dict(nets['D'])"}};
  write_file_atomic(sidecar_of(command.out), record.dump(2) + "\n");
  std::cout << fmt::format("{} of {} ({:.3f} kimg) in {} ({} names); how to build them there: {}\n",
                           describe(generator, discriminator), g.checkpoint().string(), g.nimg() / 1000.0,
                           command.out, command.format, sidecar_of(command.out).string());
  return 0;
}

}  // namespace

int export_generator(const ExportCommand& command) {
  GeneratorLoadOptions load;
  load.weights = command.weights;
  load.plugin_paths = command.common.plugin_paths;
  load.overrides = command.common.overrides;
  const TrainedGenerator g = TrainedGenerator::load(command.target, load);
  const auto format = weight_format(g.experiment(), command.format);
  if (command.what == "all") return export_all(command, g, *format);
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
                                 {"class_names", g.class_names()},
                                 {"latents", "np.random.RandomState(seed).randn(1, latent_dim), as ganrig generate"}};
  const fs::path sidecar = sidecar_of(command.out);
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
    DryRun no_data_no_weights;  // every tensor kept comes from the file
    models = build_models(*experiment);
  }
  const auto format = weight_format(*experiment, command.format);
  CheckpointParts parts;
  parts.generator = models.generator.get();
  parts.generator_ema = models.generator_ema.get();
  std::string what;
  if (holds_state_dicts(command.state_dict)) {  // {"G", "G_ema", "D"}: ganrig export --what all, or the official loop's networks
    const auto dicts = read_state_dicts_file(command.state_dict);
    const auto part = [&](const std::string& key) -> const std::map<std::string, torch::Tensor>& {
      const auto found = dicts.find(key);
      if (found == dicts.end())
        throw Error(fmt::format("{}: no \"{}\" state dict (expected {{\"G\": ..., \"G_ema\": ..., \"D\": ...}})",
                                command.state_dict, key));
      return found->second;
    };
    format->import_state(part("G"), *models.generator);
    format->import_state(part("G_ema"), *models.generator_ema);
    models.discriminator->import_state_as(command.format, part("D"));
    parts.discriminator = models.discriminator.get();
    what = "G, G_ema and D";
  } else {
    const auto state = read_state_dict_file(command.state_dict);
    format->import_state(state, *models.generator);
    format->import_state(state, *models.generator_ema);
    what = "the generator";
  }
  refuse_existing(command.out, command.force);
  parts.config_toml = to_toml(experiment->config, false);
  parts.state["cur_nimg"] = torch::zeros({}, torch::kInt64);
  save_class_names(parts.state, models.dataset->class_names());  // a conditional generator's classes, for generate
  write_checkpoint(command.out, parts);
  std::cout << fmt::format("{} of {} ({} names) imported as {} of {} in {}; next: ganrig generate {} --seeds 0-15, "
                           "or train on: ganrig train {} --resume {}\n",
                           what == "the generator" ? "the tensors" : "the networks", command.state_dict,
                           command.format, what, experiment->name(), command.out, command.out, command.experiment,
                           command.out);
  return 0;
}

}  // namespace ganrig::cli
