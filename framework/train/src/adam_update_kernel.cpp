#include "adam_update_kernel.hpp"

#include <cmath>
#include <limits>

namespace ganrig::adam_kernel {

namespace {

// nan_to_num(nan = 0, posinf = 1e5, neginf = -1e5), as a select the compiler can vectorize.
template <typename T>
T sanitized(T g) {
  constexpr T infinity = std::numeric_limits<T>::infinity();
  const T finite = g == infinity ? T(1e5) : (g == -infinity ? T(-1e5) : g);
  return g != g ? T(0) : finite;
}

}  // namespace

// Each line is one of the reference's tensor operations on one element, in its order of rounding.
template <typename T>
void update(T* __restrict param, T* __restrict grad, T* __restrict exp_avg, T* __restrict exp_avg_sq,
            std::int64_t begin, std::int64_t end, const Coefficients<T>& c) {
  const bool sanitize = c.sanitize;
  for (std::int64_t i = begin; i < end; ++i) {
    T g = grad[i];
    if (sanitize) {
      g = sanitized(g);
      grad[i] = g;
    }
    const T m = exp_avg[i] * c.beta1 + c.one_minus_beta1 * g;
    const T v = exp_avg_sq[i] * c.beta2 + c.one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    const T denom = std::sqrt(v) / c.bias_correction2_sqrt + c.eps;
    param[i] = param[i] + c.negative_step_size * m / denom;
  }
}

template void update<float>(float*, float*, float*, float*, std::int64_t, std::int64_t, const Coefficients<float>&);
template void update<double>(double*, double*, double*, double*, std::int64_t, std::int64_t,
                             const Coefficients<double>&);

}  // namespace ganrig::adam_kernel
