#pragma once
// Whether one training step can fit in this machine's memory, known before the first batch is
// allocated: G's forward and D's forward on its output are run with autograd on two latents and
// the heap they hold is measured, then scaled to the micro-batch. That is a lower bound of a step
// (the backward passes and the real-image phase come on top), so a micro-batch it refuses cannot
// fit; `ganrig train --dry-run` prints the figures.
#include <cstdint>
#include <optional>
#include <string>

#include <torch/types.h>

namespace ganrig {

class Config;
struct Models;

struct StepMemory {
  std::int64_t micro_batch = 0;  // images one forward pass holds at once (on one process)
  std::int64_t measured_images = 2;
  double bytes_per_image = 0;     // G forward + D forward of G's output, with autograd
  double needed_bytes = 0;        // bytes_per_image * micro_batch: at least this per step
  std::int64_t available_bytes = -1;  // memory_available_bytes(), -1 unknown
};

// Measured on the CPU (nullopt for another device: the check is the CPU's), in eval mode so no
// BatchNorm statistics or spectral-norm vectors change, with latents from a generator of its own
// so the run's random streams are untouched. `precision` as [exec] precision.
std::optional<StepMemory> measure_step_memory(const Models& models, const Config& config, int world_size,
                                              const torch::Device& device, const std::string& precision);

// A ConfigError located at [train] batch (and [exec] batch_per_device) when the lower bound
// exceeds the memory available.
void refuse_step_beyond_memory(const StepMemory& memory, const Config& config);

// "one step at a micro-batch of 16 images needs at least 34 MiB (2.1 MiB per image); 20.3 GiB available"
std::string describe_step_memory(const StepMemory& memory);

}  // namespace ganrig
