// Convolution blocks: `conv` (a standard convolution) and `dsc` (depthwise-separable: a depthwise
// kxk convolution with groups = in_channels, then a pointwise 1x1). Networks ask a block for each
// convolution, so where DSC is used is a configuration choice (Faster Projected GAN).
#include <cmath>

#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/conv2d_layer.hpp"

namespace {

using ganrig::ConvOptions;

class StandardConv : public ganrig::ConvLayer {
 public:
  explicit StandardConv(const ConvOptions& options) : conv_(register_module("conv", ganrig::Conv2dLayer(options))) {}
  torch::Tensor forward(const torch::Tensor& x) override { return conv_->forward(x); }
  torch::Tensor forward_upsampled(const torch::Tensor& x) override { return conv_->forward_upsampled(x); }
  void init_normal(double std) override { conv_->init_normal(std); }

 private:
  ganrig::Conv2dLayer conv_;
};

// As SeparableConv2d in Projected GAN's blocks.py: both convolutions take the bias flag and the
// spectral-norm flag of the requested convolution.
//
// Scale: the two factors are one linear map, so each is scaled by its own fan-in and the pair as
// a whole like the convolution it replaces (He et al., ICCV 2015, per layer; Keras and PyTorch
// initialise Xception's and MobileNet's factors by their own fan-ins too). With equalized
// learning rate the depthwise factor takes gain 1 (no nonlinearity follows it) and the pointwise
// factor the requested gain; otherwise two He gains would compound to 2x the variance per layer.
class SeparableConv : public ganrig::ConvLayer {
 public:
  explicit SeparableConv(const ConvOptions& asked) {
    const auto depthwise = ConvOptions(asked)
                               .out_channels(asked.in_channels())
                               .groups(asked.in_channels())
                               .equalized_gain(asked.equalized_gain() > 0 ? 1.0 : 0.0);
    const auto pointwise = ConvOptions(asked).kernel_size(1).stride(1).padding(0).transposed(false);
    depthwise_ = register_module("depthwise", ganrig::Conv2dLayer(depthwise));
    pointwise_ = register_module("pointwise", ganrig::Conv2dLayer(pointwise));
  }
  // forward_upsampled stays the default (upsample, then forward): the phase form of a depthwise
  // convolution is slower than the plain one (tools/bench/micro_levers.py).
  torch::Tensor forward(const torch::Tensor& x) override { return pointwise_->forward(depthwise_->forward(x)); }
  // As a standard convolution with N(0, std) weights: depthwise N(0, 1/sqrt(k^2)) keeps the
  // variance, pointwise N(0, std * k) carries the rest. The product of the two factors' standard
  // deviations is std, so every output has the variance of the standard convolution's (DCGAN's
  // N(0, 0.02) on both factors made it 50x smaller per layer and the generator never left grey).
  void init_normal(double std) override {
    const double depthwise_std = 1.0 / std::sqrt(static_cast<double>(depthwise_->fan_in()));
    depthwise_->init_normal(depthwise_std);
    pointwise_->init_normal(std / depthwise_std);
  }

 private:
  ganrig::Conv2dLayer depthwise_{nullptr}, pointwise_{nullptr};
};

// Projected GAN's separable DownBlock: SeparableConv2d(3x3, no bias), BatchNorm, LeakyReLU(0.2),
// AvgPool2d(2) (pg_modules/blocks.py, DownBlock with separable=True).
class SeparableDownBlock : public ganrig::ConvLayer {
 public:
  SeparableDownBlock(std::int64_t in, std::int64_t out, bool spectral_norm)
      : conv_(register_module("conv", std::make_shared<SeparableConv>(
                                          ConvOptions(in, out, 3).padding(1).bias(false).spectral_norm(spectral_norm)))),
        bn_(register_module("bn", torch::nn::BatchNorm2d(out))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor y = bn_->forward(conv_->forward(x));
    return torch::avg_pool2d(torch::leaky_relu_(y, 0.2), 2);  // in place, as the official DownBlock
  }
  void init_normal(double std) override { conv_->init_normal(std); }

 private:
  std::shared_ptr<SeparableConv> conv_;
  torch::nn::BatchNorm2d bn_;
};

template <class Layer>
class LayerBlock : public ganrig::Block {
 public:
  std::shared_ptr<ganrig::ConvLayer> make(const ConvOptions& options) const override {
    return std::make_shared<Layer>(options);
  }
};

class SeparableBlock : public LayerBlock<SeparableConv> {
 public:
  std::shared_ptr<ganrig::ConvLayer> make_down_block(std::int64_t in, std::int64_t out, bool sn) const override {
    return std::make_shared<SeparableDownBlock>(in, out, sn);
  }
};

void register_blocks(ganrig::Registry& registry) {
  registry.add<ganrig::Block>(
      "conv", "Standard convolution (kxk, in -> out); parameters in*out*k*k (+out bias).", ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<LayerBlock<StandardConv>>(); });
  registry.add<ganrig::Block>(
      "dsc",
      "Depthwise-separable convolution: depthwise kxk (groups = in) then pointwise 1x1; parameters "
      "in*k*k + in*out (+in +out biases). Faster Projected GAN's generator block. As a discriminator "
      "down-sampling block: Projected GAN's separable DownBlock (3x3 separable conv, BN, LeakyReLU, avg-pool).",
      ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<SeparableBlock>(); });
}

}  // namespace

GANRIG_PLUGIN("blocks", "1.0.0", register_blocks)
