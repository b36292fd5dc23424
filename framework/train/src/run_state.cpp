#include "ganrig/train/run_state.hpp"

#include <ATen/Context.h>

#include <mutex>

namespace ganrig {

namespace {

at::Generator& default_generator(const torch::Device& device) {
  return const_cast<at::Generator&>(at::globalContext().defaultGenerator(device));
}

std::int64_t integer(const TrainingState& state, const char* key) { return state.at(key).item<std::int64_t>(); }

}  // namespace

double RunState::elapsed() const {
  return elapsed_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
}

void RunState::save(TrainingState& state) const {
  state["cur_nimg"] = torch::tensor(cur_nimg, torch::kLong);
  state["cur_tick"] = torch::tensor(cur_tick, torch::kLong);
  state["batch_idx"] = torch::tensor(batch_idx, torch::kLong);
  state["nonfinite_total"] = torch::tensor(nonfinite_total, torch::kLong);
  state["flat_grids"] = torch::tensor(flat_grids, torch::kLong);
  state["elapsed_seconds"] = torch::tensor(elapsed(), torch::kDouble);
  state["eval_seconds"] = torch::tensor(eval_seconds, torch::kDouble);
  state["world_size"] = torch::tensor(world_size, torch::kLong);
  state["rng_cpu"] = default_generator(torch::kCPU).get_state();
  if (device_.is_cuda()) state["rng_cuda"] = default_generator(device_).get_state();
}

void RunState::load(const TrainingState& state) {
  cur_nimg = integer(state, "cur_nimg");
  cur_tick = integer(state, "cur_tick");
  batch_idx = integer(state, "batch_idx");
  nonfinite_total = integer(state, "nonfinite_total");
  flat_grids = state.count("flat_grids") ? integer(state, "flat_grids") : 0;  // older checkpoints lack it
  elapsed_before_ = state.at("elapsed_seconds").item<double>();
  session_start_ = std::chrono::steady_clock::now();
  if (state.count("eval_seconds")) eval_seconds = state.at("eval_seconds").item<double>();
  saved_world_size = state.count("world_size") ? integer(state, "world_size") : 1;
  tick_start_nimg = cur_nimg;
  default_generator(torch::kCPU).set_state(state.at("rng_cpu"));
  if (device_.is_cuda() && state.count("rng_cuda")) default_generator(device_).set_state(state.at("rng_cuda"));
}

namespace {

// splitmix64's finaliser: neighbouring inputs give unrelated seeds.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a: a phase's name as a number that is the same in every build (std::hash is not).
std::uint64_t name_number(const std::string& name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

void reseed(at::Generator& generator, std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_current_seed(seed);
}

}  // namespace

void seed_micro_batch(std::uint64_t run_seed, std::int64_t iteration, const std::string& phase, std::int64_t index,
                      const torch::Device& device) {
  std::uint64_t seed = mix(run_seed);
  for (const std::uint64_t part : {static_cast<std::uint64_t>(iteration), name_number(phase),
                                   static_cast<std::uint64_t>(index)})
    seed = mix(seed ^ part);
  seed &= (1ULL << 63) - 1;  // the CPU generator keeps 64 bits, CUDA's philox too; positive for printing
  reseed(default_generator(torch::kCPU), seed);
  if (device.is_cuda()) reseed(default_generator(device), seed);
}

void with_forked_rng(const torch::Device& device, const std::function<void()>& body) {
  const torch::Tensor cpu_state = default_generator(torch::kCPU).get_state();
  torch::Tensor cuda_state;
  if (device.is_cuda()) cuda_state = default_generator(device).get_state();
  body();
  default_generator(torch::kCPU).set_state(cpu_state);
  if (device.is_cuda()) default_generator(device).set_state(cuda_state);
}

}  // namespace ganrig
