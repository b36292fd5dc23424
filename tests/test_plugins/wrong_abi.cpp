// Built with GANRIG_PLUGIN_ABI_VERSION=999: the host must refuse it before calling anything in it.
#include "ganrig/plugin_api.hpp"

namespace {
void register_nothing(ganrig::Registry&) {}
}  // namespace

GANRIG_PLUGIN("wrong_abi", "0.0.1", register_nothing)
