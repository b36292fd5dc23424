// Projected GAN's discriminator (pg_modules/discriminator.py, projector.py): the augment applied
// differentiably to real and fake, a bilinear resize to 224 when the dataset resolution is below
// 224, a frozen pretrained projector, random frozen cross-channel mixing (CCM) and cross-scale
// mixing (CSM), and four mini-discriminators whose logits are concatenated. `cond = true` makes
// each mini-discriminator the official SingleDiscCond: its last convolution maps to a 64-channel
// `cmap` space and the logit is the projection onto the class embedding's image there.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "ganrig/bilinear.hpp"
#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/reference_kernels.hpp"
#include "ganrig/conv2d_layer.hpp"
#include "pg_names.hpp"

namespace {

using ganrig::ConfigView;

// A plain 1x1 convolution with bias and PyTorch's default initialisation, never trained.
torch::nn::Conv2d random_1x1(std::int64_t in, std::int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(true));
}

// CSM's FeatureFusionBlock: (optional add), bilinear x2 with align_corners, 1x1 conv (halving the
// channels when expand, except the last block). Bilinear in fp32 under bf16 (ganrig/bilinear.hpp).
class FusionImpl : public torch::nn::Module {
 public:
  FusionImpl(std::int64_t features, bool expand)
      : out_conv(register_module("out_conv", random_1x1(features, expand ? features / 2 : features))) {}
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& skip = {}) {
    namespace F = torch::nn::functional;
    if (skip.defined()) x = x + skip;
    x = ganrig::interpolate_bilinear(
        x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}).align_corners(true));
    return out_conv->forward(x);
  }
  torch::nn::Conv2d out_conv;
};
TORCH_MODULE(Fusion);

// SingleDisc: down blocks from start_sz to 8 (channel table {4: 512, 8: 512, 16: 256, 32: 128,
// 64: 64, 128: 64, 256: 32, 512: 16, 1024: 8}, the start entry replaced by the input channels),
// then an SN 4x4 convolution to one logit map (no bias).
// Conditional (SingleDiscCond, `class_embeddings` > 0): the SN 4x4 convolution `cls` maps to
// kCmapDim channels, the class embedding (kEmbeddingDim wide) goes through Linear + LeakyReLU(0.2)
// to the same space, and the logit is their dot product / sqrt(kCmapDim).
constexpr std::int64_t kCmapDim = 64, kEmbeddingDim = 128;  // SingleDiscCond's defaults, never changed by MultiScaleD

class MiniDiscImpl : public torch::nn::Module {
 public:
  MiniDiscImpl(std::int64_t in_channels, std::int64_t start_size, const ConfigView& cfg, ganrig::BuildContext& ctx,
               const std::shared_ptr<ganrig::Block>& default_block, std::int64_t class_embeddings) {
    std::map<std::int64_t, std::int64_t> channels = {{4, 512},  {8, 512},  {16, 256}, {32, 128}, {64, 64},
                                                     {128, 64}, {256, 32}, {512, 16}, {1024, 8}};
    channels[start_size] = in_channels;
    std::int64_t size = start_size;
    int index = 0;
    while (size > 8) {
      const auto block = ctx.component_at_size(cfg, "blocks", size, default_block);
      downs_.push_back(register_module(fmt::format("down{}", index++),
                                       block->make_down_block(channels[size], channels[size / 2], true)));
      size /= 2;
    }
    if (class_embeddings == 0) {
      logit_ = register_module("logit", ganrig::Conv2dLayer(ganrig::ConvOptions(channels[8], 1, 4).bias(false).spectral_norm(true)));
      return;
    }
    cls_ = register_module("cls", ganrig::Conv2dLayer(ganrig::ConvOptions(channels[8], kCmapDim, 4).bias(false).spectral_norm(true)));
    embed_ = register_module("embed", torch::nn::Embedding(class_embeddings, kEmbeddingDim));
    embed_proj_ = register_module("embed_proj", torch::nn::Linear(kEmbeddingDim, kCmapDim));
  }
  // `c`: one-hot labels [B, classes] (conditional only).
  torch::Tensor forward(torch::Tensor x, const ganrig::Condition& c) {
    for (auto& d : downs_) x = d->forward(x);
    if (!cls_) return logit_->forward(x);
    const torch::Tensor out = cls_->forward(x);
    const torch::Tensor cmap = torch::leaky_relu(embed_proj_->forward(embed_->forward(c.argmax(1))), 0.2);
    return (out * cmap.to(out.dtype()).unsqueeze(-1).unsqueeze(-1)).sum(1, /*keepdim=*/true) *
           (1.0 / std::sqrt(static_cast<double>(kCmapDim)));
  }
  std::size_t down_blocks() const { return downs_.size(); }

