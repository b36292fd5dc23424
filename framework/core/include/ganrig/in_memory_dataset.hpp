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

 private:
  torch::Tensor images_;
  bool xflip_ = false;
  std::string description_;
};

}  // namespace ganrig
