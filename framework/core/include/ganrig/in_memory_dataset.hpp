#pragma once
// The shape every built-in dataset has: all images decoded once into one uint8 tensor in memory,
// a flip setting and a description. A dataset plugin derives from it and calls hold() once in its
// constructor.
#include <string>
#include <utility>
#include <vector>

#include "ganrig/interfaces.hpp"

namespace ganrig {

class InMemoryDataset : public Dataset {
 public:
  const torch::Tensor& images() const override { return images_; }
  bool xflip() const override { return xflip_; }
  std::string description() const override { return description_; }
  const torch::Tensor& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }

 protected:
  // uint8 [N, C, R, R] on the CPU (made contiguous here).
  void hold(torch::Tensor images, bool xflip, std::string description) {
    images_ = images.contiguous();
    xflip_ = xflip;
    description_ = std::move(description);
  }
  // Class labels, int64 [N] (one per image held) in [0, names.size()), and the class names. A
  // dataset without labels never calls it. A dry run passes an empty tensor with the names.
  void hold_labels(torch::Tensor labels, std::vector<std::string> names) {
    TORCH_CHECK(labels.dim() == 1 && labels.size(0) == images_.size(0), "one label per image");
    TORCH_CHECK(labels.numel() == 0 || (labels.min().item<std::int64_t>() >= 0 &&
                                        labels.max().item<std::int64_t>() < static_cast<std::int64_t>(names.size())),
                "labels in [0, classes)");
    labels_ = labels.to(torch::kLong).contiguous();
    class_names_ = std::move(names);
  }
  // A dry run (dry_run.hpp) reads no images: an empty dataset of the shape the networks are built for.
  void hold_shape(std::int64_t channels, std::int64_t resolution, const std::string& description) {
    hold(torch::empty({0, channels, resolution, resolution}, torch::kUInt8), false,
         description + " (dry run: no images read)");
  }

 private:
  torch::Tensor images_, labels_;
  std::vector<std::string> class_names_;
  bool xflip_ = false;
  std::string description_;
};

}  // namespace ganrig
