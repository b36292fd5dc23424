#pragma once
// Distances between a decoder's reconstruction and its target, per image ([B]), for FastGAN's
// reconstruction loss. The official code uses LPIPS-VGG, whose weights cannot be installed here:
//   l1         mean |a - b| over each image's pixels;
//   projector  LPIPS's formula without its learned channel weights ("lpips=False" in the lpips
//              package) on the experiment's frozen [projector] features: per level, channels unit
//              normalised, squared difference summed over channels, averaged over space; summed
//              over the four levels;
//   torchscript a TorchScript module the user gives (e.g. lpips.LPIPS(net="vgg") traced), called as
//              forward(a, b) on images in [-1, 1], returning one distance per image.
#include <filesystem>
#include <memory>

#include <torch/torch.h>

#include "ganrig/build_context.hpp"

namespace ganrig_fastgan_pytorch {

class PerceptualDistance {
 public:
  virtual ~PerceptualDistance() = default;
  virtual torch::Tensor per_image(const torch::Tensor& a, const torch::Tensor& b) = 0;
  // Submodules to register with the loss (the projector), or nullptr.
  virtual std::shared_ptr<torch::nn::Module> module() { return nullptr; }
};

// Built from the loss's `perceptual` and `lpips_file` keys; a located ConfigError when the choice
// needs something the experiment does not have ([projector] table, an existing file).
std::unique_ptr<PerceptualDistance> make_perceptual(const ganrig::ConfigView& cfg, ganrig::BuildContext& ctx);

}  // namespace ganrig_fastgan_pytorch
