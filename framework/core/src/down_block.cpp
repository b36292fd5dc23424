// The default discriminator down-sampling block (Projected GAN's DownBlock).
#include "ganrig/interfaces.hpp"

namespace ganrig {

namespace {
class DownBlock : public ConvLayer {
 public:
  DownBlock(std::shared_ptr<ConvLayer> conv, std::int64_t out_channels)
      : conv_(register_module("conv", std::move(conv))),
        bn_(register_module("bn", torch::nn::BatchNorm2d(out_channels))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    // In place, as the official DownBlock (LeakyReLU(0.2, inplace=True)): its backward reads the
    // output, so no copy is kept, and BatchNorm's backward does not need its own output.
    torch::Tensor y = bn_->forward(conv_->forward(x));
    return torch::leaky_relu_(y, 0.2);
  }
  void init_normal(double std) override { conv_->init_normal(std); }

 private:
  std::shared_ptr<ConvLayer> conv_;
  torch::nn::BatchNorm2d bn_;
};
}  // namespace

std::shared_ptr<ConvLayer> Block::make_down_block(std::int64_t in_channels, std::int64_t out_channels,
                                                  bool spectral_norm) const {
  return std::make_shared<DownBlock>(make(ConvOptions(in_channels, out_channels, 4).stride(2).padding(1).spectral_norm(spectral_norm)),
                                     out_channels);
}

}  // namespace ganrig
