#pragma once
// The trained networks of a run on their device, with the discriminator's trainable parameters and
// the two Adam optimizers.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ganrig/train/experiment.hpp"
#include "ganrig/train/one_pass_adam.hpp"

namespace ganrig {

struct Networks {
  Models models;
  std::vector<torch::Tensor> d_trainable;  // D's parameters that train (frozen projectors excluded)
  std::unique_ptr<OnePassAdam> optimizer_g, optimizer_d;

  // Builds the models, moves them to `device` and creates fresh optimizers.
  Networks(Experiment& experiment, const torch::Device& device);
  // Fresh Adam states with [optim.*] options (progressive growing resets them on a new resolution).
  void reset_optimizers(const Config& config);
  // Identity of the weights of every frozen pretrained network inside G and D ("sha256:...").
  std::map<std::string, std::string> pretrained_weights() const;
};

double learning_rate(const torch::optim::Optimizer& optimizer);
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace ganrig
