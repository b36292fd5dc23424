// Metric detectors `incv3nsfw` and `incv3nsfw_m5`: the Keras InceptionV3 shipped in the npm package
// nsfwjs@4.3.0, converted once by tools/fetch-weights.sh. It is the offline stand-in for the FID
// Inception (no package reachable here ships pt_inception-2015-12-05): same architecture and
// 299x299 input, stem..mixed5 are the original Keras ImageNet weights, mixed6..mixed10 were
// fine-tuned by nsfwjs, all uint8-quantised. Its numbers are reported under their own names
// (fid5k_incv3nsfw, ...) and are not comparable with published FIDs.
// Keras semantics: convolutions without bias, BatchNorm with scale=False and eps 1e-3, ReLU,
// `same` padding for stride-1 convolutions, and 3x3 average pools that leave the padding out of
// the count (Keras AveragePooling2D(padding='same')).
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/detector.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/weight_file.hpp"

namespace {

using ganrig::ConfigView;
using torch::Tensor;

constexpr const char* kWeightsFile = "weights/inception_v3-nsfwjs-4.3.0.bin";

// Keras conv2d_bn(): Conv2D(use_bias=False) + BatchNormalization(scale=False) + ReLU.
class ConvBNImpl : public torch::nn::Module {
 public:
  ConvBNImpl(int index, std::int64_t in, std::int64_t out, std::int64_t kh, std::int64_t kw, std::int64_t stride,
             bool same)
      : index_(index), stride_(stride), pad_h_(same ? kh / 2 : 0), pad_w_(same ? kw / 2 : 0) {
    weight = register_buffer("weight", torch::randn({out, in, kh, kw}) * std::sqrt(2.0 / (in * kh * kw)));
    beta = register_buffer("beta", torch::zeros({out}));
    mean = register_buffer("moving_mean", torch::zeros({out}));
    var = register_buffer("moving_variance", torch::ones({out}));
  }
  Tensor forward(const Tensor& x) {
    Tensor y = torch::conv2d(x, weight, {}, stride_, torch::IntArrayRef{pad_h_, pad_w_});
    return torch::relu(torch::batch_norm(y, {}, beta, mean, var, false, 0.0, 1e-3, false));
  }
  void load(const ganrig::WeightFile& file) {
    torch::NoGradGuard no_grad;
    const auto s = weight.sizes().vec();
    // Keras [kh, kw, in, out] -> [out, in, kh, kw]
    weight.copy_(file.get(fmt::format("conv2d_{}/kernel", index_), {s[2], s[3], s[1], s[0]}).permute({3, 2, 0, 1}));
    const std::string bn = fmt::format("batch_normalization_{}/", index_);
    beta.copy_(file.get(bn + "beta", {s[0]}));
    mean.copy_(file.get(bn + "moving_mean", {s[0]}));
    var.copy_(file.get(bn + "moving_variance", {s[0]}));
  }
  Tensor weight, beta, mean, var;

 private:
  int index_;
  std::int64_t stride_, pad_h_, pad_w_;
};
TORCH_MODULE(ConvBN);

Tensor max_pool(const Tensor& x) { return torch::max_pool2d(x, 3, 2); }
Tensor avg_pool_same(const Tensor& x) { return torch::avg_pool2d(x, 3, 1, 1, false, /*count_include_pad=*/false); }

// Keras InceptionV3 (include_top=False part), with the convolutions numbered in the order Keras
// creates them, which is how the weight file names them (conv2d_1 .. conv2d_94).
class InceptionV3Impl : public torch::nn::Module {
 public:
  InceptionV3Impl() {
    stem_ = {c(3, 32, 3, 3, 2, false), c(32, 32, 3, 3, 1, false), c(32, 64, 3, 3), c(64, 80, 1, 1, 1, false),
             c(80, 192, 3, 3, 1, false)};
    for (std::int64_t pool : {32, 64, 64}) {  // mixed0..2: 35x35
      const std::int64_t in = next_in_;
      a_.push_back({c(in, 64, 1, 1), c(in, 48, 1, 1), c(48, 64, 5, 5), c(in, 64, 1, 1), c(64, 96, 3, 3),
                    c(96, 96, 3, 3), c(in, pool, 1, 1)});
      next_in_ = 64 + 64 + 96 + pool;
    }
    b_ = {c(288, 384, 3, 3, 2, false), c(288, 64, 1, 1), c(64, 96, 3, 3), c(96, 96, 3, 3, 2, false)};  // mixed3
    for (std::int64_t m : {128, 160, 160, 192}) {  // mixed4..7: 17x17
      c_.push_back({c(768, 192, 1, 1), c(768, m, 1, 1), c(m, m, 1, 7), c(m, 192, 7, 1), c(768, m, 1, 1),
                    c(m, m, 7, 1), c(m, m, 1, 7), c(m, m, 7, 1), c(m, 192, 1, 7), c(768, 192, 1, 1)});
    }
    d_ = {c(768, 192, 1, 1), c(192, 320, 3, 3, 2, false), c(768, 192, 1, 1), c(192, 192, 1, 7), c(192, 192, 7, 1),
          c(192, 192, 3, 3, 2, false)};  // mixed8
    for (std::int64_t in : {1280, 2048}) {  // mixed9, mixed10: 8x8
      e_.push_back({c(in, 320, 1, 1), c(in, 384, 1, 1), c(384, 384, 1, 3), c(384, 384, 3, 1), c(in, 448, 1, 1),
                    c(448, 384, 3, 3), c(384, 384, 1, 3), c(384, 384, 3, 1), c(in, 192, 1, 1)});
    }
  }
  void load(const ganrig::WeightFile& file) {
    for (auto& conv : all_) conv->load(file);
  }
  // Global-average-pooled mixed5 (768) and mixed10 (2048) features. `stop_after_mixed5` skips the rest.
  std::pair<Tensor, Tensor> forward(Tensor x, bool stop_after_mixed5) {
    x = stem_[0](x);
    x = stem_[1](x);
    x = max_pool(stem_[2](x));
    x = max_pool(stem_[4](stem_[3](x)));
    for (auto& m : a_)
      x = torch::cat({m[0](x), m[2](m[1](x)), m[5](m[4](m[3](x))), m[6](avg_pool_same(x))}, 1);
    x = torch::cat({b_[0](x), b_[3](b_[2](b_[1](x))), max_pool(x)}, 1);
    Tensor mixed5;
    for (std::size_t i = 0; i < c_.size(); ++i) {
      auto& m = c_[i];
      x = torch::cat({m[0](x), m[3](m[2](m[1](x))), m[8](m[7](m[6](m[5](m[4](x))))), m[9](avg_pool_same(x))}, 1);
      if (i == 1) {
        mixed5 = x.mean({2, 3});
        if (stop_after_mixed5) return {mixed5, Tensor()};
      }
    }
    x = torch::cat({d_[1](d_[0](x)), d_[5](d_[4](d_[3](d_[2](x)))), max_pool(x)}, 1);
    for (auto& m : e_) {
      const Tensor b3 = m[1](x);
      const Tensor b3dbl = m[5](m[4](x));
      x = torch::cat({m[0](x), m[2](b3), m[3](b3), m[6](b3dbl), m[7](b3dbl), m[8](avg_pool_same(x))}, 1);
    }
    return {mixed5, x.mean({2, 3})};
  }

