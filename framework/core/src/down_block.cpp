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
    torch::Tensor y = bn_->forward(conv_->forward(in_layout_for_cpu(x)));
    return torch::leaky_relu_(y, 0.2);
  }
  void init_normal(double std) override { conv_->init_normal(std); }

 private:
  // oneDNN's 4x4 stride-2 kernels on the CPU are slower channels-last than NCHW on small maps (the
  // mini-discriminators' last DownBlock, 14x14 -> 7x7: bf16 forward 4.9 against 2.7 ms, weight
  // gradient 7.5 against 6.0 ms), and faster channels-last on large ones, so maps of at most 16x16
  // go NCHW (and so do the layers after them): one mini-discriminator iteration 1.07x faster in bf16,
  // the same in fp32 (`tools/bench/micro_levers.py minidisc_mixed`). The values are the same up to
  // the order of the convolution's sums.
  static torch::Tensor in_layout_for_cpu(const torch::Tensor& x) {
    constexpr std::int64_t kMaxNchwSide = 16;
    if (!x.is_cpu() || x.dim() != 4 || x.size(2) > kMaxNchwSide || x.size(3) > kMaxNchwSide) return x;
    return x.contiguous();
  }
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
