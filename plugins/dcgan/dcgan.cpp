// DCGAN (Radford, Metz, Chintala, ICLR 2016) generator and discriminator at any resolution 2^k >= 8.
// Every hidden convolution comes from the block registry, so `block = "dsc"` turns the network
// depthwise-separable without code changes. The layers that touch pixels or the latent stay
// standard convolutions: the latent projection and the output convolution of G (as Faster
// Projected GAN keeps FastGAN's InitLayer and 3x3 output convolution), the first convolution and
// the logit of D (as MobileNet and Xception keep a full first convolution: a depthwise filter on
// a 1-channel image is a single map that every feature would be a multiple of).
// `cond = true` conditions on the dataset's classes: G sees z concatenated with the one-hot label
// (Mirza & Osindero 2014); D is a projection discriminator (Miyato & Koyama 2018): its logit gains
// <embed(y), sum-pooled last features>.
#include <cmath>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/conv2d_layer.hpp"

namespace {

using ganrig::ConfigView;

std::int64_t stages_for(const ConfigView& view, std::int64_t resolution) {
  const auto k = static_cast<std::int64_t>(std::lround(std::log2(static_cast<double>(resolution))));
  if (resolution < 8 || (std::int64_t{1} << k) != resolution)
    throw ganrig::ConfigError(fmt::format("{}: dcgan needs a dataset resolution that is a power of two >= 8, got {}",
                                          view.origin("type").location(), resolution));
  return k - 2;  // 4x4 -> resolution in (k - 2) doublings
}

// DCGAN's initialisation (the reference code's weights_init): convolutions N(0, 0.02), BatchNorm
// scales N(1, 0.02), biases 0. A block layer is asked to scale activations as a standard
// convolution with N(0, 0.02) weights would (ConvLayer::init_normal), so a depthwise-separable
// pair does not draw both factors from N(0, 0.02).
void dcgan_init(torch::nn::Module& network) {
  torch::NoGradGuard no_grad;
  for (const auto& child : network.children()) {
    if (auto* layer = dynamic_cast<ganrig::ConvLayer*>(child.get())) {
      layer->init_normal(0.02);
    } else if (auto* conv = dynamic_cast<ganrig::Conv2dLayerImpl*>(child.get())) {
      conv->init_normal(0.02);
    } else if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(child.get())) {
      bn->weight.normal_(1.0, 0.02);
      bn->bias.zero_();
    } else if (auto* embedding = dynamic_cast<torch::nn::EmbeddingImpl*>(child.get())) {
      // The projection discriminator's class embedding, drawn as every other DCGAN weight: with
      // Embedding's own N(0, 1) the projection term starts ~50x larger than the logit and D wins
      // at once (a 20 kimg run stayed noise).
      embedding->weight.normal_(0.0, 0.02);
    }
  }
}

// DCGAN's resolution-doubling and -halving 4x4 convolutions (stride 2, padding 1, no bias).
ganrig::ConvOptions up_conv(std::int64_t in, std::int64_t out, bool spectral_norm) {
  return ganrig::ConvOptions(in, out, 4).stride(2).padding(1).bias(false).transposed(true).spectral_norm(spectral_norm);
}
ganrig::ConvOptions down_conv(std::int64_t in, std::int64_t out, bool spectral_norm) {
  return ganrig::ConvOptions(in, out, 4).stride(2).padding(1).bias(false).spectral_norm(spectral_norm);
}

// The one-hot labels a conditional network was given; a clear error when it was given none.
const torch::Tensor& required_condition(const ganrig::Condition& c, std::int64_t classes, const char* network) {
  TORCH_CHECK(c.defined() && c.dim() == 2 && c.size(1) == classes, "the conditional dcgan ", network,
              " needs one-hot class labels [B, ", classes, "]");
  return c;
}