 private:
  std::vector<std::shared_ptr<ganrig::ConvLayer>> downs_;
  ganrig::Conv2dLayer logit_{nullptr}, cls_{nullptr};
  torch::nn::Embedding embed_{nullptr};
  torch::nn::Linear embed_proj_{nullptr};
};
TORCH_MODULE(MiniDisc);

std::string type_of(const ganrig::BuildContext& ctx, const std::string& table) {
  const toml::table* t = ctx.config().table_at(table);
  return t ? (*t)["type"].value_or(std::string()) : std::string();
}

class ProjectedDiscriminator : public ganrig::Discriminator {
 public:
  ProjectedDiscriminator(const ConfigView& cfg, ganrig::BuildContext& ctx)
      : proj_type_(cfg.integer("proj_type")),
        resize_224_(ctx.image().resolution < 224),
        channels_last_(!ganrig::reference_kernels(ctx.config())),
        projector_type_(type_of(ctx, "projector")),
        classes_(ctx.conditional_classes(cfg, "cond")),
        class_embeddings_(classes_ ? cfg.integer("class_embeddings") : 0) {
    if (classes_ > class_embeddings_)
      throw ganrig::ConfigError(fmt::format("{}class_embeddings = {} is fewer than the dataset's {} classes",
                                            cfg.where("class_embeddings"), class_embeddings_, classes_));
    if (ctx.image().channels != 3)
      throw ganrig::ConfigError(fmt::format("{}: the projected discriminator needs RGB images (the projector is an "
                                            "ImageNet network), got {} channel(s)",
                                            cfg.origin("type").location(), ctx.image().channels));
    if (ctx.has("augment")) augment_ = register_module("augment", ctx.build<ganrig::Augment>("augment"));
    projector_ = register_module("projector", ctx.build<ganrig::Projector>("projector"));
    for (auto& p : projector_->parameters()) p.set_requires_grad(false);
    projector_->eval();

    // Channels and feature sizes the mini-discriminators are built for. The sizes are those of a
    // 256x256 input whatever the dataset resolution (the official code found this works best).
    std::vector<std::int64_t> channels = projector_->channels();
    std::vector<std::int64_t> sizes = {64, 32, 16, 8};
    const std::int64_t cout = cout_ = cfg.integer("cout");
    const bool expand = expand_ = cfg.boolean("expand");
    if (proj_type_ >= 1) {
      for (int i = 0; i < 4; ++i) {
        const std::int64_t out = expand ? cout << i : cout;
        ccm_.push_back(register_module(fmt::format("ccm{}", i), random_1x1(channels[i], out)));
        channels[i] = out;
      }
    }
    if (proj_type_ == 2) {
      for (int i = 3; i >= 0; --i)
        csm_.emplace(i, register_module(fmt::format("csm{}", i), Fusion(channels[i], expand && i > 0)));
      channels = expand ? std::vector<std::int64_t>{cout, cout, cout * 2, cout * 4} : std::vector<std::int64_t>(4, cout);
      for (auto& s : sizes) s *= 2;
    }
    // CCM and CSM are random and frozen; their weights come from the experiment seed.
    for (auto& c : ccm_)
      for (auto& p : c->parameters()) p.set_requires_grad(false);
    for (auto& [i, c] : csm_)
      for (auto& p : c->parameters()) p.set_requires_grad(false);

    const auto block = ctx.block(cfg, "block");
    const std::int64_t num_discs = cfg.integer("num_discs");
    std::vector<std::int64_t> down_sizes;  // input sizes of every down block, for `blocks`
    for (std::int64_t i = 0; i < num_discs; ++i) {
      discs_.push_back(register_module(fmt::format("disc{}", i), MiniDisc(channels[i], sizes[i], cfg, ctx, block, class_embeddings_)));
      for (std::int64_t size = sizes[i]; size > 8; size /= 2)
        if (std::find(down_sizes.begin(), down_sizes.end(), size) == down_sizes.end()) down_sizes.push_back(size);
    }
    std::sort(down_sizes.begin(), down_sizes.end());
    ctx.check_sizes(cfg, "blocks", down_sizes, "the input size of a down block");
  }

