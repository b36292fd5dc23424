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

// From 2.4 TCPStore asks for its libuv server by default, which Debian 13's LibTorch 2.6 is built
// without ("use_libuv was requested but PyTorch was build without libuv support"): the classic
// server, as in 1.x, everywhere.
template <class Options>
void use_classic_tcp_store(Options& options) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  options.useLibUV = false;
#else
  (void)options;
#endif
}

}  // namespace ganrig
