// Adversarial losses: `hinge` (as Projected GAN's code) and `nonsaturating` (Goodfellow et al. 2014,
// the logistic loss with the non-saturating generator objective).
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

using ganrig::LossInputs;

// Fakes for the D phase: G's parameters do not require grad there, so no graph is kept for them.
torch::Tensor fakes_for_d(const LossInputs& in) { return in.generator.forward(in.z).detach(); }

class Hinge : public ganrig::Loss {
 public:
  torch::Tensor generator_loss(const LossInputs& in) override {
    const torch::Tensor logits = in.discriminator.forward(in.generator.forward(in.z));
    return -logits.mean();
  }
  torch::Tensor discriminator_loss(const LossInputs& in) override {
    // Real and fake pass separately, so BatchNorm statistics are per kind (as Projected GAN).
    const torch::Tensor real = in.discriminator.forward(in.real);
    const torch::Tensor fake = in.discriminator.forward(fakes_for_d(in));
    in.stats.add("D/real", real.mean().item<double>());
    in.stats.add("D/fake", fake.mean().item<double>());
    return torch::relu(1.0 - real).mean() + torch::relu(1.0 + fake).mean();
  }
};

class NonSaturating : public ganrig::Loss {
 public:
  torch::Tensor generator_loss(const LossInputs& in) override {
    const torch::Tensor logits = in.discriminator.forward(in.generator.forward(in.z));
    return torch::softplus(-logits).mean();
  }
  torch::Tensor discriminator_loss(const LossInputs& in) override {
    const torch::Tensor real = in.discriminator.forward(in.real);
    const torch::Tensor fake = in.discriminator.forward(fakes_for_d(in));
    in.stats.add("D/real", real.mean().item<double>());
    in.stats.add("D/fake", fake.mean().item<double>());
    return torch::softplus(-real).mean() + torch::softplus(fake).mean();
  }
};

void register_losses(ganrig::Registry& registry) {
  registry.add<ganrig::Loss>(
      "hinge", "Hinge loss: D mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))); G -mean(D(G(z))).", ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<Hinge>(); });
  registry.add<ganrig::Loss>(
      "nonsaturating",
      "Logistic loss: D softplus(-D(x)) + softplus(D(G(z))); G softplus(-D(G(z))) (non-saturating).",
      ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<NonSaturating>(); });
}

}  // namespace

GANRIG_PLUGIN("losses", "1.0.0", register_losses)
