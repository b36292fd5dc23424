#include "ganrig/glu.hpp"

namespace ganrig {

namespace {

struct GluKeepingLayout : public torch::autograd::Function<GluKeepingLayout> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    ctx->save_for_backward({x});
    return torch::glu(x, 1);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor x = ctx->get_saved_variables()[0];
    // empty_like keeps x's strides; glu_backward_out's resize to x's sizes then leaves them alone.
    torch::Tensor grad = torch::empty_like(x);
    torch::glu_backward_out(grad, grads[0].contiguous(x.suggest_memory_format()), x, 1);
    return {grad};
  }
};

}  // namespace

torch::Tensor glu_channels(const torch::Tensor& x) {
  const bool keeps_layout = x.suggest_memory_format() != torch::MemoryFormat::Contiguous;
  if (!keeps_layout || !torch::GradMode::is_enabled() || !x.requires_grad()) return torch::glu(x, 1);
  return GluKeepingLayout::apply(x);
}

}  // namespace ganrig
