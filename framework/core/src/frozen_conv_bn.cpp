#include "ganrig/frozen_conv_bn.hpp"

#include "ganrig/relu6.hpp"

#include "ganrig/autocast_compat.hpp"

#include <cmath>

namespace ganrig {

FrozenConvBNImpl::FrozenConvBNImpl(const FrozenConvBNOptions& options) : options_(options) {
  const auto& o = options_;
  const std::int64_t out = o.out_channels();
  weight = register_parameter("weight", torch::empty({out, o.depthwise() ? 1 : o.in_channels(), o.kernel(), o.kernel()}),
                              /*requires_grad=*/false);
  // Random weights (a projector run with allow_random) as timm initialises an EfficientNet/MobileNet
  // (_init_weight_goog): N(0, 2 / fan_out), fan_out = k * k * out / groups. Activations keep their
  // scale through the trunk; PyTorch's default (kaiming_uniform, a = sqrt(5)) shrank them ~1e-10
  // by its last layer, leaving the mini-discriminators only CCM/CSM biases to see.
  const std::int64_t groups = o.depthwise() ? o.in_channels() : 1;
  weight.data().normal_(0.0, std::sqrt(2.0 / static_cast<double>(o.kernel() * o.kernel() * out / groups)));
  gamma = register_parameter("gamma", torch::ones({out}), false);
  beta = register_parameter("beta", torch::zeros({out}), false);
  mean = register_buffer(o.mean_name(), torch::zeros({out}));
  var = register_buffer(o.var_name(), torch::ones({out}));
}

void FrozenConvBNImpl::refresh_folded() {
  const std::array<std::int64_t, 5> versions = {
      static_cast<std::int64_t>(weight._version()), static_cast<std::int64_t>(gamma._version()),
      static_cast<std::int64_t>(beta._version()), static_cast<std::int64_t>(mean._version()),
      static_cast<std::int64_t>(var._version())};
  // In-place writes (a checkpoint load) bump the versions; a device move gives new storage.
  if (folded_weight_.defined() && versions == folded_versions_ && folded_from_ == weight.data_ptr()) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor scale = gamma * (var + options_.eps()).rsqrt();
  folded_weight_ = (weight * scale.view({-1, 1, 1, 1})).contiguous();
  folded_bias_ = beta - mean * scale;
  const auto& o = options_;
  if (o.depthwise() && o.tf_same_padding() && o.stride() == 2)
    larger_weight_ = torch::constant_pad_nd(folded_weight_, {1, 0, 1, 0}).contiguous();
  folded_versions_ = versions;
  folded_from_ = weight.data_ptr();
  lowp_weight_ = lowp_larger_weight_ = lowp_bias_ = torch::Tensor();
}

std::pair<torch::Tensor, torch::Tensor> FrozenConvBNImpl::folded_for_autocast(bool larger) {
  const bool cpu = folded_weight_.device().is_cpu();
  const torch::Tensor& weight = larger ? larger_weight_ : folded_weight_;
  if (!autocast::enabled(!cpu)) return {weight, folded_bias_};
  const auto dtype = autocast::dtype(!cpu);
  torch::Tensor& lowp = larger ? lowp_larger_weight_ : lowp_weight_;
  torch::NoGradGuard no_grad;
  if (!lowp.defined() || lowp.scalar_type() != dtype) lowp = weight.to(dtype);
  if (!lowp_bias_.defined() || lowp_bias_.scalar_type() != dtype) lowp_bias_ = folded_bias_.to(dtype);
  return {lowp, lowp_bias_};
}

namespace {
std::pair<std::int64_t, std::int64_t> tf_same(std::int64_t n, std::int64_t k, std::int64_t s) {
  const std::int64_t total = std::max<std::int64_t>(((n + s - 1) / s - 1) * s + k - n, 0);
  return {total / 2, total - total / 2};
}
}  // namespace

std::array<std::int64_t, 4> FrozenConvBNImpl::padding_for(const torch::Tensor& x) const {
  const auto& o = options_;
  if (!o.tf_same_padding()) return o.padding();
  const auto [top, bottom] = tf_same(x.size(2), o.kernel(), o.stride());
  const auto [left, right] = tf_same(x.size(3), o.kernel(), o.stride());
  return {left, right, top, bottom};
}

// Stride-2 depthwise layers with TensorFlow 'same' padding one larger below and right, on the CPU
// (measured there only, with oneDNN; CUDA keeps the padded copy).
bool FrozenConvBNImpl::uses_larger_kernel(const torch::Tensor& x) const {
  const auto& o = options_;
  if (!o.depthwise() || !o.tf_same_padding() || o.stride() != 2 || !x.device().is_cpu()) return false;
  const auto [left, right, top, bottom] = padding_for(x);
  return left + 1 == right && top + 1 == bottom;
}

torch::Tensor FrozenConvBNImpl::forward(const torch::Tensor& input) {
  if (!fused_) return forward_unfused(input);
  refresh_folded();
  const auto& o = options_;
  const auto [left, right, top, bottom] = padding_for(input);
  const bool larger = uses_larger_kernel(input);
  torch::Tensor x = input;
  std::int64_t pad_h = 0, pad_w = 0;
  if (larger) {
    pad_h = bottom;
    pad_w = right;
  } else if (left == right && top == bottom) {
    pad_h = top;
    pad_w = left;
  } else {
    x = torch::constant_pad_nd(x, {left, right, top, bottom});
  }
  const auto [w, b] = folded_for_autocast(larger);
  x = torch::conv2d(x, w, b, o.stride(), torch::IntArrayRef{pad_h, pad_w}, 1, o.depthwise() ? o.in_channels() : 1);
  return o.relu6() ? relu6_in_place(x) : x;  // in place, saving its output rather than a copy (relu6.hpp)
}

torch::Tensor FrozenConvBNImpl::forward_unfused(const torch::Tensor& input) {
  const auto& o = options_;
  const auto [left, right, top, bottom] = padding_for(input);
  torch::Tensor x = torch::constant_pad_nd(input, {left, right, top, bottom});
  x = torch::conv2d(x, weight, torch::Tensor(), o.stride(), torch::IntArrayRef{0, 0}, 1, o.depthwise() ? o.in_channels() : 1);
  x = torch::batch_norm(x, gamma, beta, mean, var, false, 0.0, o.eps(), false);
  if (!o.relu6()) return x;
  // ReLU6 as timm's nn.ReLU6 (hardtanh: no gradient at exactly 0 or 6); bfloat16 has no CPU
  // hardtanh backward in LibTorch 1.13, so clamp there.
  return x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble ? torch::hardtanh(x, 0.0, 6.0)
                                                                               : torch::clamp(x, 0.0, 6.0);
}

}  // namespace ganrig
