#include "ganrig/twin_record.hpp"

#include <torch/torch.h>

#include "ganrig/error.hpp"

namespace ganrig {

namespace {
thread_local TwinRecording* open_recording = nullptr;
}

TwinRecording::TwinRecording() {
  if (open_recording) throw Error("a twin recording is already open on this thread");
  open_recording = this;
}

TwinRecording::~TwinRecording() { open_recording = nullptr; }

const torch::Tensor& recorded(const char* what, const torch::Tensor& value) {
  if (open_recording) open_recording->entries_.emplace_back(what, value.detach().to(torch::kCPU, /*non_blocking=*/false, /*copy=*/true));
  return value;
}

}  // namespace ganrig
