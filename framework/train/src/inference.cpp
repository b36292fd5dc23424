// TrainedGenerator: the experiment a checkpoint was trained with, rebuilt without data or
// weights (a dry-run build), its generator filled from the checkpoint on the device asked for.
#include "ganrig/inference.hpp"

#include <fmt/format.h>

#include <iostream>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/numpy_random.hpp"
#include "ganrig/run_dir.hpp"
#include "ganrig/sha256.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/experiment.hpp"

namespace fs = std::filesystem;

namespace ganrig {

struct TrainedGenerator::State {
  std::unique_ptr<Experiment> experiment;  // owns the registry (the plugins stay loaded)
  std::shared_ptr<Generator> generator;
  torch::Device device = torch::kCPU;
  fs::path checkpoint;
  std::string weights, type;
  std::int64_t nimg = 0, resolution = 0, channels = 3;
  std::vector<std::string> class_names;  // of a conditional generator
  double alpha = 1.0;
};

namespace {

// The run's resolved config, or (a loose checkpoint) the config stored in the checkpoint.
fs::path config_of(const fs::path& checkpoint, const fs::path& run) {
  if (!run.empty() && fs::exists(run / "config.resolved.toml")) return run / "config.resolved.toml";
  const fs::path file = fs::temp_directory_path() / fmt::format("ganrig-config-{}.toml", ::getpid());
  std::ofstream(file) << read_checkpoint_config(checkpoint);
  return file;
}

}  // namespace

std::pair<fs::path, fs::path> checkpoint_target(const std::string& target,
                                               const std::function<void(const std::string&)>& warn) {
  if (fs::is_directory(target)) {
    const auto say = warn ? warn : [](const std::string& text) { std::cerr << "warning: " << text << "\n"; };
    const fs::path latest = newest_intact_checkpoint_read_only(target, say);
    if (latest.empty()) throw Error(fmt::format("{}: a folder without an intact checkpoints/snapshot-*.pt", target));
    return {latest, target};
  }
  if (!fs::exists(target)) throw Error(fmt::format("{}: no such run folder or checkpoint file", target));
  const fs::path file = fs::absolute(target);
  const fs::path run = file.parent_path().filename() == "checkpoints" ? file.parent_path().parent_path()
                                                                      : file.parent_path();
  return {file, is_run_dir(run) ? run : fs::path()};
}

ScheduleState checkpoint_growth(const Schedule& schedule, const std::map<std::string, torch::Tensor>& state) {
  const std::int64_t nimg = state.count("cur_nimg") ? state.at("cur_nimg").item<std::int64_t>() : 0;
  ScheduleState at = schedule.at(nimg);
  if (state.count("growth_resolution")) at.resolution = state.at("growth_resolution").item<std::int64_t>();
  if (state.count("growth_alpha")) at.alpha = state.at("growth_alpha").item<double>();
  return at;
}

TrainedGenerator TrainedGenerator::load(const fs::path& target, const GeneratorLoadOptions& options) {
  if (options.weights != "ema" && options.weights != "raw")
    throw Error(fmt::format("weights \"{}\": expected \"ema\" (G_ema) or \"raw\" (G)", options.weights));
  const auto [checkpoint, run] = checkpoint_target(target.string());
  auto state = std::make_shared<State>();
  ExperimentOptions experiment_options;
  experiment_options.file = config_of(checkpoint, run);
  experiment_options.plugin_paths = options.plugin_paths;
  experiment_options.overrides = options.overrides;
  experiment_options.register_components = options.register_components;
  const bool temporary = experiment_options.file != run / "config.resolved.toml";
  try {
    state->experiment = load_experiment(experiment_options);
  } catch (...) {
    if (temporary) fs::remove(experiment_options.file);
    throw;
  }
  if (temporary) fs::remove(experiment_options.file);
  // The classes come from the checkpoint (the dataset may be elsewhere), so the state is read first.
  Checkpoint file(checkpoint, options.device);
  CheckpointParts parts;
  file.restore(parts);
  const std::vector<std::string> class_names = checkpoint_class_names(parts.state);
  Models models;
  {
    DryRun no_data_no_weights;  // the generator's weights come from the checkpoint
    models = build_models(*state->experiment, class_names.empty() ? nullptr : &class_names);
  }
  state->generator = options.weights == "ema" ? models.generator_ema : models.generator;
  if (state->generator->classes()) state->class_names = class_names;
  (options.weights == "ema" ? parts.generator_ema : parts.generator) = state->generator.get();
  file.restore(parts);
  state->nimg = parts.state.count("cur_nimg") ? parts.state.at("cur_nimg").item<std::int64_t>() : 0;
  state->resolution = models.dataset->shape().resolution;
  state->channels = models.dataset->shape().channels;
  if (models.schedule) {
    const ScheduleState at = checkpoint_growth(*models.schedule, parts.state);
    if (auto* growing = dynamic_cast<Growing*>(state->generator.get())) growing->set_growth(at.resolution, at.alpha);
    state->resolution = at.resolution;
    state->alpha = at.alpha;
  }
  state->generator->to(options.device);
  state->generator->eval();
  // The run's TF32 choice ([exec] allow_tf32, off as in the official code): without TF32 a GPU's
  // images match the CPU's to float rounding.
  const toml::node* tf32_key = state->experiment->config.table_at("exec")->get("allow_tf32");
  const bool tf32 = tf32_key && tf32_key->value_or(false);
  at::globalContext().setAllowTF32CuDNN(tf32);
  at::globalContext().setAllowTF32CuBLAS(tf32);
  state->device = options.device;
  state->checkpoint = checkpoint;
  state->weights = options.weights;
  state->type = state->experiment->config.table_at("generator")->get("type")->value_or<std::string>("");
  TrainedGenerator g;
  g.state_ = std::move(state);
  return g;
}

torch::Tensor TrainedGenerator::generate(const torch::Tensor& z, const torch::Tensor& labels) const {
  if (z.dim() != 2 || z.size(1) != latent_dim())
    throw Error(fmt::format("latents of shape {}; expected [N, {}]", fmt::join(z.sizes(), ", "), latent_dim()));
  const auto classes = static_cast<std::int64_t>(state_->class_names.size());
  if (classes == 0 && labels.defined())
    throw Error("this generator is unconditional; it takes no class labels");
  if (classes > 0 && (!labels.defined() || labels.dim() != 1 || labels.size(0) != z.size(0)))
    throw Error(fmt::format("this generator is conditional on {} classes; give one class per latent", classes));
  if (classes > 0 && (labels.min().item<std::int64_t>() < 0 || labels.max().item<std::int64_t>() >= classes))
    throw Error(fmt::format("class labels must be in [0, {})", classes));
  torch::NoGradGuard no_grad;
  const torch::Tensor latents = z.to(state_->device, torch::kFloat32);
  const Condition c = classes ? one_hot_condition(labels.to(torch::kLong), classes).to(latents) : Condition();
  return state_->generator->forward(latents, c);
}

const std::vector<std::string>& TrainedGenerator::class_names() const { return state_->class_names; }

std::int64_t TrainedGenerator::class_index(const std::string& text) const {
  const auto& names = state_->class_names;
  if (names.empty()) throw Error(fmt::format("--class {}: this generator is unconditional (trained without labels)", text));
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == text) return static_cast<std::int64_t>(k);
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char ch) { return std::isdigit(ch); });
  if (digits && text.size() < 10 && std::stoll(text) < static_cast<std::int64_t>(names.size())) return std::stoll(text);
  std::vector<std::string> listed;
  for (std::size_t k = 0; k < names.size(); ++k) listed.push_back(fmt::format("{} = \"{}\"", k, names[k]));
  throw Error(fmt::format("--class {}: not a class of this generator; its classes are {}", text, fmt::join(listed, ", ")));
}

