#pragma once
// The one place where LibTorch 1.x and 2.x differ for ganrig's c10d code: in 2.x the backends
// (ProcessGroupGloo, ProcessGroupNCCL) derive from c10d::Backend, and a c10d::ProcessGroup holds
// them; ganrig calls a backend's collectives directly, as it called the 1.x process group's.
#include <torch/version.h>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#endif

namespace ganrig {

#if TORCH_VERSION_MAJOR >= 2
using CollectiveGroup = c10::intrusive_ptr<c10d::Backend>;
#else
using CollectiveGroup = c10::intrusive_ptr<c10d::ProcessGroup>;
#endif

}  // namespace ganrig
