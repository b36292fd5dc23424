#pragma once
// What a built fastgan generator is, as its weight formats (pg_weight_format.cpp) need to know it:
// the settings that decide which tensors exist and what the official constructor would be given.
#include <cstdint>
#include <map>

namespace ganrig_fastgan {

struct FastganLayout {
  std::int64_t latent_dim = 256, ngf = 128, resolution = 256, channels = 3;
  std::map<std::int64_t, bool> big;  // up block at resolution r: big (two convs, noise) or small
  bool normalize_latent = true, tanh = false, skip_excitation = true;
  std::int64_t classes = 0;           // > 0: conditional (FastganSynthesisCond)
  std::int64_t class_embeddings = 0;  // rows of its class embedding
};

class HasFastganLayout {
 public:
  virtual ~HasFastganLayout() = default;
  virtual const FastganLayout& layout() const = 0;
};

}  // namespace ganrig_fastgan
