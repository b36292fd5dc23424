#include "ganrig/dry_run.hpp"

#include <algorithm>

namespace ganrig {

namespace {
struct DryRunState {
  bool active = false;
  std::vector<std::string> missing;
};
DryRunState& state() {
  static DryRunState s;
  return s;
}
}  // namespace

DryRun::DryRun() {
  state().active = true;
  state().missing.clear();
}
DryRun::~DryRun() { state().active = false; }

bool DryRun::active() { return state().active; }

void DryRun::note_missing(const std::string& what) {
  auto& missing = state().missing;
  if (std::find(missing.begin(), missing.end(), what) == missing.end()) missing.push_back(what);
}

std::vector<std::string> DryRun::missing() { return state().missing; }

}  // namespace ganrig
