// FastGAN generator as in Projected GAN's code (pg_modules/networks_fastgan.py, blocks.py), the
// generator of Projected GAN and Faster Projected GAN. The 3x3 convolutions inside the up blocks
// come from the block registry (`block`, or per resolution `blocks`), so Faster Projected GAN is
// `block = "dsc"`. InitLayer, skip-layer excitation and the output convolution stay standard.
// `cond = true` is the official FastganSynthesisCond: a class embedding (embed, z_dim wide) drives
// conditional BatchNorm (CCBN) in every up block, and a big up block has one noise injection used twice.
#include <cmath>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/twin_record.hpp"
#include "ganrig/conv2d_layer.hpp"
#include "ganrig/glu.hpp"
#include "conditional_batch_norm.hpp"
#include "fastgan_layout.hpp"

namespace {

using ganrig::ConfigView;
using ganrig::Conv2dLayer;

Conv2dLayer sn_conv(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t pad, bool bias, bool transposed = false) {
  return Conv2dLayer(ganrig::ConvOptions(in, out, k).padding(pad).bias(bias).transposed(transposed).spectral_norm(true));
}

// GLU over channels, a * sigmoid(b) for the halves a, b (the official GLU module). LibTorch's glu
// computes the same forward bit for bit; its backward writes both halves' gradients into one
// tensor, where the sliced form's backward zero-fills a full-size tensor per slice and adds them
// (about 3x the time, tools/bench/micro_levers.py; tests/plugins/fastgan_test.cpp checks the equivalence).
// glu_channels: the same, with a channels-last gradient for the channels-last maps.
torch::Tensor gated_linear(const torch::Tensor& x) { return ganrig::glu_channels(x); }

// feat + weight * N(0, 1) noise of shape [B, 1, H, W]; weight starts at 0 (always random noise,
// as the official generator ignores noise_mode).
class NoiseInjectionImpl : public torch::nn::Module {
 public:
  NoiseInjectionImpl() : weight(register_parameter("weight", torch::zeros({1}))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return x + weight * ganrig::recorded("randn:noise", torch::randn({x.size(0), 1, x.size(2), x.size(3)}, x.options()));
  }
  torch::Tensor weight;
};
TORCH_MODULE(NoiseInjection);

// UpBlockBig: up x2 (nearest), conv3x3(in -> 2 out), noise, BN, GLU, conv3x3(out -> 2 out), noise, BN, GLU.
// UpBlockSmall: up x2, conv3x3(in -> 2 out), BN, GLU.
// With `embedding_dim` > 0 (UpBlockBigCond / UpBlockSmallCond): CCBN on the class embedding instead
// of BN, and the big block's two injections share one noise weight, as the official code's do.
class UpBlockImpl : public torch::nn::Module {
 public:
  UpBlockImpl(const ganrig::Block& block, std::int64_t in, std::int64_t out, bool big, std::int64_t embedding_dim)
      : big_(big), cond_(embedding_dim > 0) {
    conv1_ = register_module("conv1", block.make(ganrig::ConvOptions(in, 2 * out, 3).padding(1).bias(false).spectral_norm(true)));
    add_norm(bn1_, ccbn1_, "bn1", 2 * out, embedding_dim);
    if (!big_) return;
    if (cond_) {
      noise1_ = noise2_ = register_module("noise", NoiseInjection());
    } else {
      noise1_ = register_module("noise1", NoiseInjection());
    }
    conv2_ = register_module("conv2", block.make(ganrig::ConvOptions(out, 2 * out, 3).padding(1).bias(false).spectral_norm(true)));
    if (!cond_) noise2_ = register_module("noise2", NoiseInjection());
    add_norm(bn2_, ccbn2_, "bn2", 2 * out, embedding_dim);
  }
  // `y`: the class embedding [B, embedding_dim] (conditional blocks only).
  torch::Tensor forward(const torch::Tensor& input, const torch::Tensor& y = {}) {
    torch::Tensor x = conv1_->forward_upsampled(input);
    if (big_) x = noise1_->forward(x);
    x = gated_linear(cond_ ? ccbn1_->forward(x, y) : bn1_->forward(x));
    if (!big_) return x;
    x = noise2_->forward(conv2_->forward(x));
    return gated_linear(cond_ ? ccbn2_->forward(x, y) : bn2_->forward(x));
  }

