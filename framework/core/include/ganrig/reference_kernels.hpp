#pragma once
// `[exec] reference_kernels`: components that compute a function faster than the original code by
// reordering it (BatchNorm folded into a convolution, channels-last layout) run the original op
// sequence instead, so that a twin run (tools/twin/) compares the science, not the rounding.
#include "ganrig/config.hpp"

namespace ganrig {

bool reference_kernels(const Config& config);

}  // namespace ganrig