  torch::Tensor forward(const torch::Tensor& images, const ganrig::Condition& c = {}) override {
    return heads(features(prepare(images)), 0, images.size(0), c);
  }
  std::int64_t classes() const override { return classes_; }

  // "pg": the official ProjectedDiscriminator's names (pg_names.hpp).
  ganrig::NamedTensors export_state_as(const std::string& format) override {
    return pg_names(format).export_state(*this);
  }
  void import_state_as(const std::string& format, const std::map<std::string, torch::Tensor>& state) override {
    pg_names(format).import_state(*this, state);
  }
  std::string constructor_json_as(const std::string& format) override {
    pg_names(format);
    return fmt::format(
        R"j({{"class": "pg_modules.discriminator.ProjectedDiscriminator", "kwargs": {{"diffaug": {}, "interp224": {}, )j"
        R"j("backbone_kwargs": {{"cout": {}, "expand": {}, "proj_type": {}, "num_discs": {}, "separable": false, "cond": {}}}}}, )j"
        R"j("note": "its constructor builds timm's tf_efficientnet_lite0 (pretrained=True); load_state_dict then replaces those weights with the exported ones"}})j",
        augment_ ? "true" : "false", resize_224_ ? "true" : "false", cout_, expand_ ? "true" : "false", proj_type_,
        discs_.size(), classes_ ? 1 : 0);
  }

  // The D phase's fakes and reals: augmented one after the other (the random draws of two
  // forwards), then one pass of both through the frozen projector + CCM + CSM (eval mode, so each
  // image's features do not depend on the others), and separate passes through the
  // mini-discriminators, whose BatchNorm keeps per-kind statistics as in the official code.
  std::pair<torch::Tensor, torch::Tensor> forward_pair(const torch::Tensor& first, const torch::Tensor& second,
                                                       const ganrig::Condition& c_first = {},
                                                       const ganrig::Condition& c_second = {}) override {
    const std::int64_t n = first.size(0);
    const std::vector<torch::Tensor> both = features(torch::cat({prepare(first), prepare(second)}));
    torch::Tensor a = heads(both, 0, n, c_first);
    return {a, heads(both, n, second.size(0), c_second)};
  }