 private:
  void add_norm(torch::nn::BatchNorm2d& bn, ganrig_fastgan::ConditionalBatchNorm& ccbn, const std::string& name,
                std::int64_t channels, std::int64_t embedding_dim) {
    if (embedding_dim > 0)
      ccbn = register_module(name, ganrig_fastgan::ConditionalBatchNorm(channels, embedding_dim));
    else
      bn = register_module(name, torch::nn::BatchNorm2d(channels));
  }
  bool big_, cond_;
  std::shared_ptr<ganrig::ConvLayer> conv1_, conv2_;
  NoiseInjection noise1_{nullptr}, noise2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  ganrig_fastgan::ConditionalBatchNorm ccbn1_{nullptr}, ccbn2_{nullptr};
};
TORCH_MODULE(UpBlock);

// Skip-layer excitation: AdaptiveAvgPool(4), SN-conv 4x4 (valid), Swish, SN-conv 1x1, sigmoid,
// multiplied channel-wise into the larger feature map.
class SEBlockImpl : public torch::nn::Module {
 public:
  SEBlockImpl(std::int64_t in, std::int64_t out)
      : conv1_(register_module("conv1", sn_conv(in, out, 4, 0, false))),
        conv2_(register_module("conv2", sn_conv(out, out, 1, 0, false))) {}
  torch::Tensor forward(const torch::Tensor& small, const torch::Tensor& big) {
    torch::Tensor s = conv1_->forward(torch::adaptive_avg_pool2d(small, {4, 4}));
    s = s * torch::sigmoid(s);
    return big * torch::sigmoid(conv2_->forward(s));
  }

 private:
  Conv2dLayer conv1_, conv2_;
};
TORCH_MODULE(SEBlock);

std::int64_t log2_exact(const ConfigView& cfg, std::int64_t resolution) {
  const auto k = static_cast<std::int64_t>(std::lround(std::log2(static_cast<double>(resolution))));
  if (resolution < 16 || resolution > 1024 || (std::int64_t{1} << k) != resolution)
    throw ganrig::ConfigError(fmt::format("{}: fastgan needs a dataset resolution 2^k from 16 to 1024, got {}",
                                          cfg.origin("type").location(), resolution));
  return k;
}

class FastganGenerator : public ganrig::Generator, public ganrig_fastgan::HasFastganLayout {
 public:
  FastganGenerator(const ConfigView& cfg, ganrig::BuildContext& ctx)
      : latent_dim_(cfg.integer("latent_dim")),
        normalize_latent_(cfg.boolean("normalize_latent")),
        tanh_(cfg.boolean("tanh")),
        sle_(cfg.boolean("skip_excitation")),
        classes_(ctx.conditional_classes(cfg, "cond")) {
    const auto image = ctx.image();
    resolution_ = image.resolution;
    const std::int64_t top = log2_exact(cfg, resolution_);
    const double ngf = static_cast<double>(cfg.integer("ngf"));
    const std::map<std::int64_t, double> multiplier = {{2, 16},  {4, 16},   {8, 8},    {16, 4},    {32, 2},
                                                       {64, 2},  {128, 1},  {256, 0.5}, {512, 0.25}, {1024, 0.125}};
    for (const auto& [r, m] : multiplier) nfc_[r] = static_cast<std::int64_t>(m * ngf);

    // Per-resolution choices: up-block size ("big"/"small") and convolution block.
    const bool lite = cfg.boolean("lite");
    layout_ = {latent_dim_, cfg.integer("ngf"), resolution_, image.channels, {}, normalize_latent_, tanh_, sle_,
               classes_, classes_ ? cfg.integer("class_embeddings") : 0};
    if (classes_ > layout_.class_embeddings)
      throw ganrig::ConfigError(fmt::format("{}class_embeddings = {} is fewer than the dataset's {} classes",
                                            cfg.where("class_embeddings"), layout_.class_embeddings, classes_));
    const auto up_blocks = cfg.string_table("up_blocks");
    const auto default_block = ctx.block(cfg, "block");
    std::vector<std::int64_t> up_sizes;
    for (std::int64_t k = 3; k <= top; ++k) up_sizes.push_back(std::int64_t{1} << k);
    ctx.check_sizes(cfg, "up_blocks", up_sizes, "an up-block resolution");
    ctx.check_sizes(cfg, "blocks", up_sizes, "an up-block resolution");

    init_ = register_module("init", sn_conv(latent_dim_, 2 * nfc_[4], 4, 0, false, /*transposed=*/true));
    init_bn_ = register_module("init_bn", torch::nn::BatchNorm2d(2 * nfc_[4]));
    for (std::int64_t k = 3; k <= top; ++k) {
      const std::int64_t r = std::int64_t{1} << k;
      const std::string key = std::to_string(r);
      const bool big = up_blocks.count(key) ? up_blocks.at(key) == "big" : !lite;
      layout_.big[r] = big;
      const auto block = ctx.component_at_size(cfg, "blocks", r, default_block);
      ups_.push_back(register_module(fmt::format("feat_{}", r),
                                     UpBlock(*block, nfc_[r / 2], nfc_[r], big, classes_ ? latent_dim_ : 0)));
    }
    // Skip-layer excitation 4->64, 8->128, 16->256, 32->512 (none at 1024), where the target exists.
    if (sle_) {
      for (const auto& [small, big] : std::vector<std::pair<std::int64_t, std::int64_t>>{{4, 64}, {8, 128}, {16, 256}, {32, 512}})
        if (big <= resolution_) se_.emplace(big, register_module(fmt::format("se_{}", big), SEBlock(nfc_[small], nfc_[big])));
    }
    to_big_ = register_module("to_big", sn_conv(nfc_[resolution_], image.channels, 3, 1, true));
    // nn.Embedding(num_classes, z_dim) with its N(0, 1) initialisation, after every other layer as
    // in the official constructor.
    if (classes_) embed_ = register_module("embed", torch::nn::Embedding(layout_.class_embeddings, latent_dim_));
  }

