#pragma once
// The shape every built-in dataset has: all images decoded once into one uint8 tensor in memory,
// a flip setting and a description. A dataset plugin derives from it and calls hold() once in its
// constructor.
#include <string>
#include <utility>

#include "ganrig/interfaces.hpp"

namespace ganrig {

class InMemoryDataset : public Dataset {
 public:
  const torch::Tensor& images() const override { return images_; }
  bool xflip() const override { return xflip_; }
  std::string description() const override { return description_; }

 protected:
  // uint8 [N, C, R, R] on the CPU (made contiguous here).
  void hold(torch::Tensor images, bool xflip, std::string description) {
    images_ = images.contiguous();
    xflip_ = xflip;
    description_ = std::move(description);
  }
  // A dry run (dry_run.hpp) reads no images: an empty dataset of the shape the networks are built for.
  void hold_shape(std::int64_t channels, std::int64_t resolution, const std::string& description) {
    hold(torch::empty({0, channels, resolution, resolution}, torch::kUInt8), false,
         description + " (dry run: no images read)");
  }

 private:
  torch::Tensor images_;
  bool xflip_ = false;
  std::string description_;
};

}  // namespace ganrig