 private:
  // DiffAugment, then the bilinear resize to 224 below 224 (per image, so batching cannot change it),
  // in channels-last layout, which the frozen part runs in: oneDNN's convolutions then work on the
  // activations as they are instead of reordering them around every layer (tools/bench/README.md).
  // Converting before the resize lets the resize write that layout directly.
  torch::Tensor prepare(const torch::Tensor& images) {
    namespace F = torch::nn::functional;
    RECORD_FUNCTION("ganrig::augment_resize", std::vector<c10::IValue>());
    torch::Tensor x = augment_ ? augment_->forward(images) : images;
    if (channels_last_) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    if (resize_224_)
      x = ganrig::interpolate_bilinear(
          x, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{224, 224}).align_corners(false));
    return x;
  }

  // The frozen part: projector, CCM, CSM (on prepared, channels-last images).
  std::vector<torch::Tensor> features(const torch::Tensor& x) {
    RECORD_FUNCTION("ganrig::projector", std::vector<c10::IValue>());
    std::vector<torch::Tensor> features = projector_->forward(x);
    if (proj_type_ >= 1)
      for (int i = 0; i < 4; ++i) features[i] = ccm_[i]->forward(features[i]);
    if (proj_type_ == 2) {
      features[3] = csm_.at(3)->forward(features[3]);
      features[2] = csm_.at(2)->forward(features[3], features[2]);
      features[1] = csm_.at(1)->forward(features[2], features[1]);
      features[0] = csm_.at(0)->forward(features[1], features[0]);
    }
    return features;
  }

  // The mini-discriminators on images [start, start + count) of the features, with their labels `c`.
  torch::Tensor heads(const std::vector<torch::Tensor>& features, std::int64_t start, std::int64_t count,
                      const ganrig::Condition& c) {
    RECORD_FUNCTION("ganrig::mini_discriminators", std::vector<c10::IValue>());
    TORCH_CHECK(!classes_ || (c.defined() && c.dim() == 2 && c.size(0) == count && c.size(1) == classes_),
                "the conditional projected discriminator needs one-hot class labels [", count, ", ", classes_, "]");
    std::vector<torch::Tensor> logits;
    for (std::size_t i = 0; i < discs_.size(); ++i) {
      // The whole batch (the G phase) without a narrow: its backward would zero-fill a feature-sized
      // gradient and copy this one into it (SliceBackward, ~1.6% of a PG 64 step).
      const bool whole = start == 0 && count == features[i].size(0);
      const torch::Tensor part = whole ? features[i] : features[i].narrow(0, start, count);
      logits.push_back(discs_[i]->forward(part, c).reshape({count, -1}));
    }
    return torch::cat(logits, 1);
  }

 public:
  // The frozen parts stay in eval mode; the mini-discriminators' BatchNorm trains.
  void train(bool on = true) override {
    torch::nn::Module::train(on);
    projector_->eval();
  }

 private:
  PgNames pg_names(const std::string& format = "pg") const {
    if (format != "pg")
      throw ganrig::Error(fmt::format("the projected discriminator has names for format \"pg\" only, not \"{}\"", format));
    std::vector<std::size_t> down_blocks;
    for (const auto& d : discs_) down_blocks.push_back(d->down_blocks());
    if (classes_ && class_embeddings_ != 1000)
      throw ganrig::Error(fmt::format("format pg: the official SingleDiscCond always has 1000 class embeddings "
                                      "(MultiScaleD never passes c_dim); this discriminator has class_embeddings = {}",
                                      class_embeddings_));
    return PgNames(projector_type_, projector_->names_as("pg"), down_blocks);
  }

  std::int64_t proj_type_;
  bool resize_224_;
  bool channels_last_;  // [exec] reference_kernels = false
  std::string projector_type_;
  std::int64_t classes_, class_embeddings_;
  std::int64_t cout_ = 0;
  bool expand_ = false;
  std::shared_ptr<ganrig::Augment> augment_;
  std::shared_ptr<ganrig::Projector> projector_;
  std::vector<torch::nn::Conv2d> ccm_;
  std::map<int, Fusion> csm_;
  std::vector<MiniDisc> discs_;
};

void register_projected(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.integer("proj_type", 2, "0: projector features only; 1: + cross-channel mixing (CCM); 2: + cross-scale mixing (CSM).")
      .range(0, 2);
  s.integer("cout", 64, "CCM output channels (with expand: cout, 2 cout, 4 cout, 8 cout).").range(1, 4096);
  s.boolean("expand", true, "Expand CCM channels per scale (and halve them in CSM).");
  s.integer("num_discs", 4, "Mini-discriminators, from the finest scale up.").range(1, 4);
  s.component("block", "block", "conv",
              "Block for the down blocks (\"conv\": 4x4 stride-2 SN conv; \"dsc\": the official separable variant).");
  s.component_table("blocks", "block",
                    "Per input size of a down block, e.g. { 128 = \"dsc\" } or { 16 = { type = \"ghost\", "
                    "ratio = 2 } }; overrides `block`.");
  s.boolean("cond", false,
            "Condition on the dataset's classes as the official SingleDiscCond (--cond=True): projection of the "
            "class embedding (128 wide, Linear + LeakyReLU to a 64-channel cmap) onto the last features.");
  s.integer("class_embeddings", 1000,
            "Rows of each mini-discriminator's class embedding (cond): the official code always makes 1000 "
            "(SingleDiscCond's c_dim, which MultiScaleD never sets); at least the dataset's class count.")
      .range(1, 1000000);
  registry.add<ganrig::Discriminator>(
      "projected",
      "Projected GAN discriminator (Sauer et al. 2021): [augment] -> resize to 224 below 224 -> frozen [projector] -> "
      "CCM -> CSM -> 4 multi-scale mini-discriminators (SN conv 4x4 s2, BN, LeakyReLU down to 8x8, SN conv 4x4).",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<ProjectedDiscriminator>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("projected", "1.0.0", register_projected)
