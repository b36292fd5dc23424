#pragma once
// A capability a discriminator may add to the interface: it judges real images and also decodes
// images from its own intermediate features (FastGAN's self-supervised decoders, Liu et al. 2021),
// so a loss can train it to keep enough of the image in those features. The loss asks for it with
// dynamic_cast; a discriminator without decoders simply does not derive from it. Kept out of
// interfaces.hpp: it is an optional extra, not part of every discriminator's ABI.
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ganrig/interfaces.hpp"

namespace ganrig {

// One decoder's output and the image it should reproduce (same shape, [B, C, S, S] in [-1, 1]).
struct Reconstruction {
  std::string name;  // e.g. "big", "small", "part"
  torch::Tensor image, target;
};

struct JudgedReals {
  torch::Tensor logits;  // what forward(reals, c) returns
  std::vector<Reconstruction> reconstructions;
};

class __attribute__((visibility("default"))) ReconstructingDiscriminator {
 public:
  virtual ~ReconstructingDiscriminator();  // defined in the core: one type_info for every plugin
  // The reals' logits (as forward) and the decoders' reconstructions of those same (augmented) reals.
  virtual JudgedReals judge_and_reconstruct(const torch::Tensor& reals, const Condition& c = {}) = 0;
};

}  // namespace ganrig