std::int64_t TrainedGenerator::latent_dim() const { return state_->generator->latent_dim(); }
std::int64_t TrainedGenerator::resolution() const { return state_->resolution; }
std::int64_t TrainedGenerator::channels() const { return state_->channels; }
double TrainedGenerator::alpha() const { return state_->alpha; }
std::int64_t TrainedGenerator::nimg() const { return state_->nimg; }
const fs::path& TrainedGenerator::checkpoint() const { return state_->checkpoint; }
std::string TrainedGenerator::checkpoint_sha256() const { return sha256_file(state_->checkpoint); }
const std::string& TrainedGenerator::weights() const { return state_->weights; }
std::string TrainedGenerator::generator_type() const { return state_->type; }
Experiment& TrainedGenerator::experiment() const { return *state_->experiment; }
Generator& TrainedGenerator::network() const { return *state_->generator; }

torch::Tensor seed_latents(const std::vector<std::uint32_t>& seeds, std::int64_t latent_dim) {
  torch::Tensor z = torch::empty({static_cast<std::int64_t>(seeds.size()), latent_dim}, torch::kFloat64);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const std::vector<double> row = NumpyRandomState(seeds[i]).randn(static_cast<std::size_t>(latent_dim));
    std::copy(row.begin(), row.end(), z[static_cast<std::int64_t>(i)].data_ptr<double>());
  }
  return z.to(torch::kFloat32);
}

}  // namespace ganrig
