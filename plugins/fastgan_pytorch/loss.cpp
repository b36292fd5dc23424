// FastGAN's loss (FastGAN-pytorch's train.py): hinge with a randomized margin and the
// discriminator's reconstruction loss on the reals.
//   D: mean(relu(m - D(real))) + sum over the batch of d(rec, target) for each of the three decoders
//      + mean(relu(m + D(fake))), m ~ U(margin_min, margin_max) per logit (official: U(0.8, 1.0));
//   G: -mean(D(fake)).
// Reals first, then fakes, as separate batches (train_d's order; BatchNorm statistics per kind).
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/reconstructing.hpp"
#include "perceptual.hpp"

namespace {

using ganrig::ConfigView;
using ganrig::LossInputs;

class FastganLoss : public ganrig::Loss {
 public:
  FastganLoss(const ConfigView& cfg, ganrig::BuildContext& ctx)
      : margin_min_(cfg.real("margin_min")),
        margin_max_(cfg.real("margin_max")),
        weight_(cfg.real("reconstruction_weight")),
        distance_(ganrig_fastgan_pytorch::make_perceptual(cfg, ctx)) {
    if (margin_max_ < margin_min_)
      throw ganrig::ConfigError(fmt::format("{}margin_max = {} is below margin_min = {}", cfg.where("margin_max"),
                                            margin_max_, margin_min_));
    if (auto m = distance_->module()) register_module("perceptual", m);
  }

  torch::Tensor generator_loss(const LossInputs& in) override { return -in.judge_fakes(in.fakes()).mean(); }

  torch::Tensor discriminator_loss(const LossInputs& in) override {
    auto* reconstructing = dynamic_cast<ganrig::ReconstructingDiscriminator*>(&in.discriminator);
    if (!reconstructing)
      throw ganrig::Error(
          "loss \"fastgan\" trains the discriminator's decoders, and this discriminator has none: use "
          "[discriminator] type = \"fastgan\", or a loss without reconstruction (\"hinge\")");
    const ganrig::JudgedReals judged = reconstructing->judge_and_reconstruct(in.real, in.real_c);
    torch::Tensor reconstruction = torch::zeros({}, in.real.options());
    for (const auto& r : judged.reconstructions) {
      const torch::Tensor d = distance_->per_image(r.image, r.target.detach()).sum();
      in.stats.add("loss/reconstruction_" + r.name, d.detach());
      reconstruction = reconstruction + d;
    }
    const torch::Tensor fake = in.judge_fakes(in.fakes().detach());
    in.stats.add("D/real", judged.logits.detach().mean());
    in.stats.add("D/fake", fake.detach().mean());
    return torch::relu(margin(judged.logits) - judged.logits).mean() + weight_ * reconstruction +
           torch::relu(margin(fake) + fake).mean();
  }

 private:
  torch::Tensor margin(const torch::Tensor& logits) const {
    return torch::rand_like(logits) * (margin_max_ - margin_min_) + margin_min_;
  }
  double margin_min_, margin_max_, weight_;
  std::unique_ptr<ganrig_fastgan_pytorch::PerceptualDistance> distance_;
};

}  // namespace

namespace ganrig_fastgan_pytorch {

void register_loss(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.real("margin_min", 0.8, "Lower end of the hinge's random margin (official: rand * 0.2 + 0.8).").range(0, 100);
  s.real("margin_max", 1.0, "Upper end of the hinge's random margin.").range(0, 100);
  s.string("perceptual", "projector",
           "Reconstruction distance: \"l1\", \"projector\" (LPIPS's formula on the frozen [projector]'s features; "
           "LPIPS-VGG weights cannot be installed here) or \"torchscript\" (lpips_file).")
      .one_of({"l1", "projector", "torchscript"});
  s.string("lpips_file", "", "With perceptual = \"torchscript\": a TorchScript module, forward(a, b) -> one distance per image.");
  s.real("reconstruction_weight", 1.0, "Weight of the summed reconstruction distances (official: 1).").at_least(0);
  registry.add<ganrig::Loss>(
      "fastgan",
      "FastGAN's loss: D hinge with a random margin U(0.8, 1) + the decoders' reconstruction distance on the reals; "
      "G -mean(D(G(z))). Needs [discriminator] type = \"fastgan\".",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<FastganLoss>(cfg, ctx); });
}

}  // namespace ganrig_fastgan_pytorch
