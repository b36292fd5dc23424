#include "ganrig/interfaces.hpp"

#include "ganrig/error.hpp"

namespace ganrig {

void ConvLayer::init_normal(double std) {
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    if (item.value().dim() > 1)
      item.value().normal_(0.0, std);
    else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0)
      item.value().zero_();  // a normalisation layer's scale (1-D "weight") keeps its own init
  }
}

torch::Tensor Loss::regularizer_loss(const std::string& name, const LossInputs&) {
  throw Error("this loss declares no regularizer '" + name + "'");
}

}  // namespace ganrig
