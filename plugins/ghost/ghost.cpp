// Block `ghost`: the Ghost module of GhostNet (Han et al., CVPR 2020) as a convolution factory. A
// requested k x k convolution to C_out channels becomes a primary k x k convolution to
// ceil(C_out / ratio) channels plus a cheap depthwise 3x3 convolution that derives the remaining
// ("ghost") channels from the primary ones; the two are concatenated. With ratio 2 it costs about
// half a standard convolution. This plugin is the worked example of docs/writing-a-plugin.md.
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/spectral_norm.hpp"

namespace {

using ganrig::ConvSpec;

class GhostConv : public ganrig::ConvLayer {
 public:
  GhostConv(const ConvSpec& spec, std::int64_t ratio) : out_channels_(spec.out_channels) {
    const std::int64_t primary_channels = (spec.out_channels + ratio - 1) / ratio;
    // The primary convolution does what was asked (stride, padding, transposed), to fewer channels.
    ganrig::Conv2dLayerImpl::Options primary{spec.in_channels, primary_channels, spec.kernel};
    primary.stride = spec.stride;
    primary.padding = spec.padding;
    primary.bias = spec.bias;
    primary.transposed = spec.transposed;
    primary.spectral_norm = spec.spectral_norm;
    primary.equalized_gain = spec.equalized_gain;
    primary_ = register_module("primary", ganrig::Conv2dLayer(primary));
    // The cheap operation: a depthwise 3x3 making (ratio - 1) ghost maps per primary map.
    ganrig::Conv2dLayerImpl::Options cheap{primary_channels, primary_channels * (ratio - 1), 3};
    cheap.padding = 1;
    cheap.groups = primary_channels;
    cheap.bias = spec.bias;
    cheap.spectral_norm = spec.spectral_norm;
    cheap.equalized_gain = spec.equalized_gain;
    if (ratio > 1) cheap_ = register_module("cheap", ganrig::Conv2dLayer(cheap));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    const torch::Tensor primary = primary_->forward(x);
    if (!cheap_) return primary;
    // Keep exactly the requested channel count (ceil above may make one too many).
    return torch::cat({primary, cheap_->forward(primary)}, 1).narrow(1, 0, out_channels_);
  }

 private:
  std::int64_t out_channels_;
  ganrig::Conv2dLayer primary_{nullptr}, cheap_{nullptr};
};

class GhostBlock : public ganrig::Block {
 public:
  explicit GhostBlock(std::int64_t ratio) : ratio_(ratio) {}
  std::shared_ptr<ganrig::ConvLayer> make(const ConvSpec& spec) const override {
    return std::make_shared<GhostConv>(spec, ratio_);
  }

 private:
  std::int64_t ratio_;
};

void register_ghost(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.integer("ratio", 2, "Output channels per primary channel: 1/ratio of them from the k x k convolution, the "
                        "rest from cheap depthwise 3x3 convolutions (1 = a standard convolution).")
      .range(1, 8);
  registry.add<ganrig::Block>(
      "ghost", "GhostNet's Ghost module: a thin k x k convolution plus cheap depthwise 3x3 'ghost' channels.", s,
      [](const ganrig::ConfigView& cfg, ganrig::BuildContext&) {
        return std::make_shared<GhostBlock>(cfg.integer("ratio"));
      });
}

}  // namespace

GANRIG_PLUGIN("ghost", "1.0.0", register_ghost)
