#pragma once
// Adam's update of one parameter as a single pass over its memory (see one_pass_adam.hpp). No
// LibTorch header: the loop is compiled on its own, without errno for sqrt, so it vectorizes.
#include <cstdint>

namespace ganrig::adam_kernel {

// The update's scalars, each rounded to the parameter's type as ATen rounds a Scalar argument.
template <typename T>
struct Coefficients {
  T beta1, one_minus_beta1;        // exp_avg.mul_(beta1).add_(grad, 1 - beta1)
  T beta2, one_minus_beta2;        // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
  T bias_correction2_sqrt, eps;    // denom = exp_avg_sq.sqrt() / sqrt(bias_correction2) + eps
  T negative_step_size;            // param.addcdiv_(exp_avg, denom, -lr / bias_correction1)
  bool sanitize;                   // grad.nan_to_num_(0, 1e5, -1e5) first, written back
};

// Elements [begin, end) of four tensors with the same layout.
template <typename T>
void update(T* param, T* grad, T* exp_avg, T* exp_avg_sq, std::int64_t begin, std::int64_t end,
            const Coefficients<T>& c);

}  // namespace ganrig::adam_kernel
