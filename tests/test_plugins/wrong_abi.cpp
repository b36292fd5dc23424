// Built with GANRIG_PLUGIN_ABI_VERSION=999: the host must refuse it before loading it. Its static
// initialiser marks the process, so a test can tell that none of its code ran.
#include <cstdlib>

#include "ganrig/plugin_api.hpp"

namespace {
void register_nothing(ganrig::Registry&) {}
const bool marked = [] { return ::setenv("GANRIG_TEST_WRONG_ABI_RAN", "1", 1) == 0; }();
}  // namespace

GANRIG_PLUGIN("wrong_abi", "0.0.1", register_nothing)
