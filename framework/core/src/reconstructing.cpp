#include "ganrig/reconstructing.hpp"

namespace ganrig {

ReconstructingDiscriminator::~ReconstructingDiscriminator() = default;

}  // namespace ganrig
