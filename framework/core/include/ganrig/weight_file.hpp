#pragma once
// Pretrained weights converted by tools/ (e.g. tools/nsfwjs/convert.js): "GANRIGW1", a uint64 LE
// header length, a JSON header {source, tensors: [{name, shape, offset}]}, then float32 LE values.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "ganrig/cache.hpp"

namespace ganrig {

struct WeightFile {
  std::map<std::string, torch::Tensor> tensors;  // by the source framework's names and layouts
  std::string source_json;                       // where the weights came from (package, version, sha256)
  std::string sha256;                            // of the file itself

  // The tensor `name`, checked against the expected shape; errors name the file.
  torch::Tensor get(const std::string& name, const std::vector<std::int64_t>& shape) const;
  std::filesystem::path file;
};

WeightFile read_weight_file(const std::filesystem::path& file);


// The weights a component's `weights` key names ("" means <cache>/`default_file`). A missing file
// is a ConfigError at the key that says how to create it (`how_to_create`), unless the
// component's `allow_random` key is true: then nullopt (the caller keeps its random weights).
std::optional<WeightFile> load_component_weights(const class ConfigView& cfg, const std::string& default_file,
                                                 const std::string& how_to_create);

// "sha256:<hex>" of loaded weights, or the note that the weights are random.
std::string weights_identity(const std::optional<WeightFile>& weights);

// A pretrained network's set-up, in one place: load_component_weights, then `load` (the network
// copies the tensors it needs) when the file exists, then every parameter frozen and eval mode.
// Returns weights_identity.
std::string load_frozen_weights(torch::nn::Module& network, const class ConfigView& cfg, const std::string& default_file,
                                const std::string& how_to_create, const std::function<void(const WeightFile&)>& load);

}  // namespace ganrig
