#pragma once
// A module's tensors by name (parameters, then buffers, as PyTorch's state_dict() lists them) and
// the strict reverse, shared by the weight formats of `ganrig export` / `ganrig import`.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ganrig {

// (name, detached CPU tensor) for every parameter and buffer of `module`, recursively.
std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module& module);

// Copies `state` into `module`'s parameters and buffers (onto their device and dtype). Every tensor
// of the module must be there with its shape, and nothing else: otherwise an Error that names the
// first missing, extra or misshapen key, `source` saying where the state dict came from.
void load_module_state(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& state,
                       const std::string& source);

}  // namespace ganrig
