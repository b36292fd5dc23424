#include "ganrig/interfaces.hpp"

#include "ganrig/error.hpp"

namespace ganrig {

torch::Tensor Loss::regularizer_loss(const std::string& name, const LossInputs&) {
  throw Error("this loss declares no regularizer '" + name + "'");
}

}  // namespace ganrig
