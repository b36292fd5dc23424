#pragma once
// torch::optim::Adam whose update reads and writes each parameter's memory once. The reference
// step is eight tensor operations per parameter (mul_, add_, mul_, addcmul_, sqrt, div, add_,
// addcdiv_), each a pass over the parameter, its gradient or its moments, and Projected GAN's
// gradient nan_to_num before it a ninth: on a 2-core CPU a few percent of a training step, and
// more for the large generators. Same state, same checkpoints, same arithmetic per element
// (tests/train/one_pass_adam_test.cpp gives the tolerance against torch::optim::Adam).
#include <torch/optim/adam.h>

#include <vector>

namespace ganrig {

class OnePassAdam : public torch::optim::Adam {
 public:
  // Options as torch::optim::Adam's; weight decay and AMSGrad are refused (no ganrig config sets them).
  OnePassAdam(std::vector<torch::Tensor> params, const torch::optim::AdamOptions& options);

  torch::Tensor step(LossClosure closure = nullptr) override;
  // The official training loop's nan_to_num(grad, nan=0, posinf=1e5, neginf=-1e5), in place, then step().
  void sanitize_and_step();
  // Drops every gradient, as the official loop's zero_grad(set_to_none=True): the next backward
  // hands its gradient over instead of adding it to zeros, and a parameter that gets none skips
  // the step instead of stepping on a zero gradient (LibTorch 1.13's zero_grad() zero-fills).
  void clear_gradients();

 private:
  void update(bool sanitize);
};

// An Adam optimizer's state of `param` (LibTorch's key differs between 1.13 and 2.x), or null before its first step.
torch::optim::AdamParamState* adam_state(torch::optim::Optimizer& optimizer, const torch::Tensor& param);

// Whether a parameter, its gradient and its two moments take the one pass: on the CPU, fp32 or fp64,
// dense, one layout. Others (CUDA, half types, a channels-last gradient of a contiguous weight)
// take torch::optim::Adam's tensor operations.
bool adam_one_pass_applies(const torch::Tensor& param, const torch::Tensor& grad, const torch::Tensor& exp_avg,
                           const torch::Tensor& exp_avg_sq);

}  // namespace ganrig
