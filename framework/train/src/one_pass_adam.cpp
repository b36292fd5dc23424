#include "ganrig/train/one_pass_adam.hpp"

#include <ATen/Parallel.h>

#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "adam_update_kernel.hpp"

namespace ganrig {

namespace {

// LibTorch keys an optimizer's state by the parameter's TensorImpl: as a string in 1.13, as the
// pointer itself in 2.x.
template <typename Key>
Key state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>)
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  else
    return p.unsafeGetTensorImpl();
}

torch::optim::AdamParamState& state_of(torch::optim::Optimizer& optimizer, const torch::Tensor& p) {
  if (auto* state = adam_state(optimizer, p)) return *state;
  auto& states = optimizer.state();
  using Key = typename std::decay_t<decltype(states)>::key_type;
  auto state = std::make_unique<torch::optim::AdamParamState>();  // torch::optim::Adam's initial state
  state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  auto& stored = *states.emplace(state_key<Key>(p), std::move(state)).first->second;
  return static_cast<torch::optim::AdamParamState&>(stored);
}

template <typename T>
void one_pass(torch::Tensor& p, torch::Tensor& g, torch::Tensor& m, torch::Tensor& v,
              const adam_kernel::Coefficients<T>& c) {
  T* param = p.data_ptr<T>();
  T* grad = g.data_ptr<T>();
  T* exp_avg = m.data_ptr<T>();
  T* exp_avg_sq = v.data_ptr<T>();
  constexpr std::int64_t grain = 1 << 15;  // ATen's internal grain size for element-wise kernels
  at::parallel_for(0, p.numel(), grain, [&](std::int64_t begin, std::int64_t end) {
    adam_kernel::update(param, grad, exp_avg, exp_avg_sq, begin, end, c);
  });
  // Written through pointers: bump the version counters as the in-place operations would, so what
  // keys a cache on a tensor's version (spectral norm's saved W v) or autograd's saved-tensor
  // check sees the write.
  for (torch::Tensor* t : {&p, &m, &v}) t->unsafeGetTensorImpl()->bump_version();
  if (c.sanitize) g.unsafeGetTensorImpl()->bump_version();
}

// One step's scalars in double, as torch::optim::Adam computes them; both paths take them from here.
struct StepScalars {
  double beta1, beta2, eps, bias_correction2_sqrt, step_size;
  StepScalars(const torch::optim::AdamOptions& o, std::int64_t step)
      : beta1(std::get<0>(o.betas())), beta2(std::get<1>(o.betas())), eps(o.eps()),
        bias_correction2_sqrt(std::sqrt(1 - std::pow(beta2, step))), step_size(o.lr() / (1 - std::pow(beta1, step))) {}
};

template <typename T>
adam_kernel::Coefficients<T> coefficients(const StepScalars& s, bool sanitize) {
  return {static_cast<T>(s.beta1), static_cast<T>(1 - s.beta1), static_cast<T>(s.beta2), static_cast<T>(1 - s.beta2),
          static_cast<T>(s.bias_correction2_sqrt), static_cast<T>(s.eps), static_cast<T>(-s.step_size), sanitize};
}

// torch::optim::Adam's own sequence (weight decay and AMSGrad excluded), for what one pass cannot take.
void reference_update(torch::Tensor& p, torch::Tensor& g, torch::optim::AdamParamState& state, const StepScalars& s,
                      bool sanitize) {
  if (sanitize) g.nan_to_num_(0.0, 1e5, -1e5);
  state.exp_avg().mul_(s.beta1).add_(g, 1 - s.beta1);
  state.exp_avg_sq().mul_(s.beta2).addcmul_(g, g, 1 - s.beta2);
  const torch::Tensor denom = (state.exp_avg_sq().sqrt() / s.bias_correction2_sqrt).add_(s.eps);
  p.addcdiv_(state.exp_avg(), denom, -s.step_size);
}

}  // namespace

torch::optim::AdamParamState* adam_state(torch::optim::Optimizer& optimizer, const torch::Tensor& param) {
  auto& states = optimizer.state();
  using Key = typename std::decay_t<decltype(states)>::key_type;
  const auto found = states.find(state_key<Key>(param));
  return found == states.end() ? nullptr : static_cast<torch::optim::AdamParamState*>(found->second.get());
}

bool adam_one_pass_applies(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& m,
                           const torch::Tensor& v) {
  const auto type = p.scalar_type();
  if (!p.device().is_cpu() || (type != torch::kFloat && type != torch::kDouble)) return false;
  for (const auto* t : {&g, &m, &v})
    if (!t->device().is_cpu() || t->scalar_type() != type || t->strides() != p.strides() || t->sizes() != p.sizes())
      return false;
  return p.is_non_overlapping_and_dense();
}

OnePassAdam::OnePassAdam(std::vector<torch::Tensor> params, const torch::optim::AdamOptions& options)
    : torch::optim::Adam(std::move(params), options) {
  if (options.weight_decay() != 0 || options.amsgrad())
    throw std::invalid_argument("OnePassAdam: weight decay and AMSGrad are not implemented");
}

torch::Tensor OnePassAdam::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  update(false);
  return loss;
}

void OnePassAdam::sanitize_and_step() { update(true); }

void OnePassAdam::clear_gradients() {
  for (auto& group : param_groups())
    for (auto& p : group.params()) p.mutable_grad().reset();
}

void OnePassAdam::update(bool sanitize) {
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      torch::Tensor g = p.grad();
      if (!g.defined()) continue;
      TORCH_CHECK(!g.is_sparse(), "OnePassAdam does not take sparse gradients");
      auto& state = state_of(*this, p);
      state.step(state.step() + 1);
      const StepScalars scalars(options, state.step());
      auto& m = state.exp_avg();
      auto& v = state.exp_avg_sq();
      if (!adam_one_pass_applies(p, g, m, v))
        reference_update(p, g, state, scalars, sanitize);
      else if (p.scalar_type() == torch::kFloat)
        one_pass<float>(p, g, m, v, coefficients<float>(scalars, sanitize));
      else
        one_pass<double>(p, g, m, v, coefficients<double>(scalars, sanitize));
    }
  }
}

}  // namespace ganrig
