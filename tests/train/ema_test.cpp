// EMA: beta as Projected GAN computes it; parameters averaged, buffers copied.
#include "catch_compat.hpp"

#include "ganrig/train/ema.hpp"

using namespace ganrig;

TEST_CASE("ema beta with half-life and ramp-up", "[ema]") {
  // Projected GAN at batch 64: ema_kimg = 64 * 10 / 32 = 20 -> beta = 0.5^(64/20000) at steady state.
  CHECK(ema_beta(64, 10'000'000, 20.0, 0.05) == Approx(std::pow(0.5, 64.0 / 20000.0)));
  CHECK(ema_beta(64, 10'000'000, 20.0, 0.05) == Approx(0.99778).epsilon(1e-5));
  // During ramp-up the half-life is cur_nimg * 0.05.
  CHECK(ema_beta(64, 100'000, 20.0, 0.05) == Approx(std::pow(0.5, 64.0 / 5000.0)));
  CHECK(ema_beta(64, 0, 20.0, 0.05) == Approx(0.0));
  CHECK(ema_beta(64, 0, 20.0, 0.0) == Approx(std::pow(0.5, 64.0 / 20000.0)));  // no ramp-up
  CHECK(ema_beta(64, 1000, 0.0, 0.05) == 0.0);                                 // EMA off
}

TEST_CASE("update_ema averages parameters and copies buffers", "[ema]") {
  torch::nn::BatchNorm2d g(2), ema(2);
  {
    torch::NoGradGuard no_grad;
    g->weight.fill_(1.0);
    ema->weight.fill_(0.0);
    g->running_mean.fill_(3.0);
  }
  update_ema(*ema, *g, 0.75);
  CHECK(ema->weight[0].item<double>() == Approx(0.25));  // lerp(g, ema, 0.75) = 1 + 0.75 * (0 - 1)
  CHECK(ema->running_mean[0].item<double>() == Approx(3.0));
}
