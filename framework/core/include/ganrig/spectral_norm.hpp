#pragma once
// Spectral normalization with PyTorch's semantics (torch.nn.utils.spectral_norm): the module keeps
// `weight_orig` as the parameter and `weight_u`, `weight_v` as buffers; every forward in training
// mode runs one power iteration (updating u and v) and divides the weight by sigma = u^T W v;
// in eval mode u and v are used as they are. sigma's value reuses the power iteration's W v, and
// its gradient is autograd's for u^T W v, made in the weight's own layout and, through
// weight_and_sigma, summed in place with the layer's own (tests/core/spectral_norm_test.cpp: bit for bit).
//
// Inside a SpectralNormStep (the training loop opens one per optimisation phase) a module runs its
// power iteration at its first training-mode forward of the step only, and every later forward
// of the step uses that u and v: one iteration per update, as Miyato et al. 2018 (Algorithm 1),
// however the batch is split into micro-batches or processes. PyTorch's per-forward iteration
// would make the result depend on the split (k micro-batches, k iterations), and the replicas of
// a data-parallel group would each do their own; with the step, 1 process accumulating and N
// processes sharing a batch train the same weights (docs/distributed.md).
#include <cstdint>

#include <torch/torch.h>

namespace ganrig {

// Opens an optimisation step for the spectral norms of this thread (nesting is not supported).
class SpectralNormStep {
 public:
  SpectralNormStep();
  ~SpectralNormStep();
  SpectralNormStep(const SpectralNormStep&) = delete;
  SpectralNormStep& operator=(const SpectralNormStep&) = delete;
  // The open step's number, or 0 outside a step (every forward iterates).
  static std::uint64_t current();
};

class SpectralNorm {
 public:
  // Registers weight_u and weight_v on `owner` for a weight of this shape. `dim` is the output
  // dimension (0 for Conv2d and Linear, 1 for ConvTranspose2d, as PyTorch chooses).
  SpectralNorm(torch::nn::Module& owner, const torch::Tensor& weight_orig, std::int64_t dim,
               int power_iterations = 1, double eps = 1e-12);

  // The normalized weight; updates u and v when `training` is true.
  torch::Tensor weight(const torch::Tensor& weight_orig, bool training);
  // sigma = u^T W v (after the power iteration when `training`): weight() is weight_orig / sigma.
  torch::Tensor sigma(const torch::Tensor& weight_orig, bool training);
  // weight_orig (an alias) and sigma from one autograd node: a layer that uses this weight and
  // this sigma gets the weight's two gradients summed in place instead of into a new tensor. The
  // gradient that reaches the alias is summed into, so the alias may feed only operations whose
  // backward makes a new gradient tensor (convolutions, matrix products, division by sigma, dtype
  // casts: Conv2dLayer's uses), never one that hands its gradient on to other inputs as well.
  struct WeightSigma {
    torch::Tensor weight, sigma;
  };
  WeightSigma weight_and_sigma(const torch::Tensor& weight_orig, bool training);

  const torch::Tensor& u() const { return u_; }
  const torch::Tensor& v() const { return v_; }

 private:
  // The weight as a matrix with `dim` first (a copy for dim 1).
  torch::Tensor matrix(const torch::Tensor& w) const;
  // One power iteration step per power_iterations_, updating u, v and the saved W v.
  void iterate(const torch::Tensor& weight_orig);
  // W v without a graph (sigma's gradient is made by hand).
  torch::Tensor weight_times(const torch::Tensor& weight_orig, const torch::Tensor& v) const;
  torch::Tensor u_, v_;
  // W v of the last power iteration and the weight it was computed from (storage, version): sigma
  // = u^T (W v) takes it instead of a third matrix-vector product of the same W and v.
  torch::Tensor wv_;
  const void* wv_weight_ = nullptr;
  std::int64_t wv_version_ = 0;
  std::int64_t dim_;
  std::uint64_t iterated_in_step_ = 0;  // the SpectralNormStep whose iteration was done
  int power_iterations_;
  double eps_;
};

}  // namespace ganrig
