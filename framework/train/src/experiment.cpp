#include "ganrig/train/experiment.hpp"

#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_host.hpp"
#include "ganrig/text.hpp"
#include "ganrig/train/ema.hpp"
#include "ganrig/validate.hpp"

namespace fs = std::filesystem;

namespace ganrig {

std::string Experiment::name() const {
  return config.table_at("experiment")->get("name")->value_or(std::string("experiment"));
}

std::int64_t Experiment::seed() const {
  return config.table_at("experiment")->get("seed")->value_or(std::int64_t{0});
}

std::unique_ptr<Experiment> load_experiment(const ExperimentOptions& options) {
  auto experiment = std::make_unique<Experiment>();
  register_core_components(experiment->registry);
  std::vector<fs::path> places;
  if (options.use_build_plugins && fs::is_directory(build_plugin_dir())) places.push_back(build_plugin_dir());
  places.insert(places.end(), options.plugin_paths.begin(), options.plugin_paths.end());
  load_plugins(plugin_files(places), experiment->registry);
  if (options.register_components) options.register_components(experiment->registry);

  experiment->config = load_config_file(options.file);
  apply_overrides(experiment->config, options.overrides);

  // [plugins] paths, relative to the file that set them.
  if (const toml::table* plugins = experiment->config.table_at("plugins")) {
    if (const toml::node* paths = plugins->get("paths")) {
      const Origin where = experiment->config.origin("plugins.paths");
      const toml::array* list = paths->as_array();
      if (!list)
        throw ConfigError(fmt::format("{}: [plugins] paths: expected an array of strings", where.location()));
      const fs::path base = where.kind == Origin::Kind::File ? fs::path(where.source).parent_path() : fs::current_path();
      std::vector<fs::path> extra;
      toml::array absolute;
      for (const auto& item : *list) {
        if (!item.is_string())
          throw ConfigError(fmt::format("{}: [plugins] paths: expected an array of strings", where.location()));
        extra.push_back(fs::absolute(base / item.as_string()->get()).lexically_normal());
        absolute.push_back(extra.back().string());
      }
      // Written back as absolute paths, so a resolved config works from any folder (resume).
      experiment->config.set("plugins.paths", absolute, where);
      try {
        load_plugins(plugin_files(extra, false), experiment->registry);
      } catch (const PluginError& e) {
        throw ConfigError(fmt::format("{}: [plugins] paths: {}", where.location(), e.what()));
      }
    }
  }
  validate_experiment(experiment->config, experiment->registry);
  return experiment;
}

Models build_models(Experiment& experiment, const std::vector<std::string>* class_names) {
  Config& config = experiment.config;
  torch::manual_seed(static_cast<std::uint64_t>(experiment.seed()));
  // [exec] precision = "fp64": the networks (and whatever the caller makes next) are float64, in
  // training as in export, generate and eval of its checkpoints.
  const toml::table* exec = config.table_at("exec");
  const bool fp64 = exec && (*exec)["precision"].value_or(std::string()) == "fp64";
  torch::set_default_dtype(fp64 ? caffe2::TypeMeta::Make<double>() : caffe2::TypeMeta::Make<float>());
  Models models;
  // The dataset defines the image shape the networks are built for.
  {
    BuildContext data_ctx(experiment.registry, config, {}, experiment.seed());
    models.dataset = data_ctx.build<Dataset>("dataset");
    if (models.dataset->size() == 0 && !DryRun::active())
      throw ConfigError(fmt::format("{}: the dataset is empty", config.origin("dataset.type").location()));
  }
  BuildContext ctx(experiment.registry, config, models.dataset->shape(), experiment.seed());
  ctx.set_class_names(class_names ? *class_names : models.dataset->class_names());
  models.generator = ctx.build<Generator>("generator");
  models.discriminator = ctx.build<Discriminator>("discriminator");
  models.loss = ctx.build<Loss>("loss");
  if (ctx.has("schedule")) models.schedule = ctx.build<Schedule>("schedule");
  models.generator_ema = ctx.build<Generator>("generator");
  models.generator_ema->eval();
  for (auto& p : models.generator_ema->parameters()) p.set_requires_grad(false);
  copy_module_state(*models.generator_ema, *models.generator);
  // A table given but used by nothing would be a silent no-op: refuse it.
  for (const auto& kind : component_table_kinds()) {
    if (kind == "dataset" || kind == "generator" || kind == "discriminator" || kind == "loss") continue;
    if (config.table_at(kind) && !ctx.consumed().count(kind))
      throw ConfigError(fmt::format("{}: [{}] is given, but no component of this experiment uses it "
                                    "(generator '{}', discriminator '{}')",
                                    config.origin(kind).location(), kind,
                                    config.table_at("generator")->get("type")->value_or(std::string()),
                                    config.table_at("discriminator")->get("type")->value_or(std::string())));
  }
  return models;
}

std::int64_t count_parameters(const torch::nn::Module& module, bool trainable_only) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

ParameterCounts count_parameters(const Models& models) {
  ParameterCounts counts;
  counts.generator = count_parameters(*models.generator, false);
  counts.discriminator_trainable = count_parameters(*models.discriminator, true);
  counts.discriminator_frozen = count_parameters(*models.discriminator, false) - counts.discriminator_trainable;
  return counts;
}

}  // namespace ganrig
