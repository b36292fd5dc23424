// Metric detector `inception`: the TorchScript Inception-v3 that StyleGAN2-ADA / StyleGAN3 and
// Projected GAN compute FID with (NVIDIA's translation of TF's inception-2015-12-05), loaded from
// a file the user provides. With it, fid50k and friends are comparable with the papers' numbers.
// The file is not reachable from here (no registry ships it); README.md says how to make it.
// Called as the official code calls it: detector(images, return_features=True) on float images
// in [0, 255], any size (the module resizes to 299 itself).
#include <torch/script.h>

#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/detector.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/sha256.hpp"
#include "ganrig/weight_file.hpp"

namespace {

namespace fs = std::filesystem;
using ganrig::ConfigView;

constexpr const char* kDefaultFile = "weights/inception-2015-12-05.pt";

class TorchScriptInception : public ganrig::Detector {
 public:
  explicit TorchScriptInception(const ConfigView& cfg) {
    const std::string given = cfg.string("file");
    file_ = given.empty() ? ganrig::cache_dir() / kDefaultFile : fs::path(given);
    if (!fs::exists(file_))
      throw ganrig::ConfigError(fmt::format(
          "{}detector 'inception' needs the TorchScript Inception file {} (StyleGAN3's inception-2015-12-05.pkl "
          "saved as TorchScript; see plugins/inception_torchscript/README.md). Offline, use the stand-in metrics "
          "*_incv3nsfw instead, e.g. fid5k_incv3nsfw",
          cfg.origin("file").kind == ganrig::Origin::Kind::Default ? "" : cfg.origin("file").location() + ": ",
          file_.string()));
    try {
      module_ = torch::jit::load(file_.string());
    } catch (const c10::Error& e) {
      throw ganrig::ConfigError(fmt::format("{}: not a loadable TorchScript module: {}", file_.string(),
                                            e.what_without_backtrace()));
    }
    module_.eval();
    sha256_ = ganrig::sha256_file(file_);
  }
  torch::Tensor features(const torch::Tensor& images_uint8) override {
    torch::NoGradGuard no_grad;
    torch::Tensor x = images_uint8.to(device_).to(torch::kFloat32);
    if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
    const torch::Tensor out = module_.forward({x}, {{"return_features", true}}).toTensor();
    if (out.dim() != 2 || out.size(1) != 2048)
      throw ganrig::Error(fmt::format("{}: expected [N, 2048] features, got {}", file_.string(), fmt::join(out.sizes(), "x")));
    return out.to(torch::kCPU, torch::kFloat32);
  }
  std::int64_t feature_dim() const override { return 2048; }
  std::string weights_sha256() const override { return sha256_; }
  std::string preprocessing() const override {
    return "uint8 images as float [0, 255]; the TorchScript module resizes to 299 itself (" + file_.filename().string() + ")";
  }
  void to(const torch::Device& device) override {
    device_ = device;
    module_.to(device);
  }

 private:
  fs::path file_;
  torch::jit::Module module_;
  std::string sha256_;
  torch::Device device_{torch::kCPU};
};

void register_inception_torchscript(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.string("file", "", "TorchScript Inception file; empty: <cache>/" + std::string(kDefaultFile) + ".");
  registry.add<ganrig::Detector>(
      "inception",
      "The FID Inception-v3 (TF inception-2015-12-05 as TorchScript, from the user): 2048-d pool features, "
      "comparable with published FIDs.",
      s, [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<TorchScriptInception>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("inception_torchscript", "1.0.0", register_inception_torchscript)
