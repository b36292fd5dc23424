#pragma once
// [exec] precision: how the forward passes run. "fp32" (the default, as the official code),
// "bf16" (autocast to bfloat16: CPUs with avx512_bf16/AMX and CUDA), "fp16" (autocast to float16
// with a dynamic gradient scaler, CUDA only). Autocast covers forward passes only; backward runs in
// the dtypes the forward chose, parameters and optimizer state stay float32.
#include <torch/torch.h>

#include <map>
#include <string>

#include "ganrig/train/stateful.hpp"

namespace ganrig {

class Precision : public Stateful {
 public:
  Precision() = default;
  Precision(const std::string& name, const torch::Device& device);  // ConfigError for an unsupported pair

  const std::string& name() const { return name_; }
  bool autocast() const { return dtype_ != torch::kFloat; }

  // Autocast on for the lifetime of the guard (nothing for fp32).
  class ForwardGuard {
   public:
    explicit ForwardGuard(const Precision& p);
    ~ForwardGuard();
    ForwardGuard(const ForwardGuard&) = delete;
    ForwardGuard& operator=(const ForwardGuard&) = delete;

   private:
    bool active_ = false, cuda_ = false, was_enabled_ = false;
    at::ScalarType was_dtype_ = at::kFloat;
  };

  // fp16: the loss times the current scale (gradients come out scaled); others: the loss.
  torch::Tensor scale(const torch::Tensor& loss) const;
  // fp16: unscales the gradients in place, updates the scale, and says whether they are finite
  // (a step with non-finite gradients is skipped, as torch.cuda.amp.GradScaler does). Others: true.
  bool unscale_and_check(const std::vector<torch::Tensor>& params);

  void save(TrainingState& state) const override;  // fp16: the scaler's scale and growth tracker
  void load(const TrainingState& state) override;

 private:
  std::string name_ = "fp32";
  torch::ScalarType dtype_ = torch::kFloat;
  torch::Device device_ = torch::kCPU;
  torch::Tensor scale_, growth_tracker_;  // fp16 only, on the device
};

}  // namespace ganrig
