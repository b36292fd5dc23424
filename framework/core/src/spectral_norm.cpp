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

// The weight (an alias of it) and sigma = u^T (W v) from one autograd node, with W v computed
// without a graph and u, v constants. sigma's gradient is autograd's for dot(u, mv(W, v)), the outer
// product (grad * u) v^T, made in the weight's own layout (W is the weight seen as a matrix with
// `dim` first; for dim 1, transposed convolutions, autograd would make it in the permuted layout).
// The weight's two gradients, through the convolution and through sigma, meet here and are summed
// in place into the convolution's: autograd would sum them into a new tensor, for FastGAN's
// InitLayer 8.4 M floats allocated and written every step (20 ms of FPG 128's step). Each element
// is the same product and the same sum as autograd's, so the gradient is bit for bit autograd's.
struct WeightAndSigma : public torch::autograd::Function<WeightAndSigma> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& weight_orig, std::int64_t dim,
                               const torch::Tensor& u, const torch::Tensor& v, const torch::Tensor& wv) {
    ctx->save_for_backward({u, v});
    ctx->saved_data["dim"] = dim;
    ctx->saved_data["sizes"] = weight_orig.sizes().vec();
    return {weight_orig, torch::dot(u, wv)};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    torch::Tensor weight_grad = grads[0];
    if (grads[1].defined()) {
      const torch::Tensor through_sigma = sigma_gradient(ctx, grads[1]);
      if (!weight_grad.defined())
        weight_grad = through_sigma;
      else if (torch::GradMode::is_enabled())  // a graph of the backward (create_graph): autograd's way
        weight_grad = weight_grad + through_sigma;
      else  // this node's alone: the layer's own backward made it, nothing else holds it
        weight_grad.add_(through_sigma);
    }
    return {weight_grad, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
  static torch::Tensor sigma_gradient(AutogradContext* ctx, const torch::Tensor& grad) {
    const auto saved = ctx->get_saved_variables();
    const std::int64_t dim = ctx->saved_data["dim"].toInt();
    const std::vector<std::int64_t> sizes = ctx->saved_data["sizes"].toIntVector();
    // The weight as [before dim, dim, after dim]: element (a, b, k) is the matrix's (b, (a, k)).
    std::int64_t before = 1;
    for (std::int64_t d = 0; d < dim; ++d) before *= sizes[d];
    const torch::Tensor scaled_u = (grad * saved[0]).view({1, -1, 1});
    return (scaled_u * saved[1].view({before, 1, -1})).view(sizes);
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
  const WeightSigma parts = weight_and_sigma(weight_orig, training);
  return parts.weight / parts.sigma;
}

torch::Tensor SpectralNorm::sigma(const torch::Tensor& weight_orig, bool training) {
  return weight_and_sigma(weight_orig, training).sigma;
}

SpectralNorm::WeightSigma SpectralNorm::weight_and_sigma(const torch::Tensor& weight_orig, bool training) {
  torch::Tensor u = u_, v = v_;
  if (training && power_iterations_ > 0) {
    const std::uint64_t step = SpectralNormStep::current();
    if (step == 0 || iterated_in_step_ != step) {
      iterated_in_step_ = step;
      iterate(weight_orig);
    }
    // As PyTorch: use copies, so autograd never sees the in-place buffer updates.
    u = u_.clone(torch::MemoryFormat::Contiguous);
    v = v_.clone(torch::MemoryFormat::Contiguous);
  }
  // A later forward of the same step sees the same weight, unless something wrote to it.
  const bool product_current =
      wv_.defined() && wv_weight_ == weight_orig.data_ptr() && wv_version_ == weight_orig._version();
  const torch::Tensor wv = training && power_iterations_ > 0 && product_current ? wv_ : weight_times(weight_orig, v);
  const variable_list parts = WeightAndSigma::apply(weight_orig, dim_, u, v, wv);
  return {parts[0], parts[1]};
}

void SpectralNorm::iterate(const torch::Tensor& weight_orig) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = matrix(weight_orig);
  for (int i = 0; i < power_iterations_; ++i) {
    v_.copy_(normalize(torch::mv(w.t(), u_), eps_));
    wv_ = torch::mv(w, v_);
    u_.copy_(normalize(wv_, eps_));
  }
  wv_weight_ = weight_orig.data_ptr();
  wv_version_ = weight_orig._version();
}

torch::Tensor SpectralNorm::weight_times(const torch::Tensor& weight_orig, const torch::Tensor& v) const {
  torch::NoGradGuard no_grad;
  return torch::mv(matrix(weight_orig), v);
}

}  // namespace ganrig
