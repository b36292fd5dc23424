// Convolution blocks: `conv` (a standard convolution) and `dsc` (depthwise-separable: a depthwise
// kxk convolution with groups = in_channels, then a pointwise 1x1). Networks ask a block for each
// convolution, so where DSC is used is a configuration choice (Faster Projected GAN).
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/spectral_norm.hpp"

namespace {

using ganrig::ConvSpec;

ganrig::Conv2dLayerImpl::Options conv_options(const ConvSpec& s) {
  ganrig::Conv2dLayerImpl::Options o{s.in_channels, s.out_channels, s.kernel};
  o.stride = s.stride;
  o.padding = s.padding;
  o.bias = s.bias;
  o.transposed = s.transposed;
  o.spectral_norm = s.spectral_norm;
  return o;
}

class StandardConv : public ganrig::ConvLayer {
 public:
  explicit StandardConv(const ConvSpec& spec) : conv_(register_module("conv", ganrig::Conv2dLayer(conv_options(spec)))) {}
  torch::Tensor forward(const torch::Tensor& x) override { return conv_->forward(x); }

 private:
  ganrig::Conv2dLayer conv_;
};

// As SeparableConv2d in Projected GAN's blocks.py: both convolutions take the bias flag and the
// spectral-norm flag of the requested convolution.
class SeparableConv : public ganrig::ConvLayer {
 public:
  explicit SeparableConv(const ConvSpec& spec) {
    auto depthwise = conv_options(spec);
    depthwise.out_channels = spec.in_channels;
    depthwise.groups = spec.in_channels;
    auto pointwise = conv_options(spec);
    pointwise.kernel = 1;
    pointwise.stride = 1;
    pointwise.padding = 0;
    pointwise.transposed = false;
    depthwise_ = register_module("depthwise", ganrig::Conv2dLayer(depthwise));
    pointwise_ = register_module("pointwise", ganrig::Conv2dLayer(pointwise));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return pointwise_->forward(depthwise_->forward(x)); }

 private:
  ganrig::Conv2dLayer depthwise_{nullptr}, pointwise_{nullptr};
};

template <class Layer>
class LayerBlock : public ganrig::Block {
 public:
  std::shared_ptr<ganrig::ConvLayer> make(const ConvSpec& spec) const override { return std::make_shared<Layer>(spec); }
};

void register_blocks(ganrig::Registry& registry) {
  registry.add<ganrig::Block>(
      "conv", "Standard convolution (kxk, in -> out); parameters in*out*k*k (+out bias).", ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<LayerBlock<StandardConv>>(); });
  registry.add<ganrig::Block>(
      "dsc",
      "Depthwise-separable convolution: depthwise kxk (groups = in) then pointwise 1x1; parameters "
      "in*k*k + in*out (+in +out biases). Faster Projected GAN's generator block.",
      ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<LayerBlock<SeparableConv>>(); });
}

}  // namespace

GANRIG_PLUGIN("blocks", "1.0.0", register_blocks)
