// PGGAN generator and discriminator (Karras et al., "Progressive Growing of GANs", ICLR 2018;
// tkarras/progressive_growing_of_gans networks.py G_paper / D_paper): equalized learning rate
// everywhere, PixelNorm after every generator convolution, minibatch standard deviation before
// the discriminator's last block, toRGB / fromRGB per resolution, and a fade-in by alpha when a
// resolution is added (ganrig::Growing, driven by the `progressive` schedule). The 3x3
// convolutions come from the block registry. Up/down-sampling is nearest x2 then conv and conv
// then 2x2 average pooling (the official code fuses them into one transposed/strided conv at
// high resolutions; the function is the same).
#include <cmath>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/layers.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/conv2d_layer.hpp"

namespace {

using ganrig::ConfigView;
const double kSqrt2 = std::sqrt(2.0);

torch::Tensor lrelu(const torch::Tensor& x) { return torch::leaky_relu(x, 0.2); }
using ganrig::EqualizedLinear;
using ganrig::pixel_norm;

ganrig::Conv2dLayer equalized_conv(std::int64_t in, std::int64_t out, std::int64_t kernel, double gain) {
  return ganrig::Conv2dLayer(ganrig::ConvOptions(in, out, kernel).padding(kernel / 2).equalized_gain(gain));
}

std::shared_ptr<ganrig::ConvLayer> block_conv(const ganrig::Block& block, std::int64_t in, std::int64_t out) {
  return block.make(ganrig::ConvOptions(in, out, 3).padding(1).equalized_gain(kSqrt2));
}

std::int64_t log2_of(std::int64_t r) { return std::llround(std::log2(static_cast<double>(r))); }

}  // namespace

namespace {

struct Channels {
  std::int64_t base, max;
  std::int64_t operator()(std::int64_t stage) const { return std::min<std::int64_t>(base >> stage, max); }
};

void check_resolution(const ConfigView& cfg, std::int64_t resolution) {
  if (resolution < 4 || (resolution & (resolution - 1)) != 0)
    throw ganrig::ConfigError(fmt::format("{}: pggan needs a power-of-two dataset resolution >= 4, got {}",
                                          cfg.origin("type").location(), resolution));
}

class PgganGenerator : public ganrig::Generator, public ganrig::Growing {
 public:
  PgganGenerator(const ConfigView& cfg, ganrig::BuildContext& ctx)
      : latent_dim_(cfg.integer("latent_dim")), normalize_latent_(cfg.boolean("normalize_latent")) {
    check_resolution(cfg, ctx.image().resolution);
    final_ = current_ = ctx.image().resolution;
    const Channels nf{cfg.integer("fmap_base"), cfg.integer("fmap_max")};
    auto block = ctx.block(cfg, "block");
    dense_ = register_module("dense", EqualizedLinear(latent_dim_, nf(1) * 16, kSqrt2 / 4));
    conv4_ = register_module("conv4", block_conv(*block, nf(1), nf(1)));
    to_rgb_.emplace(4, register_module("to_rgb_4", equalized_conv(nf(1), ctx.image().channels, 1, 1.0)));
    for (std::int64_t l = 3; l <= log2_of(final_); ++l) {
      const std::int64_t r = std::int64_t{1} << l;
      auto& b = blocks_[r];
      b.first = register_module(fmt::format("b{}_conv0", r), block_conv(*block, nf(l - 2), nf(l - 1)));
      b.second = register_module(fmt::format("b{}_conv1", r), block_conv(*block, nf(l - 1), nf(l - 1)));
      to_rgb_.emplace(r, register_module(fmt::format("to_rgb_{}", r), equalized_conv(nf(l - 1), ctx.image().channels, 1, 1.0)));
    }
    channels_4_ = nf(1);
  }

  void set_growth(std::int64_t resolution, double alpha) override {
    TORCH_CHECK(to_rgb_.count(resolution), "pggan generator has no resolution ", resolution);
    current_ = resolution;
    alpha_ = alpha;
  }

  torch::Tensor forward(const torch::Tensor& z, const ganrig::Condition& /*unconditional*/ = {}) override {
    torch::Tensor x = normalize_latent_ ? pixel_norm(z) : z;
    x = pixel_norm(lrelu(dense_->forward(x).view({z.size(0), channels_4_, 4, 4})));
    x = pixel_norm(lrelu(conv4_->forward(x)));
    torch::Tensor previous = x;
    for (std::int64_t r = 8; r <= current_; r *= 2) {
      previous = x;
      x = torch::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)});
      x = pixel_norm(lrelu(blocks_.at(r).first->forward(x)));
      x = pixel_norm(lrelu(blocks_.at(r).second->forward(x)));
    }
    torch::Tensor out = to_rgb_.at(current_)->forward(x);
    if (alpha_ < 1.0 && current_ > 4) {
      const torch::Tensor old = torch::upsample_nearest2d(to_rgb_.at(current_ / 2)->forward(previous), {out.size(2), out.size(3)});
      out = old + (out - old) * alpha_;
    }
    return out;
  }
  std::int64_t latent_dim() const override { return latent_dim_; }

 private:
  std::int64_t latent_dim_, final_, current_, channels_4_ = 0;
  double alpha_ = 1.0;
  bool normalize_latent_;
  EqualizedLinear dense_{nullptr};
  std::shared_ptr<ganrig::ConvLayer> conv4_;
  std::map<std::int64_t, std::pair<std::shared_ptr<ganrig::ConvLayer>, std::shared_ptr<ganrig::ConvLayer>>> blocks_;
  std::map<std::int64_t, ganrig::Conv2dLayer> to_rgb_;
};

