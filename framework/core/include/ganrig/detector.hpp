#pragma once
// kind "detector": a frozen feature network that evaluation metrics (FID, KID, precision/recall)
// compare real and generated images with. Its registered name is the suffix of metric names:
// "fid5k_incv3nsfw" uses the detector "incv3nsfw"; a name without suffix ("fid5k") uses
// "inception", the TorchScript Inception the papers' numbers come from.
#include <cstdint>
#include <string>

#include <torch/types.h>

namespace ganrig {

class Detector {
 public:
  static constexpr const char* kind = "detector";
  virtual ~Detector() = default;
  // uint8 images [N, C, H, W] (C = 1 is repeated to 3) on any device -> float32 [N, D] on the CPU.
  virtual torch::Tensor features(const torch::Tensor& images_uint8) = 0;
  virtual std::int64_t feature_dim() const = 0;
  // sha256 of the weight file: part of every reported value's protocol and of cache keys.
  virtual std::string weights_sha256() const = 0;
  // How images reach the network (resize filter and size, input range), recorded with every value.
  virtual std::string preprocessing() const = 0;
  virtual void to(const torch::Device& device) = 0;
};

}  // namespace ganrig
