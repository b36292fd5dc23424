#include "ganrig/numpy_random.hpp"

#include <cmath>

namespace ganrig {

NumpyRandomState::NumpyRandomState(std::uint32_t seed) {
  state_[0] = seed;
  for (std::uint32_t i = 1; i < 624; ++i)
    state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + i;
}

// The MT19937 twist of all 624 words at once.
void NumpyRandomState::regenerate() {
  constexpr std::uint32_t upper = 0x80000000U, lower = 0x7fffffffU, matrix = 0x9908b0dfU;
  for (int i = 0; i < 624; ++i) {
    const std::uint32_t y = (state_[i] & upper) | (state_[(i + 1) % 624] & lower);
    state_[i] = state_[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1U) ? matrix : 0U);
  }
  position_ = 0;
}

std::uint32_t NumpyRandomState::next_uint32() {
  if (position_ >= 624) regenerate();
  std::uint32_t y = state_[position_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  return y ^ (y >> 18);
}

double NumpyRandomState::next_double() {
  const std::int32_t a = static_cast<std::int32_t>(next_uint32() >> 5), b = static_cast<std::int32_t>(next_uint32() >> 6);
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

double NumpyRandomState::gauss() {
  if (has_gauss_) {
    has_gauss_ = false;
    return gauss_;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * next_double() - 1.0;
    x2 = 2.0 * next_double() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss_ = f * x1;
  has_gauss_ = true;
  return f * x2;
}

std::vector<double> NumpyRandomState::randn(std::size_t count) {
  std::vector<double> out(count);
  for (auto& v : out) v = gauss();
  return out;
}

}  // namespace ganrig
