#include "ganrig/train/profile.hpp"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <map>

namespace ganrig {

namespace {

namespace prof = torch::autograd::profiler;

struct Totals {
  std::int64_t calls = 0;
  double total_us = 0, self_us = 0;
};

using CallerTotals = std::map<std::string, std::map<std::string, Totals>>;

bool is_phase(const std::string& name) { return name.rfind("ganrig::", 0) == 0; }

// Who called the event on top of `stack`: its innermost ganrig:: phase, then up to three
// enclosing operators or autograd nodes, nearest first.
template <class Stack>
std::string caller_chain(const Stack& stack) {
  std::string phase = "-", chain;
  int parents = 0;
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    const std::string name = it->event->name();
    if (is_phase(name)) {
      phase = name.substr(8);
      break;
    }
    if (parents++ < 3) chain += (chain.empty() ? "" : " < ") + name;
  }
  return phase + ": " + (chain.empty() ? "(top level)" : chain);
}

// Pairs each thread's push/pop events (ranges nest per thread) into total and self times by name,
// and the self times of operators by caller chain.
void accumulate(const prof::thread_event_lists& lists, std::map<std::string, Totals>& by_name, CallerTotals& callers) {
  for (const auto& events : lists) {
    struct Open {
      const prof::LegacyEvent* event;
      double children_us;
    };
    std::vector<Open> stack;
    for (const auto& e : events) {
      const std::string kind = e.kindStr();
      if (kind == "push") {
        stack.push_back({&e, 0.0});
      } else if (kind == "pop" && !stack.empty()) {
        const Open open = stack.back();
        stack.pop_back();
        const double us = open.event->cpuElapsedUs(e);
        Totals& t = by_name[open.event->name()];
        ++t.calls;
        t.total_us += us;
        t.self_us += us - open.children_us;
        if (!stack.empty()) stack.back().children_us += us;
        if (!is_phase(open.event->name())) {
          Totals& c = callers[open.event->name()][caller_chain(stack)];
          ++c.calls;
          c.self_us += us - open.children_us;
        }
      }
    }
  }
}

}  // namespace

ProfileReport profile_iterations(const std::function<void()>& iteration, std::int64_t iterations,
                                 const std::function<void()>& sync) {
  prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i) iteration();
  sync();
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const prof::thread_event_lists lists = prof::disableProfilerLegacy();

  std::map<std::string, Totals> by_name;
  CallerTotals callers;
  accumulate(lists, by_name, callers);
  ProfileReport report;
  report.iterations = iterations;
  const double n = static_cast<double>(std::max<std::int64_t>(iterations, 1));
  report.wall_ms = wall_ms / n;
  for (const auto& [name, t] : by_name) {
    ProfileRow row{name, t.calls, t.total_us / 1000.0 / n, t.self_us / 1000.0 / n};
    (name.rfind("ganrig::", 0) == 0 ? report.phases : report.operators).push_back(row);
  }
  std::sort(report.phases.begin(), report.phases.end(), [](auto& a, auto& b) { return a.total_ms > b.total_ms; });
  std::sort(report.operators.begin(), report.operators.end(), [](auto& a, auto& b) { return a.self_ms > b.self_ms; });
  for (const auto& [op, chains] : callers) {
    auto& rows = report.callers[op];
    for (const auto& [chain, t] : chains) rows.push_back({chain, t.calls, 0.0, t.self_us / 1000.0 / n});
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.self_ms > b.self_ms; });
  }
  return report;
}

std::string format_profile(const ProfileReport& r, std::size_t top, std::size_t top_callers) {
  std::string out = fmt::format("profile: {} iteration(s), {:.1f} ms per iteration with the profiler on\n",
                                r.iterations, r.wall_ms);
  out += fmt::format("  {:<34} {:>10} {:>7} {:>8}\n", "phase (nested scopes overlap)", "ms/iter", "% iter", "calls");
  for (const auto& p : r.phases)
    out += fmt::format("  {:<34} {:>10.1f} {:>6.1f}% {:>8}\n", p.name.substr(8), p.total_ms,
                       100.0 * p.total_ms / r.wall_ms, p.calls / std::max<std::int64_t>(r.iterations, 1));
  out += fmt::format("  {:<34} {:>10} {:>7} {:>8}\n", "operator (self time)", "ms/iter", "% iter", "calls");
  for (std::size_t i = 0; i < std::min(top, r.operators.size()); ++i) {
    const auto& p = r.operators[i];
    out += fmt::format("  {:<34} {:>10.1f} {:>6.1f}% {:>8}\n", p.name.substr(0, 34), p.self_ms,
                       100.0 * p.self_ms / r.wall_ms, p.calls / std::max<std::int64_t>(r.iterations, 1));
  }
  out += "  where the top operators' self time comes from (phase: caller < its caller ...)\n";
  for (std::size_t i = 0; i < std::min(top_callers, r.operators.size()); ++i) {
    const auto found = r.callers.find(r.operators[i].name);
    if (found == r.callers.end()) continue;
    out += fmt::format("  {}\n", r.operators[i].name);
    for (std::size_t k = 0; k < std::min<std::size_t>(3, found->second.size()); ++k) {
      const auto& c = found->second[k];
      out += fmt::format("    {:>8.1f} ms/iter {:>6} calls  {}\n", c.self_ms, c.calls / std::max<std::int64_t>(r.iterations, 1),
                         c.name);
    }
  }
  return out;
}

}  // namespace ganrig