class PgganDiscriminator : public ganrig::Discriminator, public ganrig::Growing {
 public:
  PgganDiscriminator(const ConfigView& cfg, ganrig::BuildContext& ctx) : group_size_(cfg.integer("mbstd_group_size")) {
    check_resolution(cfg, ctx.image().resolution);
    final_ = current_ = ctx.image().resolution;
    const Channels nf{cfg.integer("fmap_base"), cfg.integer("fmap_max")};
    auto block = ctx.block(cfg, "block");
    for (std::int64_t l = 2; l <= log2_of(final_); ++l) {
      const std::int64_t r = std::int64_t{1} << l;
      from_rgb_.emplace(r, register_module(fmt::format("from_rgb_{}", r), equalized_conv(ctx.image().channels, nf(l - 1), 1, kSqrt2)));
      if (l > 2) {
        auto& b = blocks_[r];
        b.first = register_module(fmt::format("b{}_conv0", r), block_conv(*block, nf(l - 1), nf(l - 1)));
        b.second = register_module(fmt::format("b{}_conv1", r), block_conv(*block, nf(l - 1), nf(l - 2)));
      }
    }
    conv4_ = register_module("conv4", block_conv(*block, nf(1) + (group_size_ > 1 ? 1 : 0), nf(1)));
    dense0_ = register_module("dense0", EqualizedLinear(nf(1) * 16, nf(0), kSqrt2));
    dense1_ = register_module("dense1", EqualizedLinear(nf(0), 1, 1.0));
  }

  void set_growth(std::int64_t resolution, double alpha) override {
    TORCH_CHECK(from_rgb_.count(resolution), "pggan discriminator has no resolution ", resolution);
    current_ = resolution;
    alpha_ = alpha;
  }

  torch::Tensor forward(const torch::Tensor& images, const ganrig::Condition& /*unconditional*/ = {}) override {
    torch::Tensor x = lrelu(from_rgb_.at(current_)->forward(images));
    for (std::int64_t r = current_; r > 4; r /= 2) {
      x = lrelu(blocks_.at(r).first->forward(x));
      x = torch::avg_pool2d(lrelu(blocks_.at(r).second->forward(x)), 2);
      if (r == current_ && alpha_ < 1.0) {
        const torch::Tensor low = lrelu(from_rgb_.at(r / 2)->forward(torch::avg_pool2d(images, 2)));
        x = low + (x - low) * alpha_;
      }
    }
    if (group_size_ > 1) x = ganrig::minibatch_stddev(x, group_size_);
    x = lrelu(conv4_->forward(x));
    x = lrelu(dense0_->forward(x.flatten(1)));
    return dense1_->forward(x);
  }

 private:
  std::int64_t group_size_, final_, current_;
  double alpha_ = 1.0;
  std::map<std::int64_t, ganrig::Conv2dLayer> from_rgb_;
  std::map<std::int64_t, std::pair<std::shared_ptr<ganrig::ConvLayer>, std::shared_ptr<ganrig::ConvLayer>>> blocks_;
  std::shared_ptr<ganrig::ConvLayer> conv4_;
  EqualizedLinear dense0_{nullptr}, dense1_{nullptr};
};

void add_common(ganrig::Schema& s) {
  s.integer("fmap_base", 8192, "Channels at stage s are min(fmap_base / 2^s, fmap_max) (paper: 8192).").range(1, 1 << 20);
  s.integer("fmap_max", 512, "Largest channel count (paper: 512).").range(1, 1 << 16);
  s.component("block", "block", "conv", "Block for the 3x3 convolutions (equalized learning rate either way).");
}

void register_pggan(ganrig::Registry& registry) {
  ganrig::Schema g;
  g.integer("latent_dim", 512, "Latent size.").range(1, 4096);
  g.boolean("normalize_latent", true, "PixelNorm on the latent (the paper).");
  add_common(g);
  registry.add<ganrig::Generator>(
      "pggan",
      "PGGAN generator: PixelNorm(z) -> dense to 4x4 (gain sqrt(2)/4) -> conv 3x3; per resolution nearest x2, two "
      "3x3 convs, LeakyReLU 0.2 and PixelNorm after each; toRGB 1x1 per resolution, faded in by alpha.",
      g, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<PgganGenerator>(cfg, ctx); });
  ganrig::Schema d;
  d.integer("mbstd_group_size", 4, "Minibatch-stddev group size (paper preset 16, repo default 4); 1 disables it.")
      .range(1, 1024);
  add_common(d);
  registry.add<ganrig::Discriminator>(
      "pggan",
      "PGGAN discriminator: fromRGB 1x1 per resolution; blocks of two 3x3 convs and 2x2 average pooling; "
      "minibatch-stddev, conv 3x3, dense, dense; the input is faded between resolutions by alpha.",
      d, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<PgganDiscriminator>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("pggan", "1.0.0", register_pggan)