  torch::Tensor forward(const torch::Tensor& z, const ganrig::Condition& c = {}) override {
    torch::Tensor y;
    if (classes_) {
      TORCH_CHECK(c.defined() && c.dim() == 2 && c.size(1) == classes_,
                  "the conditional fastgan generator needs one-hot class labels [B, ", classes_, "]");
      y = embed_->forward(c.argmax(1));
    }
    torch::Tensor x = z;
    if (normalize_latent_) x = x * (x.square().mean(1, true) + 1e-8).rsqrt();
    x = gated_linear(init_bn_->forward(init_->forward(x.view({x.size(0), -1, 1, 1}))));
    // Channels-last from here on the CPU: oneDNN's convolutions take it as it is, where NCHW maps are
    // reordered to its blocked layout and back at every call (tools/bench/README.md, levers table).
    if (x.is_cpu()) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    std::map<std::int64_t, torch::Tensor> feats = {{4, x}};
    std::int64_t r = 4;
    for (auto& up : ups_) {
      x = up->forward(x, y);
      r *= 2;
      auto se = se_.find(r);
      if (se != se_.end()) x = se->second->forward(feats.at(r / 16), x);
      feats[r] = x;
    }
    x = to_big_->forward(x).contiguous();  // the image in the usual layout (3 channels: a small copy)
    return tanh_ ? torch::tanh(x) : x;
  }
  std::int64_t latent_dim() const override { return latent_dim_; }
  std::int64_t classes() const override { return classes_; }
  const ganrig_fastgan::FastganLayout& layout() const override { return layout_; }

 private:
  ganrig_fastgan::FastganLayout layout_;
  std::int64_t latent_dim_, resolution_ = 0;
  bool normalize_latent_, tanh_, sle_;
  std::int64_t classes_;
  torch::nn::Embedding embed_{nullptr};
  std::map<std::int64_t, std::int64_t> nfc_;
  Conv2dLayer init_{nullptr}, to_big_{nullptr};
  torch::nn::BatchNorm2d init_bn_{nullptr};
  std::vector<UpBlock> ups_;
  std::map<std::int64_t, SEBlock> se_;
};

}  // namespace

namespace ganrig_fastgan {
void register_pg_weight_format(ganrig::Registry& registry);  // pg_weight_format.cpp
}

namespace {

void register_fastgan(ganrig::Registry& registry) {
  ganrig_fastgan::register_pg_weight_format(registry);
  ganrig::Schema s;
  s.integer("latent_dim", 256, "Latent size (z_dim).").range(1, 4096);
  s.integer("ngf", 128, "Channel base: channels at resolution r are int(multiplier[r] * ngf), multipliers "
                        "{4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}.")
      .range(1, 4096);
  s.boolean("lite", false, "Small up blocks everywhere (cfg fastgan_lite); false: big blocks (cfg fastgan).");
  s.string_table("up_blocks", "Per-resolution up block, e.g. { 8 = \"big\", 16 = \"small\" }; overrides `lite`.")
      .one_of({"big", "small"});
  s.component("block", "block", "conv", "Block for the 3x3 convolutions inside the up blocks (\"dsc\": Faster Projected GAN).");
  s.component_table("blocks", "block",
                    "Per-resolution block for the up blocks, e.g. { 8 = \"conv\", 16 = \"dsc\" } or "
                    "{ 16 = { type = \"ghost\", ratio = 2 } }; overrides `block`.");
  s.boolean("skip_excitation", true, "Skip-layer excitation 4->64, 8->128, 16->256, 32->512.");
  s.boolean("normalize_latent", true, "Normalize z by its second moment (Projected GAN's code; not in the paper runs).");
  s.boolean("tanh", false, "tanh on the output (Projected GAN: off; the original FastGAN at 1024: on).");
  s.boolean("cond", false,
            "Condition on the dataset's classes as the official FastganSynthesisCond (--cond=True): class embedding "
            "and conditional BatchNorm (CCBN) in the up blocks.");
  s.integer("class_embeddings", 1000,
            "Rows of the class embedding (cond): the official code always makes 1000 (FastganSynthesisCond's "
            "num_classes, which its Generator never sets); at least the dataset's class count.")
      .range(1, 1000000);
  registry.add<ganrig::Generator>(
      "fastgan",
      "FastGAN generator as in Projected GAN's code: InitLayer (SN transposed 4x4, BN, GLU), up blocks (big: 2x "
      "conv + noise + BN + GLU; small: 1x conv + BN + GLU), skip-layer excitation, SN 3x3 output conv with bias.",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<FastganGenerator>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("fastgan", "1.0.0", register_fastgan)
