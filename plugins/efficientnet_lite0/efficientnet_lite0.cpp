// Projector `efficientnet_lite0`: the trunk of timm's tf_efficientnet_lite0 as Projected GAN uses
// it (pg_modules/projector.py): stem 3x3 s2 -> 32, BatchNorm eps 1e-3, ReLU6, TensorFlow 'same'
// padding (asymmetric for stride 2), no squeeze-excitation, blocks
// ds(k3,s1,c16) | ir(k3,s2,e6,c24)x2 | ir(k5,s2,e6,c40)x2 | ir(k3,s2,e6,c80)x3 | ir(k5,s1,e6,c112)x3 |
// ir(k5,s2,e6,c192)x4 | ir(k3,s1,e6,c320)x1, tapped at 24@/4, 40@/8, 112@/16, 320@/32.
// Weights: a ganrig weight file with timm's state-dict names and PyTorch layouts, exported by
// tools/export_efficientnet_lite0.py from timm 0.5.4 (no package here ships them).
#include <filesystem>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/frozen_conv_bn.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/reference_kernels.hpp"
#include "ganrig/weight_file.hpp"

namespace {

using ganrig::ConfigView;
namespace fs = std::filesystem;

constexpr const char* kWeightsFile = "weights/tf_efficientnet_lite0-timm-0.5.4.bin";

// timm's Conv2dSame + BatchNorm(eps 1e-3) [+ ReLU6], frozen (BN folded into the convolution),
// loaded by timm's state-dict names.
class ConvBNImpl : public ganrig::FrozenConvBNImpl {
 public:
  ConvBNImpl(std::string name, std::string bn, std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride,
             bool depthwise, bool act)
      : FrozenConvBNImpl(ganrig::FrozenConvBNOptions(in, out, k)
                             .stride(stride)
                             .depthwise(depthwise)
                             .relu6(act)
                             .eps(1e-3)
                             .tf_same_padding(true)),
        name_(std::move(name)),
        bn_(std::move(bn)) {}
  void load(const ganrig::WeightFile& f) {
    torch::NoGradGuard no_grad;
    weight.copy_(f.get(name_ + ".weight", weight.sizes().vec()));
    gamma.copy_(f.get(bn_ + ".weight", gamma.sizes().vec()));
    beta.copy_(f.get(bn_ + ".bias", beta.sizes().vec()));
    mean.copy_(f.get(bn_ + ".running_mean", mean.sizes().vec()));
    var.copy_(f.get(bn_ + ".running_var", var.sizes().vec()));
  }
  // {ganrig name under `prefix`, timm name} of each tensor; {"", bn.num_batches_tracked} last.
  void add_timm_names(const std::string& prefix, std::vector<std::pair<std::string, std::string>>& names) const {
    names.emplace_back(prefix + ".weight", name_ + ".weight");
    names.emplace_back(prefix + ".gamma", bn_ + ".weight");
    names.emplace_back(prefix + ".beta", bn_ + ".bias");
    names.emplace_back(prefix + ".running_mean", bn_ + ".running_mean");
    names.emplace_back(prefix + ".running_var", bn_ + ".running_var");
    names.emplace_back("", bn_ + ".num_batches_tracked");
  }

 private:
  std::string name_, bn_;
};
TORCH_MODULE(ConvBN);

// timm's DepthwiseSeparableConv (stage 0) and InvertedResidual (later stages), without SE.
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const std::string& p, std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride,
            std::int64_t expansion)
      : skip_(stride == 1 && in == out) {
    if (expansion == 1) {  // depthwise-separable: conv_dw, bn1, act, conv_pw, bn2
      layers_.push_back(register_module("conv_dw", ConvBN(p + ".conv_dw", p + ".bn1", in, in, k, stride, true, true)));
      layers_.push_back(register_module("conv_pw", ConvBN(p + ".conv_pw", p + ".bn2", in, out, 1, 1, false, false)));
    } else {  // inverted residual: conv_pw, bn1, act, conv_dw, bn2, act, conv_pwl, bn3
      const std::int64_t mid = in * expansion;
      layers_.push_back(register_module("conv_pw", ConvBN(p + ".conv_pw", p + ".bn1", in, mid, 1, 1, false, true)));
      layers_.push_back(register_module("conv_dw", ConvBN(p + ".conv_dw", p + ".bn2", mid, mid, k, stride, true, true)));
      layers_.push_back(register_module("conv_pwl", ConvBN(p + ".conv_pwl", p + ".bn3", mid, out, 1, 1, false, false)));
    }
  }
  torch::Tensor forward(const torch::Tensor& input) {
    torch::Tensor x = input;
    for (auto& l : layers_) x = l->forward(x);
    return skip_ ? x.add_(input) : x;  // in place: nothing saved the block's output for backward
  }
  void load(const ganrig::WeightFile& f) {
    for (auto& l : layers_) l->load(f);
  }
  void add_timm_names(const std::string& prefix, std::vector<std::pair<std::string, std::string>>& names) const {
    for (const auto& item : named_children()) {
      const auto* layer = item.value()->as<ConvBNImpl>();
      if (layer) layer->add_timm_names(prefix + "." + item.key(), names);
    }
  }

 private:
  bool skip_;
  std::vector<ConvBN> layers_;
};
TORCH_MODULE(Block);

