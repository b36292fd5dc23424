#pragma once
// Class-conditional BatchNorm as the official Projected GAN code's CCBN (pg_modules/blocks.py, from
// BigGAN): batch statistics (running `stored_mean` / `stored_var`, momentum 0.1, no affine), then
// out * (1 + gain(y)) + bias(y), where gain and bias are spectral-norm linear layers of the class
// embedding y. The names are the official ones, so the pg weight format maps them one to one.
#include <cmath>
#include <cstdint>

#include <torch/torch.h>

#include "ganrig/spectral_norm.hpp"

namespace ganrig_fastgan {

// torch.nn.utils.spectral_norm(nn.Linear(in, out)): weight_orig, bias, weight_u, weight_v, with
// nn.Linear's initialisation (kaiming-uniform weights with a = sqrt(5), bias U(+-1/sqrt(in))).
class SpectralLinearImpl : public torch::nn::Module {
 public:
  SpectralLinearImpl(std::int64_t in, std::int64_t out)
      : weight_orig(register_parameter("weight_orig", torch::empty({out, in}))),
        bias(register_parameter("bias", torch::empty({out}))) {
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_uniform_(weight_orig, std::sqrt(5.0));
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    bias.uniform_(-bound, bound);
    norm_ = std::make_unique<ganrig::SpectralNorm>(*this, weight_orig, 0);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::nn::functional::linear(x, norm_->weight(weight_orig, is_training()), bias);
  }
  torch::Tensor weight_orig, bias;

 private:
  std::unique_ptr<ganrig::SpectralNorm> norm_;
};
TORCH_MODULE(SpectralLinear);

class ConditionalBatchNormImpl : public torch::nn::Module {
 public:
  ConditionalBatchNormImpl(std::int64_t channels, std::int64_t embedding_dim)
      : gain(register_module("gain", SpectralLinear(embedding_dim, channels))),
        bias(register_module("bias", SpectralLinear(embedding_dim, channels))),
        stored_mean(register_buffer("stored_mean", torch::zeros({channels}))),
        stored_var(register_buffer("stored_var", torch::ones({channels}))) {}
  // x [B, C, H, W]; y [B, embedding_dim], the class embedding.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& y) {
    const torch::Tensor scale = (1 + gain->forward(y)).view({y.size(0), -1, 1, 1});
    const torch::Tensor shift = bias->forward(y).view({y.size(0), -1, 1, 1});
    const torch::Tensor out = torch::batch_norm(x, {}, {}, stored_mean, stored_var, is_training(), 0.1, 1e-5,
                                                at::globalContext().userEnabledCuDNN());
    return out * scale + shift;
  }
  SpectralLinear gain, bias;
  torch::Tensor stored_mean, stored_var;
};
TORCH_MODULE(ConditionalBatchNorm);

}  // namespace ganrig_fastgan
