#include "ganrig/train/run_state.hpp"

#include <ATen/Context.h>

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
  state["elapsed_seconds"] = torch::tensor(elapsed(), torch::kDouble);
  state["eval_seconds"] = torch::tensor(eval_seconds, torch::kDouble);
  state["rng_cpu"] = default_generator(torch::kCPU).get_state();
  if (device_.is_cuda()) state["rng_cuda"] = default_generator(device_).get_state();
}

void RunState::load(const TrainingState& state) {
  cur_nimg = integer(state, "cur_nimg");
  cur_tick = integer(state, "cur_tick");
  batch_idx = integer(state, "batch_idx");
  nonfinite_total = integer(state, "nonfinite_total");
  elapsed_before_ = state.at("elapsed_seconds").item<double>();
  session_start_ = std::chrono::steady_clock::now();
  if (state.count("eval_seconds")) eval_seconds = state.at("eval_seconds").item<double>();
  tick_start_nimg = cur_nimg;
  default_generator(torch::kCPU).set_state(state.at("rng_cpu"));
  if (device_.is_cuda() && state.count("rng_cuda")) default_generator(device_).set_state(state.at("rng_cuda"));
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