class EfficientNetLite0 : public ganrig::Projector {
 public:
  EfficientNetLite0(const ConfigView& cfg, ganrig::BuildContext& ctx) {
    stem_ = register_module("conv_stem", ConvBN("conv_stem", "bn1", 3, 32, 3, 2, false, true));
    // (kernel, stride, expansion, out channels, repeats)
    const std::vector<std::array<std::int64_t, 5>> stages = {{3, 1, 1, 16, 1}, {3, 2, 6, 24, 2},  {5, 2, 6, 40, 2},
                                                             {3, 2, 6, 80, 3}, {5, 1, 6, 112, 3}, {5, 2, 6, 192, 4},
                                                             {3, 1, 6, 320, 1}};
    std::int64_t in = 32;
    for (std::size_t s = 0; s < stages.size(); ++s) {
      const auto [k, stride, e, c, n] = stages[s];
      for (std::int64_t i = 0; i < n; ++i) {
        blocks_.push_back(register_module(fmt::format("blocks_{}_{}", s, i),
                                          Block(fmt::format("blocks.{}.{}", s, i), in, c, k, i == 0 ? stride : 1, e)));
        stage_of_.push_back(static_cast<int>(s));
        in = c;
      }
    }
    weights_id_ = ganrig::load_frozen_weights(
        *this, cfg, kWeightsFile,
        "no package available here ships tf_efficientnet_lite0's weights: export them where timm 0.5.4 is installed "
        "with tools/export_efficientnet_lite0.py and copy the file there",
        [&](const ganrig::WeightFile& weights) {
          stem_->load(weights);
          for (auto& b : blocks_) b->load(weights);
        });
    if (ganrig::reference_kernels(ctx.config()))
      for (auto& module : modules(/*include_self=*/false))
        if (auto* layer = dynamic_cast<ganrig::FrozenConvBNImpl*>(module.get())) layer->set_fused(false);
  }

  std::vector<torch::Tensor> forward(const torch::Tensor& images) override {
    // Taps after stages 1 (24@/4), 2 (40@/8), 4 (112@/16) and 6 (320@/32): Projected GAN's
    // layer0 = stem + blocks[0:2], layer1 = blocks[2], layer2 = blocks[3:5], layer3 = blocks[5:7].
    std::vector<torch::Tensor> taps;
    torch::Tensor x = stem_->forward(images);
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      x = blocks_[i]->forward(x);
      const bool last_of_stage = i + 1 == blocks_.size() || stage_of_[i + 1] != stage_of_[i];
      const int s = stage_of_[i];
      if (last_of_stage && (s == 1 || s == 2 || s == 4 || s == 6)) taps.push_back(x);
    }
    return taps;
  }
  std::vector<std::int64_t> channels() const override { return {24, 40, 112, 320}; }

  // "pg": Projected GAN's feature network (projector.py _make_efficientnet) regroups timm's modules
  // as pretrained.layer0 = [conv_stem, bn1, act1, blocks[0], blocks[1]], layer1 = [blocks[2]],
  // layer2 = [blocks[3], blocks[4]], layer3 = [blocks[5], blocks[6]] (nn.Sequential indices).
  std::vector<std::pair<std::string, std::string>> names_as(const std::string& format) const override {
    if (format != "pg") return {};
    std::vector<std::pair<std::string, std::string>> names;
    stem_->add_timm_names("conv_stem", names);
    for (std::size_t i = 0; i < blocks_.size(); ++i)
      blocks_[i]->add_timm_names(fmt::format("blocks_{}_{}", stage_of_[i], i - first_of_stage(stage_of_[i])), names);
    for (auto& [ganrig_name, timm_name] : names) timm_name = "pretrained." + pg_layer_name(timm_name);
    return names;
  }

  std::string weights_id() const override { return weights_id_; }

 private:
  // The index of the first block of stage `s` in blocks_.
  std::size_t first_of_stage(int s) const {
    std::size_t i = 0;
    while (stage_of_[i] != s) ++i;
    return i;
  }
  // timm name -> name inside Projected GAN's `pretrained` (see names_as).
  static std::string pg_layer_name(const std::string& timm_name) {
    if (timm_name.rfind("conv_stem.", 0) == 0) return "layer0.0." + timm_name.substr(10);
    if (timm_name.rfind("bn1.", 0) == 0) return "layer0.1." + timm_name.substr(4);
    const std::size_t dot = timm_name.find('.', 7);  // blocks.S.rest
    const int stage = std::stoi(timm_name.substr(7, dot - 7));
    static const std::array<std::pair<int, int>, 7> where = {{{0, 3}, {0, 4}, {1, 0}, {2, 0}, {2, 1}, {3, 0}, {3, 1}}};
    return fmt::format("layer{}.{}.{}", where[stage].first, where[stage].second, timm_name.substr(dot + 1));
  }

  ConvBN stem_{nullptr};
  std::vector<Block> blocks_;
  std::vector<int> stage_of_;
  std::string weights_id_;
};

void register_efficientnet_lite0(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("weights", "", "Weight file exported from timm (tools/export_efficientnet_lite0.py); empty: <cache>/" +
                              std::string(kWeightsFile) + ".");
  s.boolean("allow_random", false,
            "Run with random weights when the file is missing (not Projected GAN any more; recorded in the run).");
  registry.add<ganrig::Projector>(
      "efficientnet_lite0",
      "Frozen tf_efficientnet_lite0 trunk (Projected GAN's feature network) with taps 24@/4, 40@/8, 112@/16, 320@/32.",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<EfficientNetLite0>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("efficientnet_lite0", "1.0.0", register_efficientnet_lite0)
