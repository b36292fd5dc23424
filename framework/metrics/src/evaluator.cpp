#include "ganrig/metrics/evaluator.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "ganrig/build_context.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/error.hpp"
#include "ganrig/metrics/metric_family.hpp"
#include "ganrig/metrics/real_features.hpp"
#include "ganrig/weight_file.hpp"

namespace ganrig {

EvalSettings eval_settings(const Config& config) {
  const ConfigView eval(*config.table_at("eval"), "eval", &config);
  EvalSettings s;
  s.metrics = parse_metrics(eval.strings("metrics"), config.origin("eval.metrics").location());
  s.max_real = eval.integer("max_real");
  s.batch = eval.integer("batch");
  s.seed = static_cast<std::uint64_t>(eval.integer("seed"));
  s.noise_floor = eval.boolean("noise_floor");
  s.per_class = eval.boolean("per_class");
  return s;
}

nlohmann::json to_json(const MetricResult& r) {
  nlohmann::json out = {{"metric", r.metric},
                        {"value", r.value ? nlohmann::json(*r.value) : nlohmann::json()},
                        {"values", r.values},
                        {"noise_floor", r.noise_floor},
                        {"protocol", r.protocol},
                        {"seconds", r.seconds}};
  if (!r.per_class.is_null()) out["per_class"] = r.per_class;
  return out;
}

std::string summary(const MetricResult& r) {
  const MetricFamily& family = metric_family(parse_metric(r.metric).family);
  const std::string floor =
      r.noise_floor.is_null() ? "" : fmt::format("  (real-vs-real floor {})", family.format(r.noise_floor));
  return fmt::format("{} = {}{}  [{:.0f} s]", r.metric, family.format(r.values), floor, r.seconds);
}

torch::Tensor to_uint8_images(const torch::Tensor& images) {
  return (images * 127.5 + 128).clamp(0, 255).to(torch::kUInt8);
}

struct Evaluator::DetectorState {
  std::shared_ptr<Detector> detector;
  std::int64_t num_generated = 0;  // the most any metric on this detector needs
  RealFeatures real;
  bool real_ready = false;
  std::map<std::string, nlohmann::json> noise_floors;  // by metric name: the reals never change
};

Evaluator::Evaluator(const Registry& registry, const Config& config, const Dataset& dataset, EvalSettings settings,
                     torch::Device device)
    : dataset_(dataset), settings_(std::move(settings)), device_(device) {
  if (settings_.cache_folder.empty()) settings_.cache_folder = cache_dir() / "metrics";
  BuildContext ctx(registry, config, dataset.shape(), 0);
  for (const auto& spec : settings_.metrics) {
    auto& state = detectors_[spec.detector];
    if (!state) {
      state = std::make_unique<DetectorState>();
      state->detector = ctx.named<Detector>(spec.detector, fmt::format("metric {}", spec.name));
      state->detector->to(device_);
    }
    state->num_generated = std::max(state->num_generated, spec.num_generated);
  }
}

Evaluator::~Evaluator() = default;

std::map<std::string, std::string> Evaluator::detector_weights() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, state] : detectors_) out[name] = state->detector->weights_sha256();
  return out;
}

