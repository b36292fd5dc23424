#include "ganrig/metrics/real_features.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/error.hpp"
#include "ganrig/sha256.hpp"
#include "ganrig/atomic_file.hpp"

namespace fs = std::filesystem;

namespace ganrig {

torch::Tensor real_image_indices(std::int64_t dataset_size, std::int64_t max_real) {
  if (max_real <= 0 || max_real >= dataset_size) return torch::arange(dataset_size, torch::kLong);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  return torch::randperm(dataset_size, gen, torch::kLong).slice(0, 0, max_real);
}

std::string dataset_pixels_sha256(const Dataset& dataset) {
  const torch::Tensor images = dataset.images().contiguous();
  const auto shape = fmt::format("{}", fmt::join(images.sizes(), "x"));
  return sha256_text(shape + ":" + sha256_bytes(images.data_ptr(), static_cast<std::size_t>(images.nbytes())));
}

RealFeatures real_features(const Dataset& dataset, Detector& detector, const std::string& detector_name,
                           std::int64_t max_real, const fs::path& cache_folder, std::int64_t batch,
                           const FeatureProgress& progress) {
  RealFeatures out;
  out.dataset_sha256 = dataset_pixels_sha256(dataset);
  const torch::Tensor indices = real_image_indices(dataset.size(), max_real);
  const nlohmann::json what = {{"dataset_pixels_sha256", out.dataset_sha256},
                               {"dataset", dataset.description()},
                               {"detector", detector_name},
                               {"detector_weights_sha256", detector.weights_sha256()},
                               {"preprocessing", detector.preprocessing()},
                               {"num_real", indices.size(0)},
                               {"selection", max_real > 0 && max_real < dataset.size()
                                                 ? "random subset, permutation seed 0, no x-flip"
                                                 : "all images in dataset order, no x-flip"}};
  // The description is for people; the key leaves it out so moving a dataset keeps its cache.
  nlohmann::json keyed = what;
  keyed.erase("dataset");
  out.key = sha256_text(keyed.dump());
  const fs::path file = cache_folder / fmt::format("real-{}.pt", out.key.substr(0, 32));
  if (fs::exists(file)) {
    try {
      torch::load(out.features, file.string());
      if (out.features.dim() == 2 && out.features.size(0) == indices.size(0) &&
          out.features.size(1) == detector.feature_dim()) {
        out.from_cache = true;
        return out;
      }
    } catch (const c10::Error&) {
      // An unreadable cache file is recomputed and replaced below.
    }
  }
  std::vector<torch::Tensor> parts;
  torch::NoGradGuard no_grad;
  for (std::int64_t start = 0; start < indices.size(0); start += batch) {
    const torch::Tensor idx = indices.slice(0, start, start + batch);
    parts.push_back(detector.features(dataset.images().index_select(0, idx)));
    if (progress) progress(std::min(start + batch, indices.size(0)), indices.size(0));
  }
  out.features = torch::cat(parts).to(torch::kFloat32).contiguous();
  fs::create_directories(cache_folder);
  write_atomically(file, [&](const fs::path& temporary) { torch::save(out.features, temporary.string()); });
  write_file_atomic(file.string() + ".json", what.dump(1) + "\n");
  return out;
}

}  // namespace ganrig
