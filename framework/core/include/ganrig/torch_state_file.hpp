#pragma once
// State dicts in the file format of Python's torch.save / torch.load, so weights move between
// ganrig and Python code (ganrig export / import).
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ganrig {

// A file torch.save(module.state_dict(), path) wrote (an OrderedDict or dict of name -> tensor), read
// onto the CPU. Anything else is an Error naming the file and what it holds instead.
std::map<std::string, torch::Tensor> read_state_dict_file(const std::filesystem::path& file);

// Several state dicts in one file, e.g. {"G": ..., "G_ema": ..., "D": ...} (ganrig export --what
// all), as torch.save of a dict of dicts wrote it; an Error when the top level is not such a dict.
std::map<std::string, std::map<std::string, torch::Tensor>> read_state_dicts_file(const std::filesystem::path& file);
// Whether the file's top-level values are dicts (read_state_dicts_file) rather than tensors.
bool holds_state_dicts(const std::filesystem::path& file);

// Writes name -> tensor, in this order, as a dict that torch.load reads (atomically).
void write_state_dict_file(const std::filesystem::path& file,
                           const std::vector<std::pair<std::string, torch::Tensor>>& state);
// Writes {key: {name: tensor}}, in this order (atomically).
void write_state_dicts_file(
    const std::filesystem::path& file,
    const std::vector<std::pair<std::string, std::vector<std::pair<std::string, torch::Tensor>>>>& dicts);

}  // namespace ganrig
