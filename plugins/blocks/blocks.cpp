// Convolution blocks: `conv` (a standard convolution) and `dsc` (depthwise-separable: a depthwise
// kxk convolution with groups = in_channels, then a pointwise 1x1). Networks ask a block for each
// convolution, so where DSC is used is a configuration choice (Faster Projected GAN).
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/conv2d_layer.hpp"

namespace {

using ganrig::ConvOptions;

class StandardConv : public ganrig::ConvLayer {
 public:
  explicit StandardConv(const ConvOptions& options) : conv_(register_module("conv", ganrig::Conv2dLayer(options))) {}
  torch::Tensor forward(const torch::Tensor& x) override { return conv_->forward(x); }

 private:
  ganrig::Conv2dLayer conv_;
};

// As SeparableConv2d in Projected GAN's blocks.py: both convolutions take the bias flag and the
// spectral-norm flag of the requested convolution.
class SeparableConv : public ganrig::ConvLayer {
 public:
  explicit SeparableConv(const ConvOptions& asked) {
    const auto depthwise = ConvOptions(asked).out_channels(asked.in_channels()).groups(asked.in_channels());
    const auto pointwise = ConvOptions(asked).kernel_size(1).stride(1).padding(0).transposed(false);
    depthwise_ = register_module("depthwise", ganrig::Conv2dLayer(depthwise));
    pointwise_ = register_module("pointwise", ganrig::Conv2dLayer(pointwise));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return pointwise_->forward(depthwise_->forward(x)); }

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
    return torch::avg_pool2d(torch::leaky_relu(bn_->forward(conv_->forward(x)), 0.2), 2);
  }

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