// Detector features of the generated images (and, the first time, of the reals), per detector;
// `seconds` gets the time each detector took.
std::map<std::string, torch::Tensor> Evaluator::generated_features(Generator& generator, const torch::Tensor& labels,
                                                                   const EvalProgress& progress,
                                                                   std::map<std::string, double>& seconds,
                                                                   const SharedGeneration* shared) {
  using Clock = std::chrono::steady_clock;
  const std::int64_t resolution = dataset_.shape().resolution;
  std::map<std::string, torch::Tensor> fake_features;
  for (auto& [name, state] : detectors_) {
    const auto start = Clock::now();
    const bool compares = !shared || shared->rank == 0;  // only rank 0 needs the real features
    if (compares && !state->real_ready) {
      state->real = real_features(dataset_, *state->detector, name, settings_.max_real, settings_.cache_folder,
                                  settings_.batch, [&](std::int64_t done, std::int64_t total) {
                                    if (progress) progress(fmt::format("eval {}: real features {}/{}", name, done, total));
                                  });
      state->real_ready = true;
    }
    // The same latents (and labels) at every evaluation, from their own stream (training RNG untouched).
    auto gen = at::make_generator<at::CPUGeneratorImpl>(settings_.seed);
    // A group shares the batches when each rank gets at least one: rank r takes [first, end).
    const std::int64_t batches = (state->num_generated + settings_.batch - 1) / settings_.batch;
    const bool split = shared && shared->size > 1 && batches >= shared->size;
    const std::int64_t first = split ? batches * shared->rank / shared->size : 0;
    const std::int64_t end = split ? batches * (shared->rank + 1) / shared->size : batches;
    std::vector<torch::Tensor> parts;
    for (std::int64_t b = 0, done = 0; done < state->num_generated; ++b, done += settings_.batch) {
      const std::int64_t n = std::min(settings_.batch, state->num_generated - done);
      const torch::Tensor z_cpu = torch::randn({n, generator.latent_dim()}, gen);  // every latent drawn, in order
      if (b < first || b >= end) continue;
      const torch::Tensor z = z_cpu.to(device_);
      const Condition c = labels.defined()
                              ? torch::one_hot(labels.slice(0, done, done + n), generator.classes()).to(z.dtype()).to(device_)
                              : Condition();
      torch::Tensor images = generator.forward(z, c);
      if (images.size(2) != resolution) images = torch::upsample_nearest2d(images, {resolution, resolution});
      parts.push_back(state->detector->features(to_uint8_images(images)));
      if (progress) progress(fmt::format("eval {}: generated {}/{}", name, done + n, state->num_generated));
    }
    fake_features[name] = split ? shared->gather(torch::cat(parts)) : torch::cat(parts);
    seconds[name] = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return fake_features;
}

// As the official metrics draw them (stylegan2-ada metric_utils): the label of a uniformly drawn
// dataset image, from a stream of their own so the latents stay those of an unconditional run.
torch::Tensor Evaluator::generated_labels(std::int64_t count) const {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(settings_.seed + 1);
  const torch::Tensor pick = torch::randint(dataset_.size(), {count}, gen, torch::kLong);
  return dataset_.labels().index_select(0, pick);
}

// Each class's generated features against its real ones (classes with too few rows are skipped, saying so).
nlohmann::json Evaluator::per_class(const MetricSpec& spec, const torch::Tensor& real, const torch::Tensor& real_labels,
                                    const torch::Tensor& fake, const torch::Tensor& fake_labels) const {
  const MetricFamily& family = metric_family(spec.family);
  const auto names = dataset_.class_names();
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t k = 0; k < names.size(); ++k) {
    const torch::Tensor r = real.index({real_labels == static_cast<std::int64_t>(k)});
    const torch::Tensor f = fake.index({fake_labels == static_cast<std::int64_t>(k)});
    nlohmann::json entry = {{"num_real", r.size(0)}, {"num_generated", f.size(0)}};
    if (std::min(r.size(0), f.size(0)) < family.min_rows(spec)) {
      entry["skipped"] = fmt::format("fewer than the {} images per side the metric needs", family.min_rows(spec));
    } else {
      entry["values"] = family.compare(spec, r, f);
      if (!family.scalar.empty()) entry["value"] = entry["values"][family.scalar];
    }
    out[names[k]] = entry;
  }
  return out;
}

