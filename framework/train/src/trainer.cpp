#include "ganrig/train/trainer.hpp"

#include <ATen/Context.h>
#include <ATen/record_function.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "ganrig/atomic_file.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/npy.hpp"
#include "ganrig/toml_file.hpp"
#include "ganrig/validate.hpp"
#include "ganrig/train/config_upgrade.hpp"
#include "ganrig/train/ema.hpp"
#include "ganrig/train/stop_signal.hpp"
#include "loop.hpp"

namespace fs = std::filesystem;

namespace ganrig {

torch::Device resolve_device(const std::string& name, int local_rank) {
  const auto index = static_cast<c10::DeviceIndex>(local_rank);
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, index) : torch::Device(torch::kCPU);
  try {
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
      throw ConfigError(fmt::format("[exec] device = \"{}\": this LibTorch build or machine has no CUDA", name));
    if (device.is_cuda() && !device.has_index()) device = torch::Device(torch::kCUDA, index);
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
      own_world_(options.world ? nullptr : single_process_world()),
      world_(options.world ? *options.world : *own_world_),
      progress_(options.quiet ? "lines" : settings_.progress) {
  configure_runtime();
  share_of(settings_.batch);  // a batch the group cannot share is refused before anything is built
  networks_ = std::make_unique<Networks>(experiment_, device_);
  state_ = std::make_unique<RunState>(device_);
  state_->batch = settings_.batch;
  state_->world_size = world_.size();
  growth_ = std::make_unique<Growth>(networks_->models.schedule, config_, settings_.micro_batch);
  feed_ = std::make_unique<DataFeed>(*networks_->models.dataset, static_cast<std::uint64_t>(experiment_.seed()) + 2);
  const RunLayout layout{options_.run_dir};
  checkpointer_ = std::make_unique<Checkpointer>(layout, *networks_, device_, to_toml(config_, false),
                                                 options_.checkpoint_fault);
  // Every part with state of its own, listed once: saved into and loaded from each checkpoint.
  for (Stateful* part : std::vector<Stateful*>{state_.get(), feed_.get(), &precision_, growth_.get()})
    checkpointer_->add(*part);
  phases_ = std::make_unique<PhaseRunner>(settings_, precision_, stats_, *state_, device_, checkpointer_->last(),
                                          world_, static_cast<std::uint64_t>(experiment_.seed()));
  const Models& m = networks_->models;
  classes_ = std::max(m.generator->classes(), m.discriminator->classes());
  if (classes_ > 0) phases_->condition_on(m.dataset->labels().to(device_), classes_);
  context_ = std::make_unique<LoopContext>(LoopContext{experiment_, config_, settings_, options_, layout,
                                                       device_, *networks_, *state_, *growth_, stats_, progress_,
                                                       *checkpointer_, world_});
}

// Threads, device, precision, cuDNN autotuning and TF32 from [exec].
void Loop::configure_runtime() {
  const ConfigView exec(*config_.table_at("exec"), "exec", &config_);
  const auto threads = exec.integer("threads");
  // 0: the machine's cores, shared among this machine's ranks.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads > 0 ? static_cast<int>(threads) : std::max(1, cores / world_.local_size()));
  device_ = resolve_device(exec.string("device"), world_.local_rank());
  precision_ = Precision(exec.string("precision"), device_);  // fp64: build_models sets the default dtype
  at::globalContext().setBenchmarkCuDNN(exec.boolean("cudnn_benchmark"));
  // LibTorch lets cuDNN convolutions round through TF32 on Ampere and later unless told not to; the
  // official training loop tells it not to (and cuBLAS), "for numerical accuracy".
  at::globalContext().setAllowTF32CuDNN(exec.boolean("allow_tf32"));
  at::globalContext().setAllowTF32CuBLAS(exec.boolean("allow_tf32"));
}

void Loop::synchronize() const {
  if (device_.is_cuda()) torch::cuda::synchronize(device_.index() < 0 ? 0 : device_.index());
}

// Actions are built (and their configuration checked) before the run folder is touched.
void Loop::start() {
  actions_ = make_tick_actions(*context_);
  if (!world_.is_main())  // rank 0 alone writes; the others keep what takes part in a collective
    actions_.erase(std::remove_if(actions_.begin(), actions_.end(), [](const auto& a) { return !a->on_every_rank(); }),
                   actions_.end());
  for (auto& action : actions_) checkpointer_->add(*action);  // their own state, if any
  const RunLayout& layout = context_->layout;
  if (world_.is_main()) {
    fs::create_directories(layout.samples());
    fs::create_directories(layout.checkpoints());
    for (const fs::path& folder : {layout.dir, layout.checkpoints()})
      if (const int removed = remove_stale_temporaries(folder))
        progress_.line(fmt::format("removed {} partial file(s) of an earlier process in {}", removed, folder.string()));
  }
  const bool resumed = options_.resume_from.has_value();
  bool imported = false;  // a checkpoint of `ganrig import`: its networks go on, nothing else
  if (resumed) {
    const fs::path& file = *options_.resume_from;
    const std::string difference = checkpointer_->resume(file, options_.force, [this](const std::string& text) {
      return resolved_as_now(text);
    });
    imported = checkpointer_->resumed_imported();
    if (!difference.empty() && world_.is_main()) {
      progress_.line(fmt::format("resuming with a changed configuration (--force): {}", difference));
      write_file_atomic(layout.resumed_config(state_->cur_nimg), to_toml(config_, true));
    }
    if (imported)
      progress_.line(checkpointer_->imported_discriminator()
                         ? fmt::format("training on from the networks of {} (imported G, G_ema and D): Adam's "
                                       "moments, the loss and progress start fresh",
                                       file.string())
                         : fmt::format("fine-tuning the generator of {} (imported): D, optimizers and progress start "
                                       "fresh",
                                       file.string()));
    else
      progress_.line(fmt::format("resumed from {} at {:.3f} kimg (tick {})", file.string(), state_->cur_nimg / 1000.0,
                                 state_->cur_tick));
    if (!imported && state_->saved_world_size != world_.size())
      progress_.line(fmt::format(
          "warning: this checkpoint was written by {} process(es) and {} now train it: training continues from its "
          "state, but unless each micro-batch keeps its size (see docs/distributed.md) BatchNorm groups and random "
          "streams differ from an uninterrupted run",
          state_->saved_world_size, world_.size()));
  }
  if (!settings_.record_twin.empty()) start_twin_record();
  const bool continued = resumed && !imported;  // progress and records go on
  if (world_.is_main()) write_run_record(*context_, continued);
  growth_->apply(state_->cur_nimg, *networks_, state_->batch);  // samples at kimg 0 show the starting resolution
  synchronize_replicas();
  for (auto& action : actions_) action->on_start(*context_, continued);
}

// One process only, so that the recording is the whole batch.
void Loop::start_twin_record() {
  if (world_.distributed())
    throw ConfigError(fmt::format("{}: a twin recording is made by one process; this run has {}",
                                  config_.origin("exec.record_twin").location(), world_.size()));
  fs::create_directories(settings_.record_twin);
  progress_.line(fmt::format("recording every step's reals, random draws, logits and starting state in {} (a twin "
                             "run: tools/twin/twin_run.py)",
                             settings_.record_twin));
}

std::vector<torch::Tensor> Loop::replica_tensors(bool with_parameters) const {
  std::vector<torch::Tensor> tensors;
  const Models& m = networks_->models;
  for (const auto* module : {static_cast<const torch::nn::Module*>(m.generator.get()),
                             static_cast<const torch::nn::Module*>(m.discriminator.get()),
                             static_cast<const torch::nn::Module*>(m.generator_ema.get())}) {
    if (with_parameters)
      for (const auto& p : module->parameters()) tensors.push_back(p);
    for (const auto& b : module->buffers()) tensors.push_back(b);
  }
  return tensors;
}

void Loop::synchronize_replicas() {
  if (!world_.distributed()) return;
  world_.broadcast(replica_tensors(true));
  check_replicas_agree();
}

void Loop::check_replicas_agree() {
  std::vector<torch::Tensor> parameters;
  for (const auto& p : networks_->models.generator->parameters()) parameters.push_back(p);
  for (const auto& p : networks_->d_trainable) parameters.push_back(p);
  check_same_on_every_rank(world_, fmt::format("the parameters at {:.3f} kimg", state_->cur_nimg / 1000.0),
                           tensors_sha256(parameters));
}

int Loop::stop_signal() {
  const int mine = StopSignalGuard::received();
  if (!world_.distributed()) return mine;
  const bool any = world_.any(mine != 0);  // a signal to one rank stops them all at the same iteration
  return mine ? mine : (any ? SIGTERM : 0);
}

std::int64_t Loop::share_of(std::int64_t batch) const {
  const std::int64_t ranks = world_.size();
  if (batch % ranks != 0)
    throw ConfigError(fmt::format("{}: batch {} cannot be shared by {} processes: the global batch must be a multiple "
                                  "of the world size",
                                  config_.origin("train.batch").location(), batch, ranks));
  const std::int64_t share = batch / ranks;
  const std::int64_t micro = std::min(settings_.micro_batch, share);
  if (share % micro != 0)
    throw ConfigError(fmt::format("{}: each of the {} processes takes {} images of the batch of {}, which [exec] "
                                  "batch_per_device = {} does not divide",
                                  config_.origin("exec.batch_per_device").location(), ranks, share, batch, micro));
  return share;
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
    const int signal = stop_signal();
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
  if (world_.distributed()) {
    // BatchNorm statistics are per rank during the tick (as DDP without buffer broadcast); at its
    // end rank 0's are everyone's, so samples, metrics and the checkpoint see one model.
    world_.broadcast(replica_tensors(false));
    if (options_.debug_sync) check_replicas_agree();
  }
  for (auto& action : actions_) action->on_tick(*context_, tick);
  state_->tick_start_nimg = state_->cur_nimg;
}

std::string config_as_now(const std::string& resolved_toml, const Registry& registry) {
  try {
    Config then;
    then.root = parse_toml_bounded(resolved_toml, "config.resolved.toml");
    validate_experiment(then, registry);
    return to_toml(then, false);
  } catch (const std::exception&) {
    return resolved_toml;
  }
}

// A checkpoint's config with this build's defaults for keys added since it was written: an earlier
// version's run resumes without --force.
std::string Loop::resolved_as_now(const std::string& text) const { return config_as_now(text, experiment_.registry); }

// uint8 leaves the host (pinned for an asynchronous copy to a GPU) and becomes [-1, 1] floats on
// the device: a quarter of the bytes to move, no wait on the copy.
std::pair<torch::Tensor, Condition> Loop::next_reals(std::int64_t share) {
  RECORD_FUNCTION("ganrig::data", std::vector<c10::IValue>());
  torch::Tensor images = feed_->next_uint8(state_->batch, world_.rank() * share, share);
  const Condition real_c = classes_ > 0 ? one_hot_condition(feed_->last_labels(), classes_).to(device_) : Condition();
  if (!settings_.record_twin.empty()) {  // the twin run replays exactly these images
    const fs::path folder = fs::path(settings_.record_twin) / fmt::format("{:06d}", state_->batch_idx);
    fs::create_directories(folder);
    write_npy(folder / "reals.npy", images);
  }
  if (device_.is_cuda()) images = images.pin_memory();
  return {growth_->fade_reals(to_signed_float(images.to(device_, /*non_blocking=*/true))), real_c};
}

void Loop::step() {
  growth_->apply(state_->cur_nimg, *networks_, state_->batch);
  if (!settings_.record_twin.empty())  // the state this step starts from (networks and Adam's moments)
    checkpointer_->save_as(fs::path(settings_.record_twin) / fmt::format("start-{:06d}.pt", state_->batch_idx));
  const auto [real, real_c] = next_reals(share_of(state_->batch));
  Models& m = networks_->models;
  auto g_params = m.generator->parameters();
  auto& d_params = networks_->d_trainable;
  Loss& loss = *m.loss;
  phases_->run("G", *networks_->optimizer_g, g_params, d_params, real, real_c, *m.generator, *m.discriminator,
               [&](const LossInputs& in) { return loss.generator_loss(in); });
  phases_->run("D", *networks_->optimizer_d, d_params, g_params, real, real_c, *m.generator, *m.discriminator,
               [&](const LossInputs& in) { return loss.discriminator_loss(in); });
  for (const auto& reg : loss.regularizers()) {
    if (reg.interval <= 0 || state_->batch_idx % reg.interval != 0) continue;
    const bool on_g = reg.network == RegularizerSpec::Network::Generator;
    phases_->run(reg.name, on_g ? *networks_->optimizer_g : *networks_->optimizer_d, on_g ? g_params : d_params,
                 on_g ? d_params : g_params, real, real_c, *m.generator, *m.discriminator,
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
