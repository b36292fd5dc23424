// Block `ghost`: the Ghost module of GhostNet (Han et al., CVPR 2020) as a convolution factory. A
// requested k x k convolution to C_out channels becomes a primary k x k convolution to
// ceil(C_out / ratio) channels plus a cheap depthwise 3x3 convolution that derives the remaining
// ("ghost") channels from the primary ones; the two are concatenated. With ratio 2 it costs about
// half a standard convolution. This plugin is the worked example of docs/writing-a-plugin.md.
#include <cmath>

#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/conv2d_layer.hpp"

namespace {

using ganrig::ConvOptions;

class GhostConv : public ganrig::ConvLayer {
 public:
  GhostConv(const ConvOptions& asked, std::int64_t ratio) : out_channels_(asked.out_channels()) {
    const std::int64_t primary_channels = (asked.out_channels() + ratio - 1) / ratio;
    // The primary convolution does what was asked (stride, padding, transposed), to fewer channels.
    primary_ = register_module("primary", ganrig::Conv2dLayer(ConvOptions(asked).out_channels(primary_channels)));
    // The cheap operation: a depthwise 3x3 making (ratio - 1) ghost maps per primary map. It is
    // linear on the primary maps, so with equalized learning rate it takes gain 1: ghost maps then
    // have the primary maps' scale instead of twice their variance.
    const auto cheap = ConvOptions(primary_channels, primary_channels * (ratio - 1), 3)
                           .padding(1)
                           .groups(primary_channels)
                           .bias(asked.bias())
                           .spectral_norm(asked.spectral_norm())
                           .equalized_gain(asked.equalized_gain() > 0 ? 1.0 : 0.0);
    if (ratio > 1) cheap_ = register_module("cheap", ganrig::Conv2dLayer(cheap));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    const torch::Tensor primary = primary_->forward(x);
    if (!cheap_) return primary;
    // Keep exactly the requested channel count (ceil above may make one too many).
    return torch::cat({primary, cheap_->forward(primary)}, 1).narrow(1, 0, out_channels_);
  }
  // Primary maps as the standard convolution's; the cheap depthwise 3x3 keeps their variance
  // (N(0, 1/sqrt(9))), so ghost maps are on the same scale as primary maps.
  void init_normal(double std) override {
    primary_->init_normal(std);
    if (cheap_) cheap_->init_normal(1.0 / std::sqrt(static_cast<double>(cheap_->fan_in())));
  }

 private:
  std::int64_t out_channels_;
  ganrig::Conv2dLayer primary_{nullptr}, cheap_{nullptr};
};

class GhostBlock : public ganrig::Block {
 public:
  explicit GhostBlock(std::int64_t ratio) : ratio_(ratio) {}
  std::shared_ptr<ganrig::ConvLayer> make(const ConvOptions& options) const override {
    return std::make_shared<GhostConv>(options, ratio_);
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
