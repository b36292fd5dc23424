#include "ganrig/train/trainer.hpp"

#include <ATen/Context.h>
#include <ATen/record_function.h>
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "ganrig/atomic_file.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/train/ema.hpp"
#include "ganrig/train/stop_signal.hpp"
#include "loop.hpp"

namespace fs = std::filesystem;

namespace ganrig {

torch::Device resolve_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  try {
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
      throw ConfigError(fmt::format("[exec] device = \"{}\": this LibTorch build or machine has no CUDA", name));
    return device;
  } catch (const c10::Error&) {
    throw ConfigError(fmt::format("[exec] device = \"{}\": expected \"auto\", \"cpu\", \"cuda\" or \"cuda:N\"", name));
  }
}

Loop::Loop(Experiment& experiment, const TrainOptions& options)
    : experiment_(experiment),
      options_(options),
      config_(experiment.config),
      settings_(read_loop_settings(config_)),
      progress_(options.quiet ? "lines" : settings_.progress) {
  configure_runtime();
  networks_ = std::make_unique<Networks>(experiment_, device_);
  state_ = std::make_unique<RunState>(device_);
  state_->batch = settings_.batch;
  growth_ = std::make_unique<Growth>(networks_->models.schedule, config_, settings_.micro_batch);
  feed_ = std::make_unique<DataFeed>(*networks_->models.dataset, static_cast<std::uint64_t>(experiment_.seed()) + 2);
  const RunLayout layout{options_.run_dir};
  checkpointer_ = std::make_unique<Checkpointer>(layout, *networks_, device_, to_toml(config_, false),
                                                 options_.checkpoint_fault);
  // Every part with state of its own, listed once: saved into and loaded from each checkpoint.
  for (Stateful* part : std::vector<Stateful*>{state_.get(), feed_.get(), &precision_, growth_.get()})
    checkpointer_->add(*part);
  phases_ = std::make_unique<PhaseRunner>(settings_, precision_, stats_, *state_, device_, checkpointer_->last());
  context_ = std::make_unique<LoopContext>(LoopContext{experiment_, config_, settings_, options_, layout,
                                                       device_, *networks_, *state_, *growth_, stats_, progress_,
                                                       *checkpointer_});
}

// Threads, device, precision and cuDNN autotuning from [exec].
void Loop::configure_runtime() {
  const ConfigView exec(*config_.table_at("exec"), "exec", &config_);
  const auto threads = exec.integer("threads");
  torch::set_num_threads(threads > 0 ? static_cast<int>(threads)
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  device_ = resolve_device(exec.string("device"));
  precision_ = Precision(exec.string("precision"), device_);
  at::globalContext().setBenchmarkCuDNN(exec.boolean("cudnn_benchmark"));
}

void Loop::synchronize() const {
  if (device_.is_cuda()) torch::cuda::synchronize(device_.index() < 0 ? 0 : device_.index());
}

// Actions are built (and their configuration checked) before the run folder is touched.
void Loop::start() {
  actions_ = make_tick_actions(*context_);
  for (auto& action : actions_) checkpointer_->add(*action);  // their own state, if any
  const RunLayout& layout = context_->layout;
  fs::create_directories(layout.samples());
  fs::create_directories(layout.checkpoints());
  for (const fs::path& folder : {layout.dir, layout.checkpoints()})
    if (const int removed = remove_stale_temporaries(folder))
      progress_.line(fmt::format("removed {} partial file(s) of an earlier process in {}", removed, folder.string()));
  const bool resumed = options_.resume_from.has_value();
  if (resumed) {
    const fs::path& file = *options_.resume_from;
    const std::string difference = checkpointer_->resume(file, options_.force);
    if (!difference.empty()) {
      progress_.line(fmt::format("resuming with a changed configuration (--force): {}", difference));
      write_file_atomic(layout.resumed_config(state_->cur_nimg), to_toml(config_, true));
    }
    progress_.line(fmt::format("resumed from {} at {:.3f} kimg (tick {})", file.string(), state_->cur_nimg / 1000.0,
                               state_->cur_tick));
  }
  write_run_record(*context_, resumed);
  growth_->apply(state_->cur_nimg, *networks_, state_->batch);  // samples at kimg 0 show the starting resolution
  for (auto& action : actions_) action->on_start(*context_, resumed);
}

TrainResult Loop::run() {
  StopSignalGuard signals;  // Ctrl-C / SIGTERM: finish the step, checkpoint, stop
  start();
  const std::int64_t total_nimg = settings_.total_nimg();
  auto tick_start = std::chrono::steady_clock::now();
  std::int64_t ticks_this_session = 0;
  while (state_->cur_nimg < total_nimg) {
    step();
    const bool done = state_->cur_nimg >= total_nimg;
    const bool tick_done =
        state_->cur_nimg >= state_->tick_start_nimg + static_cast<std::int64_t>(settings_.tick_kimg * 1000.0);
    const double tick_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tick_start).count();
    const int signal = StopSignalGuard::received();
    if (!tick_done && !done && !signal) {
      for (auto& action : actions_) action->on_iteration(*context_, tick_seconds);
      continue;
    }
    const bool stop = options_.stop_after_ticks > 0 && ++ticks_this_session >= options_.stop_after_ticks;
    end_tick(tick_seconds, done || stop || signal, done);
    if (signal && !done) {
      progress_.line(fmt::format("stopped by {} after a checkpoint ({}); resume with: ganrig train {}",
                                 signal == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM", checkpointer_->last().string(),
                                 options_.run_dir.string()));
      return {state_->cur_nimg, state_->cur_tick, state_->nonfinite_total, checkpointer_->last(), signal};
    }
    if (stop && !done) {
      progress_.line(fmt::format("stopped after {} ticks as asked; resume with: ganrig train {}", ticks_this_session,
                                 options_.run_dir.string()));
      break;
    }
    tick_start = std::chrono::steady_clock::now();
  }
  if (state_->cur_nimg >= total_nimg)
    progress_.line(fmt::format("done: {:.3f} kimg; run folder {}", state_->cur_nimg / 1000.0, options_.run_dir.string()));
  return {state_->cur_nimg, state_->cur_tick, state_->nonfinite_total, checkpointer_->last()};
}

