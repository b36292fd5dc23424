#include "ganrig/spectral_norm.hpp"

#include <atomic>
#include <cmath>

namespace ganrig {

namespace {
torch::Tensor normalize(const torch::Tensor& x, double eps) {
  return x / x.norm().clamp_min(eps);
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// sigma = u^T (W v) from a W v already computed (no graph) with u and v constants. The backward is
// autograd's for dot(u, mv(W, v)): DotBackward's grad * u, then MvBackward's outer product with v.
struct SigmaFromProduct : public torch::autograd::Function<SigmaFromProduct> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& w, const torch::Tensor& u,
                               const torch::Tensor& v, const torch::Tensor& wv) {
    ctx->save_for_backward({u, v});
    return torch::dot(u, wv);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    return {torch::outer(grads[0] * saved[0], saved[1]), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

thread_local std::uint64_t open_step = 0;
std::atomic<std::uint64_t> steps_opened{0};
}  // namespace

SpectralNormStep::SpectralNormStep() { open_step = ++steps_opened; }
SpectralNormStep::~SpectralNormStep() { open_step = 0; }
std::uint64_t SpectralNormStep::current() { return open_step; }

SpectralNorm::SpectralNorm(torch::nn::Module& owner, const torch::Tensor& weight_orig, std::int64_t dim,
                           int power_iterations, double eps)
    : dim_(dim), power_iterations_(power_iterations), eps_(eps) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = matrix(weight_orig);
  u_ = owner.register_buffer("weight_u", normalize(torch::randn({w.size(0)}, weight_orig.options()), eps_));
  v_ = owner.register_buffer("weight_v", normalize(torch::randn({w.size(1)}, weight_orig.options()), eps_));
}

torch::Tensor SpectralNorm::matrix(const torch::Tensor& w) const {
  if (dim_ == 0) return w.reshape({w.size(0), -1});
  std::vector<std::int64_t> order = {dim_};
  for (std::int64_t d = 0; d < w.dim(); ++d)
    if (d != dim_) order.push_back(d);
  return w.permute(order).reshape({w.size(dim_), -1});
}

torch::Tensor SpectralNorm::weight(const torch::Tensor& weight_orig, bool training) {
  return weight_orig / sigma(weight_orig, training);
}

torch::Tensor SpectralNorm::sigma(const torch::Tensor& weight_orig, bool training) {
  const torch::Tensor w = matrix(weight_orig);
  torch::Tensor u = u_, v = v_;
  if (training && power_iterations_ > 0) {
    const std::uint64_t step = SpectralNormStep::current();
    if (step == 0 || iterated_in_step_ != step) {
      iterated_in_step_ = step;
      torch::NoGradGuard no_grad;
      for (int i = 0; i < power_iterations_; ++i) {
        v_.copy_(normalize(torch::mv(w.t(), u_), eps_));
        wv_ = torch::mv(w, v_);
        u_.copy_(normalize(wv_, eps_));
      }
      wv_weight_ = weight_orig.data_ptr();
      wv_version_ = weight_orig._version();
    }
    // As PyTorch: use copies, so autograd never sees the in-place buffer updates.
    u = u_.clone(torch::MemoryFormat::Contiguous);
    v = v_.clone(torch::MemoryFormat::Contiguous);
    // A later forward of the same step sees the same weight, unless something wrote to it.
    if (wv_.defined() && wv_weight_ == weight_orig.data_ptr() && wv_version_ == weight_orig._version())
      return SigmaFromProduct::apply(w, u, v, wv_);
  }
  return torch::dot(u, torch::mv(w, v));
}

}  // namespace ganrig
