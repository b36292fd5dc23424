// ganrig bench: training iterations timed after a warm-up, without a run folder.
#include <chrono>

#include "ganrig/train/profile.hpp"
#include "loop.hpp"

namespace ganrig {

BenchResult bench(Experiment& experiment, std::int64_t warmup, std::int64_t iterations,
                  std::int64_t profile_iterations, World* world) {
  TrainOptions options;
  options.quiet = true;
  options.world = world;
  Loop loop(experiment, options);
  loop.synchronize_replicas();
  for (std::int64_t i = 0; i < warmup; ++i) loop.step();
  loop.synchronize();
  loop.world().barrier();  // the group starts the clock together and stops it when the slowest is done
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i) loop.step();
  loop.synchronize();
  loop.world().barrier();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BenchResult r;
  r.parameters = count_parameters(loop.networks().models);
  r.seconds_per_iteration = seconds / static_cast<double>(std::max<std::int64_t>(iterations, 1));
  r.batch = loop.state().batch;
  r.images_per_second = static_cast<double>(r.batch) / r.seconds_per_iteration;
  r.peak_rss_mib = peak_rss_mib();
  r.peak_cuda_mib = peak_cuda_mib(loop.device());
  r.device = loop.device().str();
  r.threads = torch::get_num_threads();
  r.precision = loop.precision().name();
  if (profile_iterations > 0)
    r.profile = format_profile(
        ganrig::profile_iterations([&] { loop.step(); }, profile_iterations, [&] { loop.synchronize(); }));
  return r;
}

}  // namespace ganrig
