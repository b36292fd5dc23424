#pragma once
// `ganrig bench --profile`: LibTorch's autograd profiler around training iterations, summarised as
// time per phase (the loop's and plugins' `ganrig::` scopes: G/D forward, backward, optimizer,
// EMA, data, augment, projector, mini-discriminators) and the operators with the most self time.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ganrig {

struct ProfileRow {
  std::string name;
  std::int64_t calls = 0;
  double total_ms = 0, self_ms = 0;  // per iteration
};

struct ProfileReport {
  std::int64_t iterations = 0;
  double wall_ms = 0;              // per iteration, with the profiler on
  std::vector<ProfileRow> phases;  // `ganrig::` scopes, in order of total time
  std::vector<ProfileRow> operators;  // everything else, in order of self time
  // Per operator, its self time by caller chain ("innermost phase: parent < grandparent ..."),
  // in order of self time: where an operator's time comes from (e.g. which layer's aten::copy_).
  std::map<std::string, std::vector<ProfileRow>> callers;
};

// Runs `iteration` `iterations` times under the profiler (CPU events; on CUDA the times are those
// of the host side, with a device synchronisation by `sync` at the end).
ProfileReport profile_iterations(const std::function<void()>& iteration, std::int64_t iterations,
                                 const std::function<void()>& sync);

// The report as two aligned tables, the first `top` operators, then the first `top_callers`
// operators' three largest caller chains.
std::string format_profile(const ProfileReport& report, std::size_t top = 20, std::size_t top_callers = 6);

}  // namespace ganrig