class DcganGenerator : public ganrig::Generator {
 public:
  DcganGenerator(const ConfigView& cfg, ganrig::BuildContext& ctx)
      : latent_dim_(cfg.integer("latent_dim")), classes_(ctx.conditional_classes(cfg, "cond")) {
    const auto image = ctx.image();
    const std::int64_t stages = stages_for(cfg, image.resolution);
    const std::int64_t ngf = cfg.integer("ngf");
    const bool sn = cfg.boolean("spectral_norm");
    const bool bn = cfg.boolean("batchnorm");
    auto block = ctx.block(cfg, "block");
    std::int64_t channels = ngf << (stages - 1);
    // The latent projection stays a standard convolution (as Faster Projected GAN keeps its InitLayer).
    project_ = register_module("project", ganrig::Conv2dLayer(ganrig::ConvOptions(latent_dim_ + classes_, channels, 4)
                                                                  .bias(false)
                                                                  .transposed(true)
                                                                  .spectral_norm(sn)));
    if (bn) project_bn_ = register_module("project_bn", torch::nn::BatchNorm2d(channels));
    for (std::int64_t s = 0; s + 1 < stages; ++s) {
      ups_.push_back(register_module(fmt::format("up{}", s), block->make(up_conv(channels, channels / 2, sn))));
      if (bn) bns_.push_back(register_module(fmt::format("up{}_bn", s), torch::nn::BatchNorm2d(channels / 2)));
      channels /= 2;
    }
    to_image_ = register_module("to_image", ganrig::Conv2dLayer(up_conv(channels, image.channels, sn)));
    if (cfg.string("init") == "dcgan") dcgan_init(*this);
  }

  torch::Tensor forward(const torch::Tensor& z, const ganrig::Condition& c = {}) override {
    const torch::Tensor input = classes_ ? torch::cat({z, required_condition(c, classes_, "generator").to(z.dtype())}, 1) : z;
    torch::Tensor x = project_->forward(input.view({input.size(0), input.size(1), 1, 1}));
    if (project_bn_) x = project_bn_->forward(x);
    x = torch::relu(x);
    for (std::size_t i = 0; i < ups_.size(); ++i) {
      x = ups_[i]->forward(x);
      if (!bns_.empty()) x = bns_[i]->forward(x);
      x = torch::relu(x);
    }
    return torch::tanh(to_image_->forward(x));
  }
  std::int64_t latent_dim() const override { return latent_dim_; }
  std::int64_t classes() const override { return classes_; }

 private:
  std::int64_t latent_dim_, classes_;
  ganrig::Conv2dLayer project_{nullptr};
  torch::nn::BatchNorm2d project_bn_{nullptr};
  std::vector<std::shared_ptr<ganrig::ConvLayer>> ups_;
  std::vector<torch::nn::BatchNorm2d> bns_;
  ganrig::Conv2dLayer to_image_{nullptr};
};

class DcganDiscriminator : public ganrig::Discriminator {
 public:
  DcganDiscriminator(const ConfigView& cfg, ganrig::BuildContext& ctx) : classes_(ctx.conditional_classes(cfg, "cond")) {
    const auto image = ctx.image();
    const std::int64_t stages = stages_for(cfg, image.resolution);
    std::int64_t channels = cfg.integer("ndf");
    const bool sn = cfg.boolean("spectral_norm");
    const bool bn = cfg.boolean("batchnorm");
    auto block = ctx.block(cfg, "block");
    from_image_ = register_module("down0", ganrig::Conv2dLayer(down_conv(image.channels, channels, sn)));
    for (std::int64_t s = 1; s < stages; ++s) {
      downs_.push_back(register_module(fmt::format("down{}", s), block->make(down_conv(channels, channels * 2, sn))));
      if (bn) bns_.push_back(register_module(fmt::format("down{}_bn", s), torch::nn::BatchNorm2d(channels * 2)));
      channels *= 2;
    }
    // The 4x4 -> 1 logit convolution stays standard.
    logit_ = register_module("logit", ganrig::Conv2dLayer(ganrig::ConvOptions(channels, 1, 4).bias(false).spectral_norm(sn)));
    if (classes_) embed_ = register_module("embed", torch::nn::Embedding(classes_, channels));
    if (cfg.string("init") == "dcgan") dcgan_init(*this);
  }

