#pragma once
// Exponential moving average of the generator, as Projected GAN / StyleGAN2-ADA do it.
#include <cstdint>

#include <torch/torch.h>

namespace ganrig {

// beta = 0.5 ^ (batch / ema_nimg), ema_nimg = ema_kimg * 1000, capped by cur_nimg * rampup when
// rampup > 0. ema_kimg == 0 gives beta = 0 (G_ema follows G).
double ema_beta(std::int64_t batch, std::int64_t cur_nimg, double ema_kimg, double rampup);

// Parameters: ema = lerp(g, ema, beta). Buffers (BatchNorm statistics, spectral-norm vectors)
// are copied from G.
void update_ema(torch::nn::Module& ema, const torch::nn::Module& g, double beta);

// Copies every parameter and buffer of `from` into `to` (same architecture).
void copy_module_state(torch::nn::Module& to, const torch::nn::Module& from);

}  // namespace ganrig