 private:
  ConvBN c(std::int64_t in, std::int64_t out, std::int64_t kh, std::int64_t kw, std::int64_t stride = 1,
           bool same = true) {
    const int index = static_cast<int>(all_.size()) + 1;
    all_.push_back(register_module(fmt::format("conv2d_{}", index), ConvBN(index, in, out, kh, kw, stride, same)));
    return all_.back();
  }
  std::vector<ConvBN> all_, stem_, b_, d_;
  std::vector<std::vector<ConvBN>> a_, c_, e_;
  std::int64_t next_in_ = 192;
};
TORCH_MODULE(InceptionV3);

class InceptionDetector : public ganrig::Detector {
 public:
  InceptionDetector(const ConfigView& cfg, bool mixed5) : mixed5_(mixed5) {
    const auto weights = ganrig::load_component_weights(
        cfg, kWeightsFile, "create it with: tools/fetch-weights.sh (npm nsfwjs@4.3.0, converted into the cache)");
    if (weights) net_->load(*weights);
    sha256_ = weights ? weights->sha256 : "random";
    net_->eval();
  }
  Tensor features(const Tensor& images_uint8) override {
    torch::NoGradGuard no_grad;
    Tensor x = images_uint8.to(device_).to(torch::kFloat32);
    if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
    if (x.size(2) != 299 || x.size(3) != 299)
      x = torch::upsample_bilinear2d(x, {299, 299}, /*align_corners=*/false);
    // mixed10 is read as nsfwjs trained it (x / 255); mixed5, the untouched ImageNet part, with
    // Keras' ImageNet preprocessing (x / 127.5 - 1).
    x = mixed5_ ? x / 127.5 - 1.0 : x / 255.0;
    auto [m5, m10] = net_->forward(x, mixed5_);
    return (mixed5_ ? m5 : m10).to(torch::kCPU, torch::kFloat32);
  }
  std::int64_t feature_dim() const override { return mixed5_ ? 768 : 2048; }
  std::string weights_sha256() const override { return sha256_; }
  std::string preprocessing() const override {
    return mixed5_ ? "bilinear resize to 299x299 (align_corners=false, no antialias), x/127.5-1, mean-pooled mixed5"
                   : "bilinear resize to 299x299 (align_corners=false, no antialias), x/255, mean-pooled mixed10";
  }
  void to(const torch::Device& device) override {
    device_ = device;
    net_->to(device);
  }

 private:
  bool mixed5_;
  InceptionV3 net_;
  std::string sha256_;
  torch::Device device_{torch::kCPU};
};

void register_inception_v3_nsfwjs(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("weights", "", "Converted weight file; empty: <cache>/" + std::string(kWeightsFile) +
                              " made by tools/fetch-weights.sh (cache: $GANRIG_CACHE or ./cache).");
  s.boolean("allow_random", false, "Build with random weights when the file is missing (tests only; recorded).");
  registry.add<ganrig::Detector>(
      "incv3nsfw",
      "Keras InceptionV3 from npm nsfwjs@4.3.0 (mixed6+ fine-tuned by nsfwjs): 2048-d mean-pooled mixed10, "
      "input x/255 at 299x299. The offline FID stand-in; not comparable with published FIDs.",
      s, [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<InceptionDetector>(cfg, false); });
  registry.add<ganrig::Detector>(
      "incv3nsfw_m5",
      "The same network's 768-d mean-pooled mixed5 (the untouched ImageNet part), input x/127.5-1 at 299x299.", s,
      [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<InceptionDetector>(cfg, true); });
}

}  // namespace

GANRIG_PLUGIN("inception_v3_nsfwjs", "1.0.0", register_inception_v3_nsfwjs)