std::vector<MetricResult> Evaluator::evaluate(Generator& generator, const EvalProgress& progress,
                                              const SharedGeneration* shared) {
  using Clock = std::chrono::steady_clock;
  torch::NoGradGuard no_grad;
  const bool was_training = generator.is_training();
  generator.eval();
  const std::int64_t resolution = dataset_.shape().resolution;
  std::map<std::string, double> extraction_seconds;
  // One draw of the generated images' classes, shared by every detector and metric (each takes a prefix).
  std::int64_t most_generated = 0;
  for (const auto& [name, state] : detectors_) most_generated = std::max(most_generated, state->num_generated);
  const torch::Tensor labels = generator.classes() ? generated_labels(most_generated) : torch::Tensor();
  std::map<std::string, torch::Tensor> fake_features =
      generated_features(generator, labels, progress, extraction_seconds, shared);
  if (was_training) generator.train();
  if (shared && shared->rank != 0) return {};

  std::vector<MetricResult> results;
  for (const auto& spec : settings_.metrics) {
    const auto start = Clock::now();
    auto& state = *detectors_.at(spec.detector);
    const torch::Tensor& real = state.real.features;
    const torch::Tensor fake = fake_features[spec.detector].slice(0, 0, spec.num_generated);
    const MetricFamily& family = metric_family(spec.family);
    MetricResult r;
    r.metric = spec.name;
    r.values = family.compare(spec, real, fake);
    if (!family.scalar.empty()) r.value = r.values[family.scalar].get<double>();
    if (settings_.per_class && generator.classes()) {
      const torch::Tensor real_labels =
          dataset_.labels().index_select(0, real_image_indices(dataset_.size(), settings_.max_real));
      r.per_class = per_class(spec, real, real_labels, fake, labels.slice(0, 0, spec.num_generated));
    }
    if (settings_.noise_floor && real.size(0) >= 4 && state.noise_floors.count(spec.name)) {
      r.noise_floor = state.noise_floors.at(spec.name);
    } else if (settings_.noise_floor && real.size(0) >= 4) {
      // Real half vs real half, split by a fixed permutation: what no generator can beat at this size.
      auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
      const torch::Tensor perm = torch::randperm(real.size(0), gen, torch::kLong);
      const std::int64_t half = real.size(0) / 2;
      const torch::Tensor a = real.index_select(0, perm.slice(0, 0, half));
      const torch::Tensor b = real.index_select(0, perm.slice(0, half, 2 * half));
      if (half >= family.min_rows(spec)) {
        r.noise_floor = family.compare(spec, a, b);
        if (!family.scalar.empty()) r.noise_floor["value"] = r.noise_floor[family.scalar];
        r.noise_floor["images_per_half"] = half;
        state.noise_floors[spec.name] = r.noise_floor;
      }
    }
    r.protocol = {{"detector", spec.detector},
                  {"detector_weights_sha256", state.detector->weights_sha256()},
                  {"preprocessing", state.detector->preprocessing()},
                  {"num_generated", spec.num_generated},
                  {"num_real", real.size(0)},
                  {"real_split", settings_.max_real > 0 && settings_.max_real < dataset_.size()
                                     ? fmt::format("{} of {} training images (fixed permutation), no x-flip",
                                                   real.size(0), dataset_.size())
                                     : fmt::format("all {} training images, no x-flip", dataset_.size())},
                  {"dataset_pixels_sha256", state.real.dataset_sha256},
                  {"real_features_key", state.real.key},
                  {"generator", fmt::format("G_ema in eval mode, z ~ N(0, I) from seed {}{}, images below {}px "
                                            "upsampled (nearest), converted to uint8 as x*127.5+128",
                                            settings_.seed,
                                            generator.classes()
                                                ? fmt::format(", class labels of uniformly drawn dataset images "
                                                              "(seed {})", settings_.seed + 1)
                                                : std::string(),
                                            resolution)}};
    if (family.takes_neighbours) r.protocol["neighbours"] = spec.neighbours;
    r.seconds = extraction_seconds[spec.detector] + std::chrono::duration<double>(Clock::now() - start).count();
    extraction_seconds[spec.detector] = 0;  // counted once, with the first metric on the detector
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace ganrig
