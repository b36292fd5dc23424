#pragma once
// The layers of FastGAN-pytorch's discriminator (models.py): every convolution spectrally
// normalised and without bias, BatchNorm, LeakyReLU 0.2.
#include <cmath>
#include <fmt/format.h>

#include <torch/torch.h>

#include "ganrig/conv2d_layer.hpp"

namespace ganrig_fastgan_pytorch {

inline ganrig::Conv2dLayer conv(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride, std::int64_t pad) {
  return ganrig::Conv2dLayer(ganrig::ConvOptions(in, out, k).stride(stride).padding(pad).bias(false).spectral_norm(true));
}

inline torch::Tensor leaky(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2));
}

// DownBlock: SN conv 4x4 stride 2, BN, LeakyReLU.
class DownBlockImpl : public torch::nn::Module {
 public:
  DownBlockImpl(std::int64_t in, std::int64_t out)
      : conv_(register_module("conv", conv(in, out, 4, 2, 1))), bn_(register_module("bn", torch::nn::BatchNorm2d(out))) {}
  torch::Tensor forward(const torch::Tensor& x) { return leaky(bn_->forward(conv_->forward(x))); }

 private:
  ganrig::Conv2dLayer conv_;
  torch::nn::BatchNorm2d bn_;
};
TORCH_MODULE(DownBlock);

// DownBlockComp: the mean of (conv 4x4 s2, BN, LReLU, conv 3x3, BN, LReLU) and
// (avg-pool 2, conv 1x1, BN, LReLU).
class DownBlockCompImpl : public torch::nn::Module {
 public:
  DownBlockCompImpl(std::int64_t in, std::int64_t out)
      : conv1_(register_module("main_0", conv(in, out, 4, 2, 1))),
        bn1_(register_module("main_1", torch::nn::BatchNorm2d(out))),
        conv2_(register_module("main_3", conv(out, out, 3, 1, 1))),
        bn2_(register_module("main_4", torch::nn::BatchNorm2d(out))),
        direct_conv_(register_module("direct_1", conv(in, out, 1, 1, 0))),
        direct_bn_(register_module("direct_2", torch::nn::BatchNorm2d(out))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor main = leaky(bn2_->forward(conv2_->forward(leaky(bn1_->forward(conv1_->forward(x))))));
    const torch::Tensor direct = leaky(direct_bn_->forward(direct_conv_->forward(torch::avg_pool2d(x, 2, 2))));
    return (main + direct) / 2;
  }

 private:
  ganrig::Conv2dLayer conv1_;
  torch::nn::BatchNorm2d bn1_;
  ganrig::Conv2dLayer conv2_;
  torch::nn::BatchNorm2d bn2_;
  ganrig::Conv2dLayer direct_conv_;
  torch::nn::BatchNorm2d direct_bn_;
};
TORCH_MODULE(DownBlockComp);

// Skip-layer excitation: adaptive avg-pool 4, SN conv 4x4 (valid), Swish, SN conv 1x1, sigmoid,
// multiplied channel-wise into the later (smaller) feature map.
class SEBlockImpl : public torch::nn::Module {
 public:
  SEBlockImpl(std::int64_t in, std::int64_t out)
      : conv1_(register_module("main_1", conv(in, out, 4, 1, 0))), conv2_(register_module("main_3", conv(out, out, 1, 1, 0))) {}
  torch::Tensor forward(const torch::Tensor& source, const torch::Tensor& target) {
    torch::Tensor s = conv1_->forward(torch::adaptive_avg_pool2d(source, {4, 4}));
    s = s * torch::sigmoid(s);
    return target * torch::sigmoid(conv2_->forward(s));
  }

 private:
  ganrig::Conv2dLayer conv1_, conv2_;
};
TORCH_MODULE(SEBlock);

// SimpleDecoder: adaptive avg-pool 8, up blocks (nearest x2, SN conv 3x3 to twice the width, BN,
// GLU) to `out_size`, SN conv 3x3 to the image channels, tanh. Widths int(multiplier * 32) with
// {16: 4, 32: 2, 64: 2, 128: 1}; the official decoder always goes to 128 (four up blocks), the
// size of its small-branch input; below 256 that input is smaller and the decoder stops there.
class SimpleDecoderImpl : public torch::nn::Module {
 public:
  SimpleDecoderImpl(std::int64_t in, std::int64_t channels, std::int64_t out_size) {
    const std::map<std::int64_t, std::int64_t> width = {{8, in}, {16, 128}, {32, 64}, {64, 64}, {128, 32}};
    for (std::int64_t s = 16; s <= out_size; s *= 2) {
      const std::int64_t index = static_cast<std::int64_t>(convs_.size()) + 1;  // main.1 .. main.4
      convs_.push_back(register_module(fmt::format("main_{}_1", index), conv(width.at(s / 2), 2 * width.at(s), 3, 1, 1)));
      bns_.push_back(register_module(fmt::format("main_{}_2", index), torch::nn::BatchNorm2d(2 * width.at(s))));
    }
    to_rgb_ = register_module(fmt::format("main_{}", convs_.size() + 1), conv(width.at(out_size), channels, 3, 1, 1));
  }
  torch::Tensor forward(const torch::Tensor& features) {
    namespace F = torch::nn::functional;
    torch::Tensor x = torch::adaptive_avg_pool2d(features, {8, 8});
    for (std::size_t i = 0; i < convs_.size(); ++i) {
      x = F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest));
      x = torch::glu(bns_[i]->forward(convs_[i]->forward(x)), 1);
    }
    return torch::tanh(to_rgb_->forward(x));
  }

 private:
  std::vector<ganrig::Conv2dLayer> convs_;
  std::vector<torch::nn::BatchNorm2d> bns_;
  ganrig::Conv2dLayer to_rgb_{nullptr};
};
TORCH_MODULE(SimpleDecoder);

// FastGAN-pytorch's weights_init: every convolution's weight N(0, 0.02), BatchNorm weights
// N(1, 0.02) and biases 0.
inline void init_fastgan_weights(torch::nn::Module& root) {
  torch::NoGradGuard no_grad;
  for (const auto& module : root.modules(/*include_self=*/false)) {
    if (auto* c = module->as<ganrig::Conv2dLayer>()) c->init_normal(0.02);
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.normal_(1.0, 0.02);
      bn->bias.zero_();
    }
  }
}

}  // namespace ganrig_fastgan_pytorch
