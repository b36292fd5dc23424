// Module tensors by name, and their strict loading with errors that name the key.
#include "ganrig/state_dict.hpp"

#include <fmt/format.h>

#include <set>

#include "ganrig/error.hpp"

namespace ganrig {

namespace {

std::string shape_of(const torch::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

std::vector<std::pair<std::string, torch::Tensor>> live_tensors(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : module.named_parameters(true)) tensors.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) tensors.emplace_back(item.key(), item.value());
  return tensors;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module& module) {
  auto tensors = live_tensors(module);
  for (auto& [name, tensor] : tensors) tensor = tensor.detach().to(torch::kCPU).contiguous();
  return tensors;
}

void load_module_state(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& state,
                       const std::string& source) {
  const auto tensors = live_tensors(module);
  std::set<std::string> expected;
  for (const auto& [name, tensor] : tensors) {
    expected.insert(name);
    const auto found = state.find(name);
    if (found == state.end())
      throw Error(fmt::format("{}: no tensor '{}' (expected shape {})", source, name, shape_of(tensor)));
    if (found->second.sizes() != tensor.sizes())
      throw Error(fmt::format("{}: '{}' has shape {}, the network needs {}", source, name, shape_of(found->second),
                              shape_of(tensor)));
  }
  for (const auto& [name, tensor] : state)
    if (!expected.count(name))
      throw Error(fmt::format("{}: '{}' {} is not a tensor of this network (another architecture or settings?)", source,
                              name, shape_of(tensor)));
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : tensors) {
    torch::Tensor target = tensor;  // shares storage with the module's tensor
    target.copy_(state.at(name));
  }
}

}  // namespace ganrig
