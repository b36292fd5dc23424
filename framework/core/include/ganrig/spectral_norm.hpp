#pragma once
// Spectral normalization with PyTorch's semantics (torch.nn.utils.spectral_norm): the module keeps
// `weight_orig` as the parameter and `weight_u`, `weight_v` as buffers; every forward in training
// mode runs one power iteration (updating u and v) and divides the weight by sigma = u^T W v;
// in eval mode u and v are used as they are.
#include <torch/torch.h>

namespace ganrig {

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

  const torch::Tensor& u() const { return u_; }
  const torch::Tensor& v() const { return v_; }

 private:
  torch::Tensor matrix(const torch::Tensor& w) const;
  torch::Tensor u_, v_;
  std::int64_t dim_;
  int power_iterations_;
  double eps_;
};

// A plain or spectrally normalized 2-D convolution (optionally transposed, optionally grouped).
// Parameter names follow PyTorch: `weight` (or `weight_orig` with spectral norm) and `bias`.
class Conv2dLayerImpl : public torch::nn::Module {
 public:
  struct Options {
    std::int64_t in_channels, out_channels, kernel;
    std::int64_t stride = 1, padding = 0, groups = 1;
    bool bias = true, transposed = false, spectral_norm = false;
    double equalized_gain = 0.0;  // > 0: equalized learning rate (weights N(0,1), runtime scale)
  };
  explicit Conv2dLayerImpl(const Options& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor effective_weight();  // the weight the forward would use (no u/v update)
  const Options& options() const { return options_; }

 private:
  std::int64_t output_numel(const torch::Tensor& x) const;
  torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& bias) const;
  Options options_;
  double runtime_scale_ = 1.0;
  torch::Tensor weight_, bias_;
  std::unique_ptr<SpectralNorm> sn_;
};
TORCH_MODULE(Conv2dLayer);

}  // namespace ganrig
