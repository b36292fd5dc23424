#include "ganrig/interfaces.hpp"

#include <fmt/format.h>

#include "ganrig/error.hpp"
#include "ganrig/upsampled_conv.hpp"

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

torch::Tensor ConvLayer::forward_upsampled(const torch::Tensor& x) { return forward(upsample_nearest_x2(x)); }

namespace {
[[noreturn]] void no_names(const std::string& format) {
  throw Error(fmt::format("this discriminator has no '{}' names (only the `projected` discriminator exports the "
                          "official Projected GAN's; use --what g for the generator alone)",
                          format));
}
}  // namespace

NamedTensors Discriminator::export_state_as(const std::string& format) { no_names(format); }
void Discriminator::import_state_as(const std::string& format, const std::map<std::string, torch::Tensor>&) {
  no_names(format);
}
std::string Discriminator::constructor_json_as(const std::string& format) { no_names(format); }

torch::Tensor Loss::regularizer_loss(const std::string& name, const LossInputs&) {
  throw Error("this loss declares no regularizer '" + name + "'");
}

}  // namespace ganrig
