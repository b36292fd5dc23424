#pragma once
// Evaluates a generator against a dataset with the metrics named in [eval] metrics or on the
// command line. Every value comes with its protocol (detector and weights sha256, counts, resize,
// real split) and with the real-vs-real noise floor (the real images split in two halves).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "ganrig/config.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/detector.hpp"
#include "ganrig/metrics/metric_spec.hpp"
#include "ganrig/registry.hpp"

namespace ganrig {

struct EvalSettings {
  std::vector<MetricSpec> metrics;
  std::int64_t max_real = 0;      // 0: every real image
  std::int64_t batch = 4;         // images per generator / detector call
  std::uint64_t seed = 0;         // latents of the generated images (the same at every evaluation)
  bool noise_floor = true;
  bool per_class = false;         // a conditional generator: each metric per class as well
  std::filesystem::path cache_folder;  // real features; default <cache>/metrics
};

// The [eval] table of a validated experiment (metrics, max_real, batch, seed, noise_floor).
EvalSettings eval_settings(const Config& config);

struct MetricResult {
  std::string metric;
  std::optional<double> value;   // fid, or kid's mean; none for pr (two values)
  nlohmann::json values;         // every number: fid | kid, kid_std | precision, recall
  nlohmann::json noise_floor;    // the same numbers for real half vs real half (null when off)
  nlohmann::json protocol;
  // Conditional generators with [eval] per_class: class name -> {values, value, num_real,
  // num_generated}, or {skipped: why} for a class with too few images for the metric.
  nlohmann::json per_class;
  double seconds = 0;
};
nlohmann::json to_json(const MetricResult& result);
// One line for people: "kid1k_incv3nsfw = 0.0123 ± 0.0011 (real-vs-real floor 0.0004) [61 s]".
std::string summary(const MetricResult& result);

using EvalProgress = std::function<void(const std::string& status)>;

// Generation shared by the ranks of a data-parallel group: each rank generates and extracts its
// contiguous part of the images (the latents are those of one process), `gather` returns every
// rank's rows in rank order, and rank 0 alone compares them with the real features.
struct SharedGeneration {
  int rank = 0, size = 1;
  std::function<torch::Tensor(const torch::Tensor& local_rows)> gather;
};

class Evaluator {
 public:
  // Builds the detectors the metrics name (an unknown detector is a ConfigError listing the known ones).
  Evaluator(const Registry& registry, const Config& config, const Dataset& dataset, EvalSettings settings,
            torch::Device device);
  ~Evaluator();
  // `generator` produces images in [-1, 1]; ones smaller than the dataset's are upsampled
  // (nearest) to its resolution, as sample grids are during progressive growing.
  // With `shared`, every rank calls it; ranks other than 0 do their part and return no results.
  std::vector<MetricResult> evaluate(Generator& generator, const EvalProgress& progress = {},
                                     const SharedGeneration* shared = nullptr);
  const EvalSettings& settings() const { return settings_; }
  // Detector name -> sha256 of its weights.
  std::map<std::string, std::string> detector_weights() const;

 private:
  struct DetectorState;
  // `labels`: the class of each generated image of a conditional generator (undefined otherwise).
  std::map<std::string, torch::Tensor> generated_features(Generator& generator, const torch::Tensor& labels,
                                                          const EvalProgress& progress,
                                                          std::map<std::string, double>& seconds,
                                                          const SharedGeneration* shared);
  // Labels of the generated images of a conditional generator (num_generated of them).
  torch::Tensor generated_labels(std::int64_t count) const;
  nlohmann::json per_class(const MetricSpec& spec, const torch::Tensor& real, const torch::Tensor& real_labels,
                           const torch::Tensor& fake, const torch::Tensor& fake_labels) const;
  const Dataset& dataset_;
  EvalSettings settings_;
  torch::Device device_;
  std::map<std::string, std::unique_ptr<DetectorState>> detectors_;
};

// Generated images in [-1, 1] -> uint8 as StyleGAN2-ADA's metrics do (x * 127.5 + 128, clamped).
torch::Tensor to_uint8_images(const torch::Tensor& images);

}  // namespace ganrig
