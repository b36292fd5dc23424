#include "ganrig/reference_kernels.hpp"

namespace ganrig {

bool reference_kernels(const Config& config) {
  const toml::table* exec = config.table_at("exec");
  return exec && (*exec)["reference_kernels"].value_or(false);
}

}  // namespace ganrig
