#pragma once
// NumPy's .npy files for latents (`ganrig generate --z-file`, `--save-z`): little-endian float32
// or float64 arrays in C order. Anything else is an Error naming the file and what it holds.
#include <filesystem>

#include <torch/types.h>

namespace ganrig {

// A 2-D array [rows, columns] as a float32 CPU tensor; `columns` (when > 0) must match.
torch::Tensor read_npy_matrix(const std::filesystem::path& file, std::int64_t columns = 0);
// A tensor of any shape, atomically written: float64 as float64, anything else as float32.
void write_npy(const std::filesystem::path& file, const torch::Tensor& values);

}  // namespace ganrig
