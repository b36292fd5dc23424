// Adversarial losses: `hinge` (as Projected GAN's code) and `nonsaturating` (Goodfellow et al. 2014,
// the logistic loss with the non-saturating generator objective).
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/twin_record.hpp"

namespace {

using ganrig::LossInputs;

// Fakes for the D phase: G's parameters do not require grad there, so no graph is kept for them.
// In a conditional run each network also sees the labels (LossInputs::fakes, judge_fakes, judge_reals).
torch::Tensor fakes_for_d(const LossInputs& in) { return in.fakes().detach(); }

class Hinge : public ganrig::Loss {
 public:
  torch::Tensor generator_loss(const LossInputs& in) override {
    const torch::Tensor fakes = ganrig::recorded("out:fakes", in.fakes());  // compared by a twin run
    const torch::Tensor logits = in.judge_fakes(fakes);
    ganrig::recorded("out:logits_fake", logits);
    return -logits.mean();
  }
  torch::Tensor discriminator_loss(const LossInputs& in) override {
    // Fake, then real, as separate batches for D's BatchNorm (Projected GAN's order).
    const auto [fake, real] = in.discriminator.forward_pair(fakes_for_d(in), in.real, in.fake_c, in.real_c);
    ganrig::recorded("out:logits_fake", fake);
    ganrig::recorded("out:logits_real", real);
    in.stats.add("D/real", real.detach().mean());
    in.stats.add("D/fake", fake.detach().mean());
    return torch::relu(1.0 - real).mean() + torch::relu(1.0 + fake).mean();
  }
};

class NonSaturating : public ganrig::Loss {
 public:
  torch::Tensor generator_loss(const LossInputs& in) override {
    const torch::Tensor logits = in.judge_fakes(in.fakes());
    return torch::softplus(-logits).mean();
  }
  torch::Tensor discriminator_loss(const LossInputs& in) override {
    const auto [fake, real] = in.discriminator.forward_pair(fakes_for_d(in), in.real, in.fake_c, in.real_c);
    in.stats.add("D/real", real.detach().mean());
    in.stats.add("D/fake", fake.detach().mean());
    return torch::softplus(-real).mean() + torch::softplus(fake).mean();
  }
};

// WGAN-GP (Gulrajani et al. 2017) as PGGAN's loss.py: D: D(fake) - D(real) + lambda / target^2 *
// (||grad D(x_hat)|| - target)^2 on x_hat = lerp(real, fake, u), u ~ U(0, 1) per sample, plus
// epsilon_drift * D(real)^2; G: -D(fake).
class WganGp : public ganrig::Loss {
 public:
  explicit WganGp(const ganrig::ConfigView& cfg)
      : lambda_(cfg.real("lambda")), target_(cfg.real("target")), drift_(cfg.real("epsilon_drift")) {}
  torch::Tensor generator_loss(const LossInputs& in) override {
    return -in.judge_fakes(in.fakes()).mean();
  }
  torch::Tensor discriminator_loss(const LossInputs& in) override {
    const torch::Tensor fake = fakes_for_d(in);
    const auto [real_logits, fake_logits] = in.discriminator.forward_pair(in.real, fake, in.real_c, in.fake_c);
    const torch::Tensor penalty = gradient_penalty(in, fake);
    in.stats.add("D/real", real_logits.detach().mean());
    in.stats.add("D/fake", fake_logits.detach().mean());
    in.stats.add("loss/gradient_penalty", penalty.detach().mean());
    return (fake_logits - real_logits).mean() + penalty.mean() * (lambda_ / (target_ * target_)) +
           drift_ * real_logits.square().mean();
  }
  // (||grad_x D(x_hat)||_2 - target)^2 per sample; conditioned on the reals' labels (as the
  // conditional WGAN-GP of Gulrajani et al.'s CIFAR-10 code).
  torch::Tensor gradient_penalty(const LossInputs& in, const torch::Tensor& fake) {
    const torch::Tensor& real = in.real;
    const torch::Tensor u = torch::rand({real.size(0), 1, 1, 1}, real.options());
    const torch::Tensor mixed = (real + (fake - real) * u).detach().requires_grad_(true);
    const torch::Tensor logits = in.judge_reals(mixed);
    const torch::Tensor grad = torch::autograd::grad({logits.sum()}, {mixed}, {}, /*retain_graph=*/true,
                                                     /*create_graph=*/true)[0];
    return (grad.flatten(1).norm(2, 1) - target_).square();
  }

 private:
  double lambda_, target_, drift_;
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
  ganrig::Schema gp;
  gp.real("lambda", 10.0, "Gradient-penalty weight (PGGAN: 10).").at_least(0);
  gp.real("target", 1.0, "Gradient-norm target (PGGAN's CIFAR-10 run: 750).").range(1e-9, 1e9);
  gp.real("epsilon_drift", 0.001, "Weight of D(real)^2, keeping D's output near 0 (PGGAN: 0.001).").at_least(0);
  registry.add<ganrig::Loss>(
      "wgan_gp",
      "WGAN-GP as PGGAN: D mean(D(G(z)) - D(x)) + lambda (||grad D(x_hat)|| - 1)^2 + epsilon_drift D(x)^2; G -mean(D(G(z))).",
      gp, [](const ganrig::ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<WganGp>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("losses", "1.0.0", register_losses)