void Loop::end_tick(double seconds, bool final, bool done) {
  ++state_->cur_tick;
  TickInfo tick;
  tick.seconds = seconds;
  tick.start_nimg = state_->tick_start_nimg;
  tick.means = stats_.means();
  tick.final = final;
  tick.done = done;
  stats_.reset();
  for (auto& action : actions_) action->on_tick(*context_, tick);
  state_->tick_start_nimg = state_->cur_nimg;
}

// uint8 leaves the host (pinned for an asynchronous copy to a GPU) and becomes [-1, 1] floats on
// the device: a quarter of the bytes to move, no wait on the copy.
torch::Tensor Loop::next_reals() {
  RECORD_FUNCTION("ganrig::data", std::vector<c10::IValue>());
  torch::Tensor images = feed_->next_uint8(state_->batch);
  if (device_.is_cuda()) images = images.pin_memory();
  return growth_->fade_reals(to_signed_float(images.to(device_, /*non_blocking=*/true)));
}

void Loop::step() {
  growth_->apply(state_->cur_nimg, *networks_, state_->batch);
  const torch::Tensor real = next_reals();
  Models& m = networks_->models;
  auto g_params = m.generator->parameters();
  auto& d_params = networks_->d_trainable;
  Loss& loss = *m.loss;
  phases_->run("G", *networks_->optimizer_g, g_params, d_params, real, *m.generator, *m.discriminator,
               [&](const LossInputs& in) { return loss.generator_loss(in); });
  phases_->run("D", *networks_->optimizer_d, d_params, g_params, real, *m.generator, *m.discriminator,
               [&](const LossInputs& in) { return loss.discriminator_loss(in); });
  for (const auto& reg : loss.regularizers()) {
    if (reg.interval <= 0 || state_->batch_idx % reg.interval != 0) continue;
    const bool on_g = reg.network == RegularizerSpec::Network::Generator;
    phases_->run(reg.name, on_g ? *networks_->optimizer_g : *networks_->optimizer_d, on_g ? g_params : d_params,
                 on_g ? d_params : g_params, real, *m.generator, *m.discriminator,
                 [&](const LossInputs& in) { return loss.regularizer_loss(reg.name, in); });
  }
  for (auto& p : g_params) p.set_requires_grad(true);
  RECORD_FUNCTION("ganrig::ema", std::vector<c10::IValue>());
  const double beta = settings_.ema_fixed_beta > 0
                          ? settings_.ema_fixed_beta
                          : ema_beta(state_->batch, state_->cur_nimg, settings_.ema_kimg, settings_.ema_rampup);
  update_ema(*m.generator_ema, *m.generator, beta);
  state_->cur_nimg += state_->batch;
  ++state_->batch_idx;
}

TrainResult train(Experiment& experiment, const TrainOptions& options) {
  Loop loop(experiment, options);
  return loop.run();
}

}  // namespace ganrig
