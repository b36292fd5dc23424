// Projector `mobilenet_v2`: Keras MobileNetV2 (alpha 1.0) with the ImageNet weights shipped in the
// npm package nsfwjs@4.3.0 (blocks 0-10 are the untouched ImageNet weights; later blocks were
// fine-tuned by nsfwjs), converted once by tools/fetch-weights.sh. Keras semantics: BatchNorm eps
// 1e-3, ReLU6, `same` 3x3 convolutions, and ZeroPadding2D((0,1),(0,1)) + `valid` before every
// stride-2 convolution. Taps 24@/4 (block_2_add), 32@/8 (block_5_add), 96@/16 (block_12_add, or
// block_10_project_BN for pure ImageNet features), 320@/32 (block_16_project_BN).
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

constexpr const char* kWeightsFile = "weights/mobilenet_v2-nsfwjs-4.3.0.bin";

// Convolution (no bias) + inference BatchNorm (eps 1e-3) + optional ReLU6, frozen (BN folded into
// the convolution), loaded by Keras layer names. Stride 2: Keras ZeroPadding2D((0, 1), (0, 1)) then
// `valid`; stride 1: `same`.
class ConvBNImpl : public ganrig::FrozenConvBNImpl {
 public:
  ConvBNImpl(std::string conv_name, std::string bn_name, std::int64_t in, std::int64_t out, std::int64_t kernel,
             std::int64_t stride, bool depthwise, bool relu6)
      : FrozenConvBNImpl(ganrig::FrozenConvBNOptions(in, out, kernel)
                             .stride(stride)
                             .depthwise(depthwise)
                             .relu6(relu6)
                             .eps(1e-3)
                             .padding(stride == 2 ? std::array<std::int64_t, 4>{{0, 1, 0, 1}}
                                                  : std::array<std::int64_t, 4>{{kernel / 2, kernel / 2, kernel / 2, kernel / 2}})
                             .mean_name("moving_mean")
                             .var_name("moving_variance")),
        conv_name_(std::move(conv_name)),
        bn_name_(std::move(bn_name)),
        depthwise_(depthwise) {}
  void load(const ganrig::WeightFile& file) {
    torch::NoGradGuard no_grad;
    const auto& s = weight.sizes();
    if (depthwise_)  // Keras depthwise [kh, kw, C, 1] -> [C, 1, kh, kw]
      weight.copy_(file.get(conv_name_ + "/depthwise_kernel", {s[2], s[3], s[0], 1}).permute({2, 3, 0, 1}));
    else  // Keras [kh, kw, in, out] -> [out, in, kh, kw]
      weight.copy_(file.get(conv_name_ + "/kernel", {s[2], s[3], s[1], s[0]}).permute({3, 2, 0, 1}));
    gamma.copy_(file.get(bn_name_ + "/gamma", {s[0]}));
    beta.copy_(file.get(bn_name_ + "/beta", {s[0]}));
    mean.copy_(file.get(bn_name_ + "/moving_mean", {s[0]}));
    var.copy_(file.get(bn_name_ + "/moving_variance", {s[0]}));
  }

 private:
  std::string conv_name_, bn_name_;
  bool depthwise_;
};
TORCH_MODULE(ConvBN);

// Inverted residual: expand 1x1 (not in block 0), depthwise 3x3, project 1x1; residual add when
// stride 1 and in == out.
class InvertedResidualImpl : public torch::nn::Module {
 public:
  InvertedResidualImpl(int index, std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t expansion)
      : residual_(stride == 1 && in == out) {
    const std::string prefix = index == 0 ? "expanded_conv_" : fmt::format("block_{}_", index);
    const std::int64_t hidden = in * expansion;
    if (expansion != 1)
      expand_ = register_module("expand", ConvBN(prefix + "expand", prefix + "expand_BN", in, hidden, 1, 1, false, true));
    depthwise_ = register_module("depthwise", ConvBN(prefix + "depthwise", prefix + "depthwise_BN", hidden, hidden, 3,
                                                     stride, true, true));
    project_ = register_module("project", ConvBN(prefix + "project", prefix + "project_BN", hidden, out, 1, 1, false, false));
  }
  torch::Tensor forward(const torch::Tensor& input) {
    torch::Tensor x = expand_ ? expand_->forward(input) : input;
    x = project_->forward(depthwise_->forward(x));
    return residual_ ? x.add_(input) : x;  // in place: nothing saved the block's output for backward
  }
  void load(const ganrig::WeightFile& file) {
    if (expand_) expand_->load(file);
    depthwise_->load(file);
    project_->load(file);
  }

