#include "ganrig/conv2d_layer.hpp"

#include <cmath>

#include "ganrig/autocast_compat.hpp"
#include "ganrig/upsampled_conv.hpp"

namespace ganrig {

Conv2dLayerImpl::Conv2dLayerImpl(const ConvOptions& options) : options_(options) {
  const auto& o = options_;
  TORCH_CHECK(o.in_channels() % o.groups() == 0 && o.out_channels() % o.groups() == 0,
              "channels must be divisible by groups");
  const std::vector<std::int64_t> shape =
      o.transposed() ? std::vector<std::int64_t>{o.in_channels(), o.out_channels() / o.groups(), o.kernel_size(), o.kernel_size()}
                   : std::vector<std::int64_t>{o.out_channels(), o.in_channels() / o.groups(), o.kernel_size(), o.kernel_size()};
  torch::Tensor w = torch::empty(shape);
  const double fan_in = static_cast<double>(shape[1] * o.kernel_size() * o.kernel_size());
  if (o.equalized_gain() > 0) {
    // Equalized learning rate (Karras et al. 2018): N(0, 1) weights, He scaling at run time.
    w.normal_(0.0, 1.0);
    runtime_scale_ = o.equalized_gain() / std::sqrt(fan_in);
  } else {
    // PyTorch's default initialisation: kaiming_uniform(a = sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    // with fan_in taken from weight dimension 1 (also for transposed convolutions, as PyTorch does).
    torch::nn::init::kaiming_uniform_(w, std::sqrt(5.0));
  }
  weight_ = register_parameter(o.spectral_norm() ? "weight_orig" : "weight", w);
  if (o.bias()) {
    const double bound = 1.0 / std::sqrt(fan_in);
    bias_ = register_parameter("bias", o.equalized_gain() > 0 ? torch::zeros({o.out_channels()})
                                                            : torch::empty({o.out_channels()}).uniform_(-bound, bound));
  }
  if (o.spectral_norm()) sn_ = std::make_unique<SpectralNorm>(*this, weight_, o.transposed() ? 1 : 0);
}

void Conv2dLayerImpl::init_normal(double std) {
  torch::NoGradGuard no_grad;
  weight_.normal_(0.0, std / runtime_scale_);
  if (bias_.defined()) bias_.zero_();
}

std::int64_t Conv2dLayerImpl::fan_in() const {
  return options_.in_channels() / options_.groups() * options_.kernel_size() * options_.kernel_size();
}

torch::Tensor Conv2dLayerImpl::effective_weight() {
  const torch::Tensor w = sn_ ? sn_->weight(weight_, false) : weight_;
  return runtime_scale_ != 1.0 ? w * runtime_scale_ : w;
}

std::int64_t Conv2dLayerImpl::output_numel(const torch::Tensor& x) const {
  const auto& o = options_;
  auto side = [&](std::int64_t n) {
    return o.transposed() ? (n - 1) * o.stride() - 2 * o.padding() + o.kernel_size() : (n + 2 * o.padding() - o.kernel_size()) / o.stride() + 1;
  };
  return x.size(0) * o.out_channels() * side(x.size(2)) * side(x.size(3));
}

torch::Tensor Conv2dLayerImpl::convolve(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& bias) const {
  const auto& o = options_;
  // A transposed convolution of a 1x1 input without padding (FastGAN's InitLayer: latent -> 4x4) is
  // one matrix product, out[b, co, i, j] = sum_ci x[b, ci] w[ci, co, i, j]; LibTorch's CPU kernel
  // for it (slow_conv_transpose2d) does the same product and then a col2im pass that moves nothing.
  if (o.transposed() && o.groups() == 1 && o.padding() == 0 && x.size(2) == 1 && x.size(3) == 1) {
    const std::int64_t k = o.kernel_size();
    torch::Tensor out = torch::mm(x.reshape({x.size(0), x.size(1)}), w.reshape({w.size(0), -1}))
                            .view({x.size(0), w.size(1), k, k});
    return bias.defined() ? out + bias.view({1, -1, 1, 1}) : out;
  }
  if (o.transposed())
    return torch::conv_transpose2d(x, w, bias, o.stride(), o.padding(), /*output_padding=*/0, o.groups());
  return torch::conv2d(x, w, bias, o.stride(), o.padding(), /*dilation=*/1, o.groups());
}

torch::Tensor Conv2dLayerImpl::forward(const torch::Tensor& x) {
  const auto& o = options_;
  const torch::Tensor bias = o.bias() ? bias_ : torch::Tensor();
  if (!sn_) return convolve(x, runtime_scale_ != 1.0 ? weight_ * runtime_scale_ : weight_, bias);
  // conv(x, W / sigma) = conv(x, W) / sigma: divide whichever is smaller. Layers with large weights
  // and small outputs (FastGAN's InitLayer and first up blocks, the mini-discriminators' deep
  // layers) then keep no normalised copy of their weight, which autograd would hold until backward.
  if (weight_.numel() <= output_numel(x)) {
    auto [weight, sigma] = sn_->weight_and_sigma(weight_, is_training());
    if (runtime_scale_ != 1.0) sigma = sigma / runtime_scale_;
    return convolve(x, weight / sigma, bias);
  }
  // Under autocast the convolution takes the leaf weight, whose cast autocast keeps for the region
  // (an alias is not a leaf, and keeping casts ourselves cost 15-35 MiB for no measured gain).
  const bool cast = autocast::enabled(!weight_.device().is_cpu()) && weight_.scalar_type() != torch::kDouble;
  auto [weight, sigma] = cast ? SpectralNorm::WeightSigma{weight_, sn_->sigma(weight_, is_training())}
                              : sn_->weight_and_sigma(weight_, is_training());
  if (runtime_scale_ != 1.0) sigma = sigma / runtime_scale_;
  torch::Tensor out = convolve(x, weight, torch::Tensor()) / sigma;
  return o.bias() ? out + bias.view({1, -1, 1, 1}) : out;
}

bool Conv2dLayerImpl::computes_phases_of(const torch::Tensor& x) const {
  const auto& o = options_;
  return !o.transposed() && o.groups() == 1 && o.kernel_size() == 3 && o.stride() == 1 && o.padding() == 1 &&
         x.dim() == 4 && x.size(2) * x.size(3) >= kMinPhaseConvPixels;
}

torch::Tensor Conv2dLayerImpl::forward_upsampled(const torch::Tensor& x) {
  if (!computes_phases_of(x)) return forward(upsample_nearest_x2(x));
  // The map is large here, so the normalised weight is the cheaper thing to divide (see forward).
  torch::Tensor w = weight_;
  if (sn_) {
    const auto parts = sn_->weight_and_sigma(weight_, is_training());
    w = parts.weight / parts.sigma;
  }
  if (runtime_scale_ != 1.0) w = w * runtime_scale_;
  const torch::Tensor y = upsampled_conv3x3(x, w);
  return options_.bias() ? y + bias_.view({1, -1, 1, 1}) : y;
}

}  // namespace ganrig
