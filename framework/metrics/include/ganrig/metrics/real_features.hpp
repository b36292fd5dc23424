#pragma once
// Detector features of a dataset's real images, cached on disk. The key covers everything the
// features depend on: the exact uint8 pixels the dataset holds (so re-preparing a set with other
// files, or another resolution, is a different key), the detector and its weights' sha256, its
// preprocessing, and which real images are used (max_real). Files: <cache>/metrics/real-<key>.pt
// plus a .json beside it saying what the key stands for.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <torch/types.h>

#include "ganrig/interfaces.hpp"
#include "ganrig/detector.hpp"

namespace ganrig {

struct RealFeatures {
  torch::Tensor features;   // [N, D] float32, CPU, in the protocol's fixed order
  std::string key;          // hex sha256
  std::string dataset_sha256;
  bool from_cache = false;
};

// Called after each batch with (done, total).
using FeatureProgress = std::function<void(std::int64_t, std::int64_t)>;

// The images used as reals: all of them, or max_real of them picked by a fixed permutation (seed 0).
torch::Tensor real_image_indices(std::int64_t dataset_size, std::int64_t max_real);

std::string dataset_pixels_sha256(const Dataset& dataset);

RealFeatures real_features(const Dataset& dataset, Detector& detector, const std::string& detector_name,
                           std::int64_t max_real, const std::filesystem::path& cache_folder, std::int64_t batch,
                           const FeatureProgress& progress = {});

}  // namespace ganrig