 private:
  bool residual_;
  ConvBN expand_{nullptr}, depthwise_{nullptr}, project_{nullptr};
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2 : public ganrig::Projector {
 public:
  MobileNetV2(const ConfigView& cfg, ganrig::BuildContext& ctx) : pure_imagenet_(cfg.string("tap16") == "block_10_project_BN") {
    stem_ = register_module("Conv1", ConvBN("Conv1", "bn_Conv1", 3, 32, 3, 2, false, true));
    // (expansion, out channels, repeats, first stride) as in Keras MobileNetV2.
    const std::vector<std::array<std::int64_t, 4>> stages = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                                             {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    std::int64_t in = 32;
    int index = 0;
    for (const auto& [t, c, n, s] : stages)
      for (std::int64_t i = 0; i < n; ++i, ++index) {
        blocks_.push_back(register_module(fmt::format("block_{}", index), InvertedResidual(index, in, c, i == 0 ? s : 1, t)));
        in = c;
      }

    weights_id_ = ganrig::load_frozen_weights(
        *this, cfg, kWeightsFile, "create it with: tools/fetch-weights.sh (npm nsfwjs@4.3.0, converted into the cache)",
        [&](const ganrig::WeightFile& weights) {
          stem_->load(weights);
          for (auto& b : blocks_) b->load(weights);
        });
    if (ganrig::reference_kernels(ctx.config()))
      for (auto& module : modules(/*include_self=*/false))
        if (auto* layer = dynamic_cast<ganrig::FrozenConvBNImpl*>(module.get())) layer->set_fused(false);
  }

  std::vector<torch::Tensor> forward(const torch::Tensor& images) override {
    std::vector<torch::Tensor> taps;
    torch::Tensor x = stem_->forward(images);
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      x = blocks_[i]->forward(x);
      // block indices: 2 -> block_2_add, 5 -> block_5_add, 10/12 -> /16, 16 -> block_16_project_BN
      if (i == 2 || i == 5 || i == (pure_imagenet_ ? 10u : 12u) || i == 16) taps.push_back(x);
    }
    return taps;
  }
  std::vector<std::int64_t> channels() const override { return {24, 32, 96, 320}; }
  std::string weights_id() const override { return weights_id_; }

 private:
  bool pure_imagenet_;
  ConvBN stem_{nullptr};
  std::vector<InvertedResidual> blocks_;
  std::string weights_id_;
};

void register_mobilenet_v2(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("weights", "", "Converted weight file; empty: <cache>/" + std::string(kWeightsFile) +
                              " made by tools/fetch-weights.sh (cache: $GANRIG_CACHE or ./cache).");
  s.string("tap16", "block_12_add",
           "The /16 tap: block_12_add (as deep as EfficientNet's 112@/16) or block_10_project_BN (pure ImageNet).")
      .one_of({"block_12_add", "block_10_project_BN"});
  s.boolean("allow_random", false, "Run with random weights when the weight file is missing (recorded in the run).");
  registry.add<ganrig::Projector>(
      "mobilenet_v2",
      "Frozen Keras MobileNetV2 (ImageNet weights from npm nsfwjs@4.3.0) with taps 24@/4, 32@/8, 96@/16, 320@/32; "
      "input in [-1, 1] (Keras preprocessing).",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<MobileNetV2>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("mobilenet_v2", "1.0.0", register_mobilenet_v2)
