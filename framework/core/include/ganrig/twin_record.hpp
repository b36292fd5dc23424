#pragma once
// What a twin run replays in another implementation of the same training step (tools/twin/, e.g.
// the official Projected GAN code): while a TwinRecording is open on this thread, every tensor
// passed to recorded() -- random draws (latents, noise, augmentation) and what the loss saw (logits)
// -- is kept as a detached CPU copy, in order. Closed, recorded() only returns its argument.
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace ganrig {

class TwinRecording {
 public:
  TwinRecording();  // one at a time per thread
  ~TwinRecording();
  TwinRecording(const TwinRecording&) = delete;
  TwinRecording& operator=(const TwinRecording&) = delete;
  const std::vector<std::pair<std::string, torch::Tensor>>& entries() const { return entries_; }

 private:
  friend const torch::Tensor& recorded(const char* what, const torch::Tensor& value);
  std::vector<std::pair<std::string, torch::Tensor>> entries_;
};

// `value`, unchanged; kept under `what` when a recording is open.
const torch::Tensor& recorded(const char* what, const torch::Tensor& value);

}  // namespace ganrig
