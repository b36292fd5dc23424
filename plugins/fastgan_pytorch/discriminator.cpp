// FastGAN's discriminator (Liu et al., "Towards Faster and Stabilized GAN Training for High-fidelity
// Few-shot Image Synthesis", ICLR 2021; FastGAN-pytorch's models.py `Discriminator`): two branches,
// the full image through DownBlockComp blocks with skip-layer excitation and the half-size image
// through plain down blocks, each ending in a logit map; three self-supervised decoders reconstruct
// the real image from the big branch's 8x8 features, the small branch's input from its 8x8
// features, and a random quarter of the image from the matching quarter of the 16x16 features.
// At 256, 512 and 1024 the layers are the official ones; below 256 the official 256 network loses
// its leading down blocks (see README.md).
#include <cmath>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/conv2d_layer.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/reconstructing.hpp"
#include "fastgan_d_layers.hpp"

namespace {

using ganrig::ConfigView;
using ganrig::Conv2dLayer;
using namespace ganrig_fastgan_pytorch;

// The official channel widths: int(multiplier * ndf) per virtual resolution.
std::map<std::int64_t, std::int64_t> widths(std::int64_t ndf) {
  const std::map<std::int64_t, double> multiplier = {{4, 16},  {8, 16},   {16, 8},    {32, 4},     {64, 2},
                                                     {128, 1}, {256, 0.5}, {512, 0.25}, {1024, 0.125}};
  std::map<std::int64_t, std::int64_t> nfc;
  for (const auto& [r, m] : multiplier) nfc[r] = static_cast<std::int64_t>(m * static_cast<double>(ndf));
  return nfc;
}

// The official names of the big branch's features by spatial size (with a 256 input): feat_2 is
// 256x256, feat_4 128x128, ..., feat_64 ("feat_last") 8x8; down_N makes feat_N.
std::int64_t official_index(std::int64_t spatial) { return 512 / spatial; }

class FastganDiscriminator : public ganrig::Discriminator, public ganrig::ReconstructingDiscriminator {
 public:
  FastganDiscriminator(const ConfigView& cfg, ganrig::BuildContext& ctx) : resolution_(ctx.image().resolution) {
    const auto k = std::lround(std::log2(static_cast<double>(resolution_)));
    if (resolution_ < 64 || resolution_ > 1024 || (std::int64_t{1} << k) != resolution_)
      throw ganrig::ConfigError(fmt::format("{}: the fastgan discriminator needs a dataset resolution 2^k from 64 to "
                                            "1024, got {}", cfg.origin("type").location(), resolution_));
    nfc_ = widths(cfg.integer("ndf"));
    const std::int64_t nc = ctx.image().channels;
    small_ = std::min<std::int64_t>(128, resolution_ / 2);
    build_big_branch(nc);
    build_small_branch(nc);
    decoder_big_ = register_module("decoder_big", SimpleDecoder(nfc_[16], nc, small_));
    decoder_part_ = register_module("decoder_part", SimpleDecoder(nfc_[32], nc, small_));
    decoder_small_ = register_module("decoder_small", SimpleDecoder(nfc_[32], nc, small_));
    if (ctx.has("augment")) augment_ = register_module("augment", ctx.build<ganrig::Augment>("augment"));
    init_fastgan_weights(*this);
  }

  torch::Tensor forward(const torch::Tensor& images, const ganrig::Condition& = {}) override {
    return judge(augmented(images)).logits;
  }

