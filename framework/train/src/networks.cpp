#include "ganrig/train/networks.hpp"

#include "ganrig/train/settings.hpp"

namespace ganrig {

Networks::Networks(Experiment& experiment, const torch::Device& device) : models(build_models(experiment)) {
  for (torch::nn::Module* net : std::vector<torch::nn::Module*>{models.generator.get(), models.generator_ema.get(),
                                                               models.discriminator.get(), models.loss.get()})
    net->to(device);
  models.generator->train();
  models.discriminator->train();
  for (auto& p : models.discriminator->parameters())
    if (p.requires_grad()) d_trainable.push_back(p);
  reset_optimizers(experiment.config);
}

void Networks::reset_optimizers(const Config& config) {
  optimizer_g = std::make_unique<OnePassAdam>(models.generator->parameters(), adam_options(config, "optim.generator"));
  optimizer_d = std::make_unique<OnePassAdam>(d_trainable, adam_options(config, "optim.discriminator"));
}

std::map<std::string, std::string> Networks::pretrained_weights() const {
  std::map<std::string, std::string> out;
  for (const auto& [prefix, net] : std::vector<std::pair<std::string, torch::nn::Module*>>{
           {"generator", models.generator.get()}, {"discriminator", models.discriminator.get()}})
    for (const auto& item : net->named_modules(prefix))
      if (auto projector = std::dynamic_pointer_cast<Projector>(item.value())) out[item.key()] = projector->weights_id();
  return out;
}

double learning_rate(const torch::optim::Optimizer& optimizer) {
  return static_cast<const torch::optim::AdamOptions&>(optimizer.param_groups().at(0).options()).lr();
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  static_cast<torch::optim::AdamOptions&>(optimizer.param_groups().at(0).options()).lr(lr);
}

}  // namespace ganrig
