#pragma once
// Autocast state per device type in the spelling of the LibTorch at hand: 2.4 made the API generic
// (is_autocast_enabled(at::kCPU), get_autocast_dtype(at::kCUDA), ...) and deprecated the per-device
// functions of 1.x (is_cpu_enabled, get_autocast_gpu_dtype, ...), which later versions may drop.
#include <ATen/autocast_mode.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define GANRIG_GENERIC_AUTOCAST_API 1
#endif

namespace ganrig::autocast {

inline bool enabled(bool cuda) {
#ifdef GANRIG_GENERIC_AUTOCAST_API
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

inline at::ScalarType dtype(bool cuda) {
#ifdef GANRIG_GENERIC_AUTOCAST_API
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

inline void set(bool cuda, bool on, at::ScalarType type) {
#ifdef GANRIG_GENERIC_AUTOCAST_API
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, type);
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on);
#else
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(type);
    at::autocast::set_enabled(on);
  } else {
    at::autocast::set_autocast_cpu_dtype(type);
    at::autocast::set_cpu_enabled(on);
  }
#endif
}

}  // namespace ganrig::autocast
