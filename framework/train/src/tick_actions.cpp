// The registry of tick actions: each action's file registers itself with an order.
#include <algorithm>

#include "ganrig/train/tick_action.hpp"

namespace ganrig {

namespace {

struct Registration {
  std::string name;
  int order;
  TickActionFactory factory;
};

std::vector<Registration>& registrations() {
  static std::vector<Registration> registered;
  return registered;
}

std::vector<Registration> in_order() {
  auto sorted = registrations();
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  return sorted;
}

}  // namespace

bool register_tick_action(const std::string& name, int order, TickActionFactory factory) {
  registrations().push_back({name, order, std::move(factory)});
  return true;
}

std::vector<std::unique_ptr<TickAction>> make_tick_actions(LoopContext& run) {
  std::vector<std::unique_ptr<TickAction>> actions;
  for (const auto& r : in_order())
    if (auto action = r.factory(run)) actions.push_back(std::move(action));  // null: not needed by this run
  return actions;
}

std::vector<std::string> tick_action_names() {
  std::vector<std::string> names;
  for (const auto& r : in_order()) names.push_back(r.name);
  return names;
}

}  // namespace ganrig