  torch::Tensor forward(const torch::Tensor& images, const ganrig::Condition& c = {}) override {
    torch::Tensor x = torch::leaky_relu(from_image_->forward(images), 0.2);
    for (std::size_t i = 0; i < downs_.size(); ++i) {
      x = downs_[i]->forward(x);
      if (!bns_.empty()) x = bns_[i]->forward(x);
      x = torch::leaky_relu(x, 0.2);
    }
    torch::Tensor logit = logit_->forward(x).flatten(1);
    if (!classes_) return logit;
    const torch::Tensor y = embed_->forward(required_condition(c, classes_, "discriminator").argmax(1));
    return logit + (y.to(x.dtype()) * x.sum({2, 3})).sum(1, /*keepdim=*/true);
  }
  std::int64_t classes() const override { return classes_; }

 private:
  std::int64_t classes_;
  torch::nn::Embedding embed_{nullptr};
  ganrig::Conv2dLayer from_image_{nullptr};
  std::vector<std::shared_ptr<ganrig::ConvLayer>> downs_;
  std::vector<torch::nn::BatchNorm2d> bns_;
  ganrig::Conv2dLayer logit_{nullptr};
};

ganrig::Schema generator_schema() {
  ganrig::Schema s;
  s.integer("latent_dim", 100, "Latent size.").range(1, 4096);
  s.integer("ngf", 64, "Channels of the last up-sampling stage; doubled per stage towards 4x4.").range(1, 4096);
  s.component("block", "block", "conv",
              "Block for the hidden up-sampling convolutions (\"conv\", \"dsc\", ...); the latent projection and the "
              "output convolution stay standard.");
  s.boolean("spectral_norm", false, "Spectral normalization on every convolution.");
  s.boolean("batchnorm", true, "BatchNorm after each convolution but the output.");
  s.string("init", "dcgan", "Weight initialisation: DCGAN's N(0, 0.02) or LibTorch's default.").one_of({"dcgan", "default"});
  s.boolean("cond", false, "Condition on the dataset's classes: z concatenated with the one-hot label (cGAN).");
  return s;
}

ganrig::Schema discriminator_schema() {
  ganrig::Schema s;
  s.integer("ndf", 64, "Channels of the first stage; doubled per stage down to 4x4.").range(1, 4096);
  s.component("block", "block", "conv",
              "Block for the hidden down-sampling convolutions (\"conv\", \"dsc\", ...); the first convolution and "
              "the logit stay standard.");
  s.boolean("spectral_norm", false, "Spectral normalization on every convolution.");
  s.boolean("batchnorm", true, "BatchNorm after each convolution but the first and the logit.");
  s.string("init", "dcgan", "Weight initialisation: DCGAN's N(0, 0.02) or LibTorch's default.").one_of({"dcgan", "default"});
  s.boolean("cond", false,
            "Projection discriminator on the dataset's classes (Miyato & Koyama 2018): logit + <embed(y), sum-pooled "
            "4x4 features>.");
  return s;
}

void register_dcgan(ganrig::Registry& registry) {
  registry.add<ganrig::Generator>(
      "dcgan",
      "DCGAN generator (Radford et al. 2016): latent -> 4x4 by a transposed convolution, then stride-2 transposed "
      "4x4 convolutions with BatchNorm and ReLU, tanh output.",
      generator_schema(),
      [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<DcganGenerator>(cfg, ctx); });
  registry.add<ganrig::Discriminator>(
      "dcgan",
      "DCGAN discriminator: stride-2 4x4 convolutions with BatchNorm and LeakyReLU(0.2) down to 4x4, then a 4x4 "
      "convolution to one logit.",
      discriminator_schema(),
      [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<DcganDiscriminator>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("dcgan", "1.0.0", register_dcgan)