  ganrig::JudgedReals judge_and_reconstruct(const torch::Tensor& reals, const ganrig::Condition& = {}) override {
    const torch::Tensor x = augmented(reals);
    const Features f = judge(x);
    namespace F = torch::nn::functional;
    const auto to_small = [&](const torch::Tensor& t) {
      return F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{small_, small_}).mode(torch::kNearest));
    };
    // One quarter for the whole batch, as the official train_d's random.randint(0, 3).
    const std::int64_t part = torch::randint(0, 4, {1}, torch::kLong).item<std::int64_t>();
    const std::int64_t half = f.feat_16.size(2) / 2, image_half = x.size(2) / 2;
    const std::int64_t row = part / 2, col = part % 2;  // 0: top left, 1: top right, 2: bottom left, 3: bottom right
    const torch::Tensor quarter = f.feat_16.narrow(2, row * half, half).narrow(3, col * half, half);
    const torch::Tensor image_quarter = x.narrow(2, row * image_half, image_half).narrow(3, col * image_half, image_half);
    ganrig::JudgedReals out;
    out.logits = f.logits;
    // The whole image at the decoders' size is the small branch's input (the same nearest resize).
    out.reconstructions.push_back({"big", decoder_big_->forward(f.last), f.small_input});
    out.reconstructions.push_back({"small", decoder_small_->forward(f.small), f.small_input});
    out.reconstructions.push_back({"part", decoder_part_->forward(quarter), to_small(image_quarter)});
    return out;
  }

 private:
  struct Features {
    torch::Tensor logits, last, small, small_input, feat_16;  // feat_16: the 16x16 features (official feat_32)
  };

  void build_big_branch(std::int64_t nc) {
    if (resolution_ == 1024) {
      entry_.push_back(register_module("down_from_big_0", conv(nc, nfc_[1024], 4, 2, 1)));
      entry_.push_back(register_module("down_from_big_2", conv(nfc_[1024], nfc_[512], 4, 2, 1)));
      entry_bn_ = register_module("down_from_big_3", torch::nn::BatchNorm2d(nfc_[512]));
    } else if (resolution_ == 512) {
      entry_.push_back(register_module("down_from_big_0", conv(nc, nfc_[512], 4, 2, 1)));
    } else {  // the official 256 entry, at the dataset's size below 256
      entry_.push_back(register_module("down_from_big_0", conv(nc, nfc_[2 * entry_size_()], 3, 1, 1)));
    }
    for (std::int64_t s = entry_size_() / 2; s >= 8; s /= 2)
      down_.push_back(register_module(fmt::format("down_{}", official_index(s)), DownBlockComp(nfc_[4 * s], nfc_[2 * s])));
    // Skip-layer excitation from the feature at spatial size s to the one at s / 8 (se_2_16, se_4_32, se_8_64).
    for (std::int64_t s = entry_size_(); s >= 64; s /= 2)
      se_.emplace(s / 8, register_module(fmt::format("se_{}_{}", official_index(s), official_index(s / 8)),
                                         SEBlock(nfc_[2 * s], nfc_[s / 4])));
    rf_big_conv_ = register_module("rf_big_0", conv(nfc_[16], nfc_[8], 1, 1, 0));
    rf_big_bn_ = register_module("rf_big_1", torch::nn::BatchNorm2d(nfc_[8]));
    rf_big_out_ = register_module("rf_big_3", conv(nfc_[8], 1, 4, 1, 0));
  }

  void build_small_branch(std::int64_t nc) {
    small_entry_ = register_module("down_from_small_0", conv(nc, nfc_[2 * small_], 4, 2, 1));
    for (std::int64_t s = small_ / 4; s >= 8; s /= 2)
      small_down_.push_back(register_module(fmt::format("down_from_small_{}", small_down_.size() + 2), DownBlock(nfc_[8 * s], nfc_[4 * s])));
    rf_small_ = register_module("rf_small", conv(nfc_[32], 1, 4, 1, 0));
  }

  // Spatial size of the big branch's first feature (official: 256 whatever the input).
  std::int64_t entry_size_() const { return resolution_ > 256 ? 256 : resolution_; }

  torch::Tensor augmented(const torch::Tensor& images) { return augment_ ? augment_->forward(images) : images; }

  Features judge(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    Features f;
    torch::Tensor h = x;
    for (std::size_t i = 0; i < entry_.size(); ++i) {
      h = entry_[i]->forward(h);
      if (i + 1 == entry_.size() && entry_bn_) h = entry_bn_->forward(h);
      h = leaky(h);
    }
    std::map<std::int64_t, torch::Tensor> by_size = {{h.size(2), h}};
    for (auto& down : down_) {
      h = down->forward(h);
      const std::int64_t s = h.size(2);
      if (auto se = se_.find(s); se != se_.end()) h = se->second->forward(by_size.at(s * 8), h);
      by_size[s] = h;
    }
    f.last = h;
    f.feat_16 = by_size.at(16);
    const torch::Tensor big_logits = rf_big_out_->forward(leaky(rf_big_bn_->forward(rf_big_conv_->forward(h))));
    f.small_input = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{small_, small_}).mode(torch::kNearest));
    torch::Tensor s = leaky(small_entry_->forward(f.small_input));
    for (auto& down : small_down_) s = down->forward(s);
    f.small = s;
    // The official torch.cat([rf_0.view(-1), rf_1.view(-1)]), kept per image: [B, 2 * 5 * 5].
    f.logits = torch::cat({big_logits.flatten(1), rf_small_->forward(s).flatten(1)}, 1);
    return f;
  }

  std::int64_t resolution_, small_ = 0;  // small_: the small branch's input size (official: 128)
  std::map<std::int64_t, std::int64_t> nfc_;
  std::vector<Conv2dLayer> entry_;
  torch::nn::BatchNorm2d entry_bn_{nullptr}, rf_big_bn_{nullptr};
  std::vector<DownBlockComp> down_;
  std::map<std::int64_t, SEBlock> se_;
  Conv2dLayer rf_big_conv_{nullptr}, rf_big_out_{nullptr}, small_entry_{nullptr}, rf_small_{nullptr};
  std::vector<DownBlock> small_down_;
  SimpleDecoder decoder_big_{nullptr}, decoder_part_{nullptr}, decoder_small_{nullptr};
  std::shared_ptr<ganrig::Augment> augment_;
};

}  // namespace

namespace ganrig_fastgan_pytorch {

void register_discriminator(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.integer("ndf", 64, "Channel base: int(multiplier[r] * ndf) with the official multipliers "
                       "{4: 16, 8: 16, 16: 8, 32: 4, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}.")
      .range(8, 4096);
  registry.add<ganrig::Discriminator>(
      "fastgan",
      "FastGAN's discriminator (FastGAN-pytorch): [augment], a big branch of DownBlockComp blocks with skip-layer "
      "excitation and a small branch on the half-size image, each to a 5x5 logit map, and three decoders that "
      "reconstruct the reals (train them with loss \"fastgan\").",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<FastganDiscriminator>(cfg, ctx); });
}

}  // namespace ganrig_fastgan_pytorch
