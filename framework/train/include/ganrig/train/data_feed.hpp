#pragma once
// Batches of real images from an in-memory dataset: a seeded permutation per epoch, optional
// random x-flips, uint8 -> float in [-1, 1]. Its state is part of every checkpoint.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include "ganrig/interfaces.hpp"
#include "ganrig/train/stateful.hpp"

namespace ganrig {

class DataFeed : public Stateful {
 public:
  DataFeed(const Dataset& dataset, std::uint64_t seed);
  // uint8 [batch, C, R, R] on the CPU; to_signed_float where they are used (on the device).
  torch::Tensor next_uint8(std::int64_t batch) { return next_uint8(batch, 0, batch); }
  // Rows [first, first + count) of the next global batch: every rank of a group draws the same
  // order and flips (one global permutation) and loads only its share.
  torch::Tensor next_uint8(std::int64_t batch, std::int64_t first, std::int64_t count);
  // The class labels (int64 [count]) of the images next_uint8 returned last; undefined for an
  // unlabelled dataset.
  const torch::Tensor& last_labels() const { return last_labels_; }
  // Order, cursor and flip generator; and the dataset's class names, which a resume checks and
  // inference reads (checkpoint_class_names).
  void save(TrainingState& state) const override;
  void load(const TrainingState& state) override;

 private:
  const Dataset& dataset_;
  at::Generator rng_;
  torch::Tensor order_, last_labels_;
  std::int64_t cursor_ = 0;
};

// The class names a checkpoint's state records (empty: an unlabelled dataset, or a checkpoint
// written before labels existed).
std::vector<std::string> checkpoint_class_names(const std::map<std::string, torch::Tensor>& state);
// Records class names in a checkpoint's state (JSON text as uint8: the state holds tensors only); none when empty.
void save_class_names(std::map<std::string, torch::Tensor>& state, const std::vector<std::string>& names);
// One-hot float [N, classes] of int64 labels [N] (the official code's `c`).
torch::Tensor one_hot_condition(const torch::Tensor& labels, std::int64_t classes);

// uint8 [N, C, H, W] -> float in [-1, 1].
torch::Tensor to_signed_float(const torch::Tensor& images_uint8);
// float [N, C, H, W] in [-1, 1] -> a uint8 [C, rows*H, cols*W] grid (x * 127.5 + 128, clamped).
torch::Tensor make_grid(const torch::Tensor& images, std::int64_t rows, std::int64_t cols);

}  // namespace ganrig
