#include "perceptual.hpp"

#include <torch/script.h>

#include <fmt/format.h>

#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig_fastgan_pytorch {

namespace {

class L1Distance : public PerceptualDistance {
 public:
  torch::Tensor per_image(const torch::Tensor& a, const torch::Tensor& b) override {
    return (a - b).abs().flatten(1).mean(1);
  }
};

class ProjectorDistance : public PerceptualDistance {
 public:
  explicit ProjectorDistance(std::shared_ptr<ganrig::Projector> projector) : projector_(std::move(projector)) {}
  torch::Tensor per_image(const torch::Tensor& a, const torch::Tensor& b) override {
    // One pass over both (the projector is frozen and in eval mode: an image's features do not
    // depend on the batch).
    const auto features = projector_->forward(torch::cat({a, b}, 0));
    torch::Tensor total;
    for (const auto& f : features) {
      const auto halves = f.to(torch::kFloat32).chunk(2, 0);
      const torch::Tensor d = (unit(halves[0]) - unit(halves[1])).square().sum(1).mean({1, 2});
      total = total.defined() ? total + d : d;
    }
    return total;
  }
  std::shared_ptr<torch::nn::Module> module() override { return projector_; }

 private:
  // LPIPS's normalize_tensor: x / (||x||_channels + 1e-10).
  static torch::Tensor unit(const torch::Tensor& x) { return x / (x.square().sum(1, true).sqrt() + 1e-10); }
  std::shared_ptr<ganrig::Projector> projector_;
};

class TorchScriptDistance : public PerceptualDistance {
 public:
  explicit TorchScriptDistance(const fs::path& file) : file_(file) {
    module_ = torch::jit::load(file.string());
    module_.eval();
    for (auto p : module_.parameters()) p.requires_grad_(false);
  }
  torch::Tensor per_image(const torch::Tensor& a, const torch::Tensor& b) override {
    const torch::Tensor d = module_.forward({a, b}).toTensor();
    if (d.numel() != a.size(0))
      throw ganrig::Error(fmt::format("{}: expected one distance per image ({}), got shape [{}]", file_.string(), a.size(0),
                                      fmt::join(d.sizes(), ", ")));
    return d.reshape({a.size(0)});
  }

 private:
  fs::path file_;
  torch::jit::Module module_;
};

}  // namespace

std::unique_ptr<PerceptualDistance> make_perceptual(const ganrig::ConfigView& cfg, ganrig::BuildContext& ctx) {
  const std::string kind = cfg.string("perceptual");
  if (kind == "l1") return std::make_unique<L1Distance>();
  if (kind == "projector") {
    if (!ctx.has("projector"))
      throw ganrig::ConfigError(fmt::format("{}perceptual = \"projector\" needs a [projector] table (e.g. type = "
                                            "\"mobilenet_v2\"): its frozen features measure the reconstructions",
                                            cfg.where("perceptual")));
    return std::make_unique<ProjectorDistance>(ctx.build<ganrig::Projector>("projector"));
  }
  const fs::path file = cfg.string("lpips_file");
  if (file.empty())
    throw ganrig::ConfigError(fmt::format("{}perceptual = \"torchscript\" needs lpips_file = \"<path to a TorchScript "
                                          "module computing LPIPS>\"", cfg.where("perceptual")));
  if (!fs::is_regular_file(file))
    throw ganrig::ConfigError(fmt::format("{}no such file: {} (a TorchScript module whose forward(a, b) returns one "
                                          "distance per image, e.g. torch.jit.trace of lpips.LPIPS(net=\"vgg\"))",
                                          cfg.where("lpips_file"), file.string()));
  try {
    return std::make_unique<TorchScriptDistance>(file);
  } catch (const c10::Error& e) {
    throw ganrig::ConfigError(fmt::format("{}{} is not a loadable TorchScript module: {}", cfg.where("lpips_file"),
                                          file.string(), e.what_without_backtrace()));
  }
}

}  // namespace ganrig_fastgan_pytorch
