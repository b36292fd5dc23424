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

template <typename T>
adam_kernel::Coefficients<T> coefficients(const torch::optim::AdamOptions& o, std::int64_t step, bool sanitize) {
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2 = 1 - std::pow(beta2, step);
  return {static_cast<T>(beta1),     static_cast<T>(1 - beta1),
          static_cast<T>(beta2),     static_cast<T>(1 - beta2),
          static_cast<T>(std::sqrt(bias_correction2)), static_cast<T>(o.eps()),
          static_cast<T>(-(o.lr() / bias_correction1)), sanitize};
}

// torch::optim::Adam's own sequence (weight decay and AMSGrad excluded), for what one pass cannot take.
void reference_update(torch::Tensor& p, torch::Tensor& g, torch::optim::AdamParamState& s,
                      const torch::optim::AdamOptions& o, bool sanitize) {
  if (sanitize) g.nan_to_num_(0.0, 1e5, -1e5);
  const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
  const double bias_correction1 = 1 - std::pow(beta1, s.step());
  const double bias_correction2 = 1 - std::pow(beta2, s.step());
  s.exp_avg().mul_(beta1).add_(g, 1 - beta1);
  s.exp_avg_sq().mul_(beta2).addcmul_(g, g, 1 - beta2);
  const torch::Tensor denom = (s.exp_avg_sq().sqrt() / std::sqrt(bias_correction2)).add_(o.eps());
  p.addcdiv_(s.exp_avg(), denom, -(o.lr() / bias_correction1));
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
      auto& s = state_of(*this, p);
      s.step(s.step() + 1);
      torch::Tensor param = p;
      if (!adam_one_pass_applies(param, g, s.exp_avg(), s.exp_avg_sq()))
        reference_update(param, g, s, options, sanitize);
      else if (p.scalar_type() == torch::kFloat)
        one_pass<float>(param, g, s.exp_avg(), s.exp_avg_sq(), coefficients<float>(options, s.step(), sanitize));
      else
        one_pass<double>(param, g, s.exp_avg(), s.exp_avg_sq(), coefficients<double>(options, s.step(), sanitize));
    }
  }
}

}  // namespace ganrig
