#include "ganrig/relu6.hpp"

namespace ganrig {

namespace {

torch::Tensor relu6_gradient(const torch::Tensor& grad, const torch::Tensor& out) {
  if (out.scalar_type() == torch::kFloat || out.scalar_type() == torch::kDouble)
    return torch::hardtanh_backward(grad, out, 0.0, 6.0);
  // hardtanh's mask: no gradient where out <= 0 or out >= 6 (NaN passes, as there)
  return torch::where(out.le(0.0).logical_or_(out.ge(6.0)), torch::zeros({}, grad.options()), grad);
}

struct Relu6InPlace : torch::autograd::Function<Relu6InPlace> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x) {
    x.clamp_(0.0, 6.0);
    ctx->mark_dirty({x});
    ctx->save_for_backward({x});
    return x;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    return {relu6_gradient(grads[0], ctx->get_saved_variables()[0])};
  }
};

}  // namespace

torch::Tensor relu6_in_place(torch::Tensor x) {
  if (!torch::GradMode::is_enabled() || !x.requires_grad()) return x.clamp_(0.0, 6.0);
  return Relu6InPlace::apply(x);
}

}  // namespace ganrig
