#include "ganrig/train/ema.hpp"

#include <cmath>

namespace ganrig {

double ema_beta(std::int64_t batch, std::int64_t cur_nimg, double ema_kimg, double rampup) {
  if (ema_kimg <= 0) return 0.0;
  double ema_nimg = ema_kimg * 1000.0;
  if (rampup > 0) ema_nimg = std::min(ema_nimg, static_cast<double>(cur_nimg) * rampup);
  return std::pow(0.5, static_cast<double>(batch) / std::max(ema_nimg, 1e-8));
}

void update_ema(torch::nn::Module& ema, const torch::nn::Module& g, double beta) {
  torch::NoGradGuard no_grad;
  auto ema_params = ema.parameters();
  auto g_params = g.parameters();
  TORCH_CHECK(ema_params.size() == g_params.size(), "G and G_ema differ in structure");
  // ema = lerp(g, ema, beta), written in place (the official p.lerp(p_ema, beta) without a temporary).
  for (std::size_t i = 0; i < ema_params.size(); ++i) torch::lerp_out(ema_params[i], g_params[i], ema_params[i], beta);
  auto ema_buffers = ema.buffers();
  auto g_buffers = g.buffers();
  TORCH_CHECK(ema_buffers.size() == g_buffers.size(), "G and G_ema differ in buffers");
  for (std::size_t i = 0; i < ema_buffers.size(); ++i) ema_buffers[i].copy_(g_buffers[i]);
}

void copy_module_state(torch::nn::Module& to, const torch::nn::Module& from) { update_ema(to, from, 0.0); }

}  // namespace ganrig
