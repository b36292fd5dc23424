#include "ganrig/train/trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <limits>
#include <thread>

#include "ganrig/build_context.hpp"
#include "ganrig/metrics/evaluator.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/ema.hpp"
#include "ganrig/train/progress.hpp"
#include "ganrig/train/precision.hpp"
#include "ganrig/train/profile.hpp"
#include "ganrig/train/run_dir.hpp"
#include "ganrig/train/stats.hpp"

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

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  double total_kimg, tick_kimg, snapshot_kimg, sample_kimg, ema_kimg, ema_rampup, ema_fixed_beta;
  std::int64_t batch, micro_batch, grid_rows, grid_cols, max_nonfinite;
  bool sanitize;
  std::string progress;
};

Settings read_settings(const Config& config) {
  const ConfigView train(*config.table_at("train"), "train", &config);
  const ConfigView exec(*config.table_at("exec"), "exec", &config);
  Settings s{};
  s.total_kimg = train.real("total_kimg");
  s.tick_kimg = train.real("tick_kimg");
  s.snapshot_kimg = train.real("snapshot_kimg");
  s.sample_kimg = train.real("sample_kimg");
  s.ema_kimg = train.real("ema_kimg");
  s.ema_rampup = train.real("ema_rampup");
  s.ema_fixed_beta = train.real("ema_beta");
  s.batch = train.integer("batch");
  // No split unless asked: the whole (possibly schedule-given) batch in one pass.
  s.micro_batch = exec.integer("batch_per_device") > 0 ? exec.integer("batch_per_device")
                                                       : std::numeric_limits<std::int64_t>::max();
  const auto grid = train.integers("sample_grid");
  s.grid_rows = grid[0];
  s.grid_cols = grid[1];
  s.max_nonfinite = train.integer("max_nonfinite_steps");
  s.sanitize = train.boolean("sanitize_gradients");
  s.progress = exec.string("progress");
  return s;
}

torch::optim::AdamOptions adam_options(const Config& config, const std::string& path) {
  const ConfigView v(*config.table_at(path), path, &config);
  const auto betas = v.reals("betas");
  return torch::optim::AdamOptions(v.real("lr")).betas({betas[0], betas[1]}).eps(v.real("eps"));
}

double learning_rate(torch::optim::Optimizer& optimizer) {
  return static_cast<torch::optim::AdamOptions&>(optimizer.param_groups().at(0).options()).lr();
}

// Runs a block of code without disturbing the training random streams (sampling uses noise too).
template <class F>
void with_forked_rng(const torch::Device& device, F body) {
  auto& cpu = at::globalContext().defaultGenerator(torch::kCPU);
  const torch::Tensor cpu_state = cpu.get_state();
  torch::Tensor cuda_state;
  if (device.is_cuda()) cuda_state = at::globalContext().defaultGenerator(device).get_state();
  body();
  const_cast<at::Generator&>(cpu).set_state(cpu_state);
  if (device.is_cuda()) const_cast<at::Generator&>(at::globalContext().defaultGenerator(device)).set_state(cuda_state);
}

std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ra = static_cast<bool>(std::getline(sa, la));
    const bool rb = static_cast<bool>(std::getline(sb, lb));
    if (!ra && !rb) return "";
    if (la != lb || ra != rb) return fmt::format("checkpoint has '{}', now '{}'", ra ? la : "(end)", rb ? lb : "(end)");
  }
}

// Drops stats lines written after the checkpoint we resume from (a kill between them).
void truncate_stats(const fs::path& file, std::int64_t last_tick) {
  if (!fs::exists(file)) return;
  std::ifstream in(file);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && json.value("tick", std::int64_t{0}) <= last_tick) kept += line + "\n";
  }
  write_file_atomic(file, kept);
}

// Drops metric lines of evaluations after `last_nimg` (a kill after them, before a checkpoint) and
// returns the best value of `metric` among those kept.
std::optional<double> truncate_metrics(const fs::path& file, std::int64_t last_nimg, const std::string& metric) {
  if (!fs::exists(file)) return std::nullopt;
  std::ifstream in(file);
  std::string line, kept;
  std::optional<double> best;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || json.value("nimg", std::int64_t{0}) > last_nimg) continue;
    kept += line + "\n";
    if (json.value("metric", "") == metric && json.contains("value") && json["value"].is_number()) {
      const double v = json["value"].get<double>();
      if (!best || v < *best) best = v;
    }
  }
  write_file_atomic(file, kept);
  return best;
}

class Loop {
 public:
  Loop(Experiment& experiment, const TrainOptions& options)
      : experiment_(experiment),
        options_(options),
        config_(experiment.config),
        s_(read_settings(config_)),
        device_(torch::kCPU),
        progress_(options.quiet ? "lines" : s_.progress) {}

  TrainResult run() {
    setup();
    const std::int64_t total_nimg = static_cast<std::int64_t>(s_.total_kimg * 1000.0 + 0.5);
    Clock::time_point tick_start = Clock::now();
    std::int64_t ticks_this_session = 0;
    while (cur_nimg_ < total_nimg) {
      step();
      const bool done = cur_nimg_ >= total_nimg;
      const bool tick_done = cur_nimg_ >= tick_start_nimg_ + static_cast<std::int64_t>(s_.tick_kimg * 1000.0);
      const double tick_seconds = std::chrono::duration<double>(Clock::now() - tick_start).count();
      if (!tick_done && !done) {
        live_line(tick_seconds, total_nimg);
        continue;
      }
      ++ticks_this_session;
      const bool stop = options_.stop_after_ticks > 0 && ticks_this_session >= options_.stop_after_ticks;
      end_tick(tick_seconds, total_nimg, done || stop, done);
      if (stop && !done) {
        progress_.line(fmt::format("stopped after {} ticks as asked; resume with: ganrig train {}", ticks_this_session,
                                   options_.run_dir.string()));
        break;
      }
      tick_start = Clock::now();
    }
    if (cur_nimg_ >= total_nimg) progress_.line(fmt::format("done: {:.3f} kimg; run folder {}", cur_nimg_ / 1000.0,
                                                            options_.run_dir.string()));
    return {cur_nimg_, cur_tick_, nonfinite_total_, last_checkpoint_};
  }

  // Measures training iterations without a run folder (ganrig bench).
  BenchResult bench(std::int64_t warmup, std::int64_t iterations, std::int64_t profile_iterations) {
    build();
    for (std::int64_t i = 0; i < warmup; ++i) step();
    synchronize();
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < iterations; ++i) step();
    synchronize();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    BenchResult r;
    r.parameters = count_parameters(models_);
    r.seconds_per_iteration = seconds / static_cast<double>(std::max<std::int64_t>(iterations, 1));
    r.images_per_second = static_cast<double>(batch_) / r.seconds_per_iteration;
    r.batch = batch_;
    r.peak_rss_mib = peak_rss_mib();
    r.peak_cuda_mib = peak_cuda_mib(device_);
    r.device = device_.str();
    r.threads = torch::get_num_threads();
    r.precision = precision_.name();
    if (profile_iterations > 0)
      r.profile = format_profile(ganrig::profile_iterations([&] { step(); }, profile_iterations, [&] { synchronize(); }));
    return r;
  }

 private:
  void synchronize() {
    if (device_.is_cuda()) torch::cuda::synchronize(device_.index() < 0 ? 0 : device_.index());
  }

  void setup() {
    build();
    build_evaluator();
    prepare_run_dir();
  }

  // [eval] metrics: detectors are built (and their weights checked) before training starts.
  void build_evaluator() {
    EvalSettings settings = eval_settings(config_);
    if (settings.metrics.empty()) return;
    const ConfigView eval(*config_.table_at("eval"), "eval", &config_);
    eval_interval_kimg_ = eval.real("interval_kimg");
    for (const auto& spec : settings.metrics)
      if (spec.has_scalar) {
        best_metric_ = spec.name;
        break;
      }
    evaluator_ = std::make_unique<Evaluator>(experiment_.registry, config_, *models_.dataset, settings, device_);
    // A metric on the discriminator's own pretrained features can be gamed (Kynkaanniemi et al. 2023).
    for (const auto& [detector, sha] : evaluator_->detector_weights())
      for (const auto& [where, id] : pretrained_weights())
        if (id == "sha256:" + sha)
          throw ConfigError(fmt::format("{}: detector '{}' has the same weights as the projector {}; a metric must not "
                                        "use the network the discriminator sees",
                                        config_.origin("eval.metrics").location(), detector, where));
  }

  void evaluate_metrics() {
    const auto eval_start = Clock::now();
    std::vector<MetricResult> results;
    with_forked_rng(device_, [&] {
      results = evaluator_->evaluate(*models_.generator_ema, [&](const std::string& status) { progress_.live(status); });
    });
    const bool snapshot_here = !last_checkpoint_.empty() &&
                               last_checkpoint_.filename() == fmt::format("snapshot-{:09d}.pt", cur_nimg_);
    std::ofstream out(options_.run_dir / "metrics.jsonl", std::ios::app);
    for (const auto& r : results) {
      nlohmann::json line = to_json(r);
      line["kimg"] = cur_nimg_ / 1000.0;
      line["nimg"] = cur_nimg_;
      line["tick"] = cur_tick_;
      line["snapshot"] = snapshot_here ? nlohmann::json(last_checkpoint_.filename().string()) : nlohmann::json();
      out << line.dump() << "\n";
      progress_.line("metric " + summary(r));
      if (r.metric == best_metric_ && r.value && (!best_value_ || *r.value < *best_value_)) {
        best_value_ = r.value;
        write_best(snapshot_here);
        progress_.line(fmt::format("best.pt: {} = {:.4g} at {:.3f} kimg", r.metric, *r.value, cur_nimg_ / 1000.0));
      }
    }
    eval_seconds_ += std::chrono::duration<double>(Clock::now() - eval_start).count();
  }

  void build() {
    const ConfigView exec(*config_.table_at("exec"), "exec", &config_);
    const auto threads = exec.integer("threads");
    torch::set_num_threads(threads > 0 ? static_cast<int>(threads)
                                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    device_ = resolve_device(exec.string("device"));
    precision_ = Precision(exec.string("precision"), device_);
    at::globalContext().setBenchmarkCuDNN(exec.boolean("cudnn_benchmark"));
    models_ = build_models(experiment_);
    models_.generator->to(device_);
    models_.generator_ema->to(device_);
    models_.discriminator->to(device_);
    models_.loss->to(device_);
    models_.generator->train();
    models_.discriminator->train();
    for (auto& p : models_.discriminator->parameters())
      if (p.requires_grad()) d_trainable_.push_back(p);
    optimizer_g_ = std::make_unique<torch::optim::Adam>(models_.generator->parameters(),
                                                        adam_options(config_, "optim.generator"));
    optimizer_d_ = std::make_unique<torch::optim::Adam>(d_trainable_, adam_options(config_, "optim.discriminator"));
    feed_ = std::make_unique<DataFeed>(*models_.dataset, static_cast<std::uint64_t>(experiment_.seed()) + 2);
    batch_ = s_.batch;
    {
      BuildContext ctx(experiment_.registry, config_, models_.dataset->shape(), experiment_.seed());
      sink_ = ctx.component<ImageSink>(ConfigView(*config_.table_at("exec"), "exec", &config_), "sample_format");
    }
    // Fixed latents for the sample grids, from their own stream.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(experiment_.seed()) + 1);
    fixed_z_ = torch::randn({s_.grid_rows * s_.grid_cols, models_.generator->latent_dim()}, gen).to(device_);
    config_text_ = to_toml(config_, false);
  }

  void prepare_run_dir() {
    const fs::path& dir = options_.run_dir;
    fs::create_directories(dir / "samples");
    fs::create_directories(dir / "checkpoints");
    if (options_.resume_from) {
      resume(*options_.resume_from);
    } else {
      write_file_atomic(dir / "config.resolved.toml",
                        "# Resolved by ganrig: every effective value, with where it came from.\n" +
                            to_toml(config_, true));
      write_file_atomic(dir / "plugins.json", plugins_json(experiment_.registry));
      write_file_atomic(dir / "env.json", env_json(device_.str(), options_.command_line, pretrained_weights()));
      write_reals();
      apply_schedule();  // samples at kimg 0 show the starting resolution
      write_samples();
    }
    const auto counts = count_parameters(models_);
    progress_.line(fmt::format("run {}: {} on {} | G {} params, D {} trainable + {} frozen | {} images {}x{}x{}",
                               dir.string(), experiment_.name(), device_.str(), counts.generator,
                               counts.discriminator_trainable, counts.discriminator_frozen, models_.dataset->size(),
                               models_.dataset->shape().channels, models_.dataset->shape().resolution,
                               models_.dataset->shape().resolution));
  }

  // Identity of the weights of every frozen pretrained network inside the models.
  std::map<std::string, std::string> pretrained_weights() const {
    std::map<std::string, std::string> out;
    for (const auto& [prefix, net] : std::vector<std::pair<std::string, torch::nn::Module*>>{
             {"generator", models_.generator.get()}, {"discriminator", models_.discriminator.get()}})
      for (const auto& item : net->named_modules(prefix))
        if (auto projector = std::dynamic_pointer_cast<Projector>(item.value())) out[item.key()] = projector->weights_id();
    return out;
  }

  CheckpointParts parts() {
    CheckpointParts p;
    p.generator = models_.generator.get();
    p.generator_ema = models_.generator_ema.get();
    p.discriminator = models_.discriminator.get();
    p.loss = models_.loss.get();
    p.optimizer_g = optimizer_g_.get();
    p.optimizer_d = optimizer_d_.get();
    return p;
  }

  void resume(const fs::path& file) {
    const std::string saved = read_checkpoint_config(file);
    const std::string difference = first_difference(science_config(saved), science_config(config_text_));
    if (!difference.empty()) {
      if (!options_.force)
        throw Error(fmt::format("refusing to resume from {}: the configuration changed ({}); pass --force to resume "
                                "anyway",
                                file.string(), difference));
      progress_.line(fmt::format("resuming with a changed configuration (--force): {}", difference));
    }
    CheckpointParts p = parts();
    read_checkpoint(file, p);
    cur_nimg_ = p.state.at("cur_nimg").item<std::int64_t>();
    if (!difference.empty())
      write_file_atomic(options_.run_dir / fmt::format("config.resumed-{:09d}.toml", cur_nimg_), to_toml(config_, true));
    cur_tick_ = p.state.at("cur_tick").item<std::int64_t>();
    batch_idx_ = p.state.at("batch_idx").item<std::int64_t>();
    nonfinite_total_ = p.state.at("nonfinite_total").item<std::int64_t>();
    elapsed_before_ = p.state.at("elapsed_seconds").item<double>();
    if (p.state.count("eval_seconds")) eval_seconds_ = p.state.at("eval_seconds").item<double>();
    if (p.state.count("growth_phase")) growth_phase_ = p.state.at("growth_phase").item<std::int64_t>();
    tick_start_nimg_ = cur_nimg_;
    const_cast<at::Generator&>(at::globalContext().defaultGenerator(torch::kCPU)).set_state(p.state.at("rng_cpu"));
    if (device_.is_cuda() && p.state.count("rng_cuda"))
      const_cast<at::Generator&>(at::globalContext().defaultGenerator(device_)).set_state(p.state.at("rng_cuda"));
    feed_->load(p.state);
    precision_.load(p.state);
    truncate_stats(options_.run_dir / "stats.jsonl", cur_tick_);
    best_value_ = truncate_metrics(options_.run_dir / "metrics.jsonl", cur_nimg_, best_metric_);
    progress_.line(fmt::format("resumed from {} at {:.3f} kimg (tick {})", file.string(), cur_nimg_ / 1000.0, cur_tick_));
  }

  void snapshot() {
    const fs::path file = options_.run_dir / "checkpoints" / fmt::format("snapshot-{:09d}.pt", cur_nimg_);
    write_checkpoint(file, checkpoint_parts(), options_.checkpoint_fault);
    last_checkpoint_ = file;
  }

  // best.pt: a copy of the snapshot just written at this point, or a new checkpoint when there is
  // none (temporary file + rename either way, so a kill leaves the previous best.pt intact).
  void write_best(bool snapshot_here) {
    const fs::path best = options_.run_dir / "best.pt";
    if (!snapshot_here) {
      write_checkpoint(best, checkpoint_parts());
      return;
    }
    const fs::path temporary = best.string() + ".tmp";
    fs::copy_file(last_checkpoint_, temporary, fs::copy_options::overwrite_existing);
    fs::rename(temporary, best);
  }

  CheckpointParts checkpoint_parts() {
    CheckpointParts p = parts();
    p.config_toml = config_text_;
    p.state["cur_nimg"] = torch::tensor(cur_nimg_, torch::kLong);
    p.state["cur_tick"] = torch::tensor(cur_tick_, torch::kLong);
    p.state["batch_idx"] = torch::tensor(batch_idx_, torch::kLong);
    p.state["nonfinite_total"] = torch::tensor(nonfinite_total_, torch::kLong);
    p.state["elapsed_seconds"] = torch::tensor(elapsed(), torch::kDouble);
    p.state["eval_seconds"] = torch::tensor(eval_seconds_, torch::kDouble);
    p.state["growth_phase"] = torch::tensor(growth_phase_, torch::kLong);
    p.state["rng_cpu"] = at::globalContext().defaultGenerator(torch::kCPU).get_state();
    if (device_.is_cuda()) p.state["rng_cuda"] = at::globalContext().defaultGenerator(device_).get_state();
    feed_->save(p.state);
    precision_.save(p.state);
    return p;
  }

  // One phase: zero grads, accumulate over micro-batches, check the loss, sanitize, step.
  template <class LossFn>
  void phase(const char* name, torch::optim::Optimizer& optimizer, std::vector<torch::Tensor>& params,
             const std::vector<torch::Tensor>& frozen, const torch::Tensor& real, LossFn loss_fn) {
    for (auto& p : frozen) p.set_requires_grad(false);
    for (auto& p : params) p.set_requires_grad(true);
    optimizer.zero_grad();
    const std::int64_t micro = std::min(s_.micro_batch, batch_);
    const std::int64_t rounds = batch_ / micro;
    torch::Tensor total = torch::zeros({}, device_);
    const std::string scope = std::string("ganrig::") + name;
    for (std::int64_t r = 0; r < rounds; ++r) {
      const torch::Tensor real_part = real.narrow(0, r * micro, micro);
      const torch::Tensor z = torch::randn({micro, models_.generator->latent_dim()}, torch::device(device_));
      LossInputs in{*models_.generator, *models_.discriminator, real_part, z, stats_};
      torch::Tensor loss;
      {
        RECORD_FUNCTION(scope + "_forward", std::vector<c10::IValue>());
        Precision::ForwardGuard autocast(precision_);
        loss = loss_fn(in).to(torch::kFloat);
      }
      {
        RECORD_FUNCTION(scope + "_backward", std::vector<c10::IValue>());
        precision_.scale(loss / static_cast<double>(rounds)).backward();
      }
      total += loss.detach();
    }
    RECORD_FUNCTION(scope + "_optimizer", std::vector<c10::IValue>());
    const double value = total.item<double>() / static_cast<double>(rounds);
    if (!std::isfinite(value)) {
      optimizer.zero_grad();
      ++nonfinite_total_;
      ++nonfinite_streak_;
      stats_.add("nonfinite/skipped", 1.0);
      if (nonfinite_streak_ >= s_.max_nonfinite)
        throw NonFiniteLossError(fmt::format(
            "stopping: {} steps in a row had a non-finite loss (last: {} loss = {} at {:.3f} kimg); the last good "
            "checkpoint is {}",
            nonfinite_streak_, name, value, cur_nimg_ / 1000.0,
            last_checkpoint_.empty() ? std::string("(none yet)") : last_checkpoint_.string()));
      return;
    }
    nonfinite_streak_ = 0;
    stats_.add(std::string("loss/") + name, value);
    if (!precision_.unscale_and_check(params)) {  // fp16 overflow: the scaler lowers its scale
      optimizer.zero_grad();
      stats_.add("amp/skipped", 1.0);
      return;
    }
    if (s_.sanitize)
      for (auto& p : params)
        if (p.grad().defined()) p.grad().nan_to_num_(0.0, 1e5, -1e5);
    optimizer.step();
  }

  // Progressive growing: the schedule sets resolution, fade-in alpha, batch and learning rates.
  void apply_schedule() {
    if (!models_.schedule) return;
    const ScheduleState st = models_.schedule->at(cur_nimg_);
    if (growth_phase_ >= 0 && st.phase != growth_phase_ && models_.schedule->reset_optimizers_on_growth()) {
      optimizer_g_ = std::make_unique<torch::optim::Adam>(models_.generator->parameters(),
                                                          adam_options(config_, "optim.generator"));
      optimizer_d_ = std::make_unique<torch::optim::Adam>(d_trainable_, adam_options(config_, "optim.discriminator"));
    }
    growth_phase_ = st.phase;
    growth_ = st;
    if (st.lr_generator > 0)
      static_cast<torch::optim::AdamOptions&>(optimizer_g_->param_groups().at(0).options()).lr(st.lr_generator);
    if (st.lr_discriminator > 0)
      static_cast<torch::optim::AdamOptions&>(optimizer_d_->param_groups().at(0).options()).lr(st.lr_discriminator);
    for (torch::nn::Module* net : std::vector<torch::nn::Module*>{models_.generator.get(), models_.generator_ema.get(),
                                                                 models_.discriminator.get()})
      if (auto* growing = dynamic_cast<Growing*>(net)) growing->set_growth(st.resolution, st.alpha);
    if (st.batch > 0) batch_ = st.batch;
    if (batch_ % std::min(s_.micro_batch, batch_) != 0)
      throw ConfigError(fmt::format("the schedule's batch {} at resolution {} is not a multiple of [exec] batch_per_device {}",
                                    batch_, st.resolution, s_.micro_batch));
  }

  // Real images at the schedule's resolution (box-downsampled), blended during a fade-in with
  // their 2x-downsampled-then-upsampled copy, as PGGAN does.
  torch::Tensor at_current_resolution(torch::Tensor real) const {
    if (!models_.schedule) return real;
    const std::int64_t full = real.size(2);
    if (growth_.resolution < full) real = torch::avg_pool2d(real, full / growth_.resolution);
    if (growth_.alpha < 1.0) {
      const torch::Tensor low = torch::upsample_nearest2d(torch::avg_pool2d(real, 2), {real.size(2), real.size(3)});
      real = low + (real - low) * growth_.alpha;
    }
    return real;
  }

  void step() {
    apply_schedule();
    torch::Tensor real;
    {
      RECORD_FUNCTION("ganrig::data", std::vector<c10::IValue>());
      // uint8 leaves the host (pinned for an asynchronous copy to a GPU) and becomes [-1, 1] floats
      // on the device: a quarter of the bytes to move, no wait on the copy.
      torch::Tensor images = feed_->next_uint8(batch_);
      if (device_.is_cuda()) images = images.pin_memory();
      real = at_current_resolution(to_signed_float(images.to(device_, /*non_blocking=*/true)));
    }
    auto g_params = models_.generator->parameters();
    Loss& loss = *models_.loss;
    phase("G", *optimizer_g_, g_params, d_trainable_, real,
          [&](const LossInputs& in) { return loss.generator_loss(in); });
    phase("D", *optimizer_d_, d_trainable_, g_params, real,
          [&](const LossInputs& in) { return loss.discriminator_loss(in); });
    for (const auto& reg : loss.regularizers()) {
      if (reg.interval <= 0 || batch_idx_ % reg.interval != 0) continue;
      const bool on_g = reg.network == RegularizerSpec::Network::Generator;
      phase(reg.name.c_str(), on_g ? *optimizer_g_ : *optimizer_d_, on_g ? g_params : d_trainable_,
            on_g ? d_trainable_ : g_params, real,
            [&](const LossInputs& in) { return loss.regularizer_loss(reg.name, in); });
    }
    for (auto& p : g_params) p.set_requires_grad(true);
    RECORD_FUNCTION("ganrig::ema", std::vector<c10::IValue>());
    update_ema(*models_.generator_ema, *models_.generator,
               s_.ema_fixed_beta > 0 ? s_.ema_fixed_beta : ema_beta(batch_, cur_nimg_, s_.ema_kimg, s_.ema_rampup));
    cur_nimg_ += batch_;
    ++batch_idx_;
  }

  double elapsed() const {
    return elapsed_before_ + std::chrono::duration<double>(Clock::now() - session_start_).count();
  }

  void live_line(double tick_seconds, std::int64_t total_nimg) {
    if (!progress_.is_live()) return;
    const double tick_kimg = (cur_nimg_ - tick_start_nimg_) / 1000.0;
    const double sec_per_kimg = tick_kimg > 0 ? tick_seconds / tick_kimg : 0.0;
    const auto means = stats_.means();
    progress_.live(fmt::format("kimg {:.2f}/{:.2f}  sec/kimg {:.2f}  ETA {}  G {:.4f}  D {:.4f}", cur_nimg_ / 1000.0,
                               total_nimg / 1000.0, sec_per_kimg,
                               format_duration((total_nimg - cur_nimg_) / 1000.0 * sec_per_kimg),
                               means.count("loss/G") ? means.at("loss/G") : 0.0,
                               means.count("loss/D") ? means.at("loss/D") : 0.0));
  }

  static bool crossed(std::int64_t before, std::int64_t after, double interval_kimg) {
    const auto interval = std::max<std::int64_t>(1, static_cast<std::int64_t>(interval_kimg * 1000.0 + 0.5));
    return before / interval < after / interval;
  }

  void end_tick(double tick_seconds, std::int64_t total_nimg, bool final, bool done) {
    ++cur_tick_;
    const double tick_kimg = (cur_nimg_ - tick_start_nimg_) / 1000.0;
    const double sec_per_kimg = tick_seconds / std::max(tick_kimg, 1e-9);
    nlohmann::json line = {{"tick", cur_tick_},
                           {"kimg", cur_nimg_ / 1000.0},
                           {"batch_idx", batch_idx_},
                           {"sec_per_tick", tick_seconds},
                           {"sec_per_kimg", sec_per_kimg},
                           {"total_seconds", elapsed()},
                           {"eval_seconds_total", eval_seconds_},
                           {"peak_rss_mib", peak_rss_mib()},
                           {"lr/G", learning_rate(*optimizer_g_)},
                           {"lr/D", learning_rate(*optimizer_d_)},
                           {"nonfinite/total", nonfinite_total_}};
    if (device_.is_cuda()) line["peak_cuda_mib"] = peak_cuda_mib(device_);
    if (models_.schedule) {
      line["resolution"] = growth_.resolution;
      line["alpha"] = growth_.alpha;
      line["batch"] = batch_;
    }
    for (const auto& [name, value] : stats_.means()) line[name] = value;
    if (!line.contains("nonfinite/skipped")) line["nonfinite/skipped"] = 0;
    {
      std::ofstream out(options_.run_dir / "stats.jsonl", std::ios::app);
      out << line.dump() << "\n";
    }
    const auto means = stats_.means();
    progress_.line(fmt::format("tick {:<4d} kimg {:8.3f}/{:.3f}  sec/kimg {:7.2f}  ETA {:>7}  G {:.4f}  D {:.4f}  "
                               "rss {:.0f} MiB",
                               cur_tick_, cur_nimg_ / 1000.0, total_nimg / 1000.0, sec_per_kimg,
                               format_duration((total_nimg - cur_nimg_) / 1000.0 * sec_per_kimg),
                               means.count("loss/G") ? means.at("loss/G") : 0.0,
                               means.count("loss/D") ? means.at("loss/D") : 0.0, peak_rss_mib()));
    stats_.reset();
    if (final || crossed(tick_start_nimg_, cur_nimg_, s_.sample_kimg)) write_samples();
    if (final || crossed(tick_start_nimg_, cur_nimg_, s_.snapshot_kimg)) snapshot();
    if (evaluator_ && (done || (eval_interval_kimg_ > 0 && crossed(tick_start_nimg_, cur_nimg_, eval_interval_kimg_))))
      evaluate_metrics();
    tick_start_nimg_ = cur_nimg_;
  }

  void write_reals() {
    const std::int64_t n = s_.grid_rows * s_.grid_cols;
    const torch::Tensor& images = models_.dataset->images();
    torch::Tensor picked = images.narrow(0, 0, std::min<std::int64_t>(n, images.size(0)));
    if (picked.size(0) < n)  // tiny datasets: repeat to fill the grid
      picked = picked.repeat({(n + picked.size(0) - 1) / picked.size(0), 1, 1, 1}).narrow(0, 0, n);
    sink_->write(options_.run_dir / "samples" / "reals", make_grid(to_signed_float(picked), s_.grid_rows, s_.grid_cols));
  }

  void write_samples() {
    with_forked_rng(device_, [&] {
      torch::NoGradGuard no_grad;
      std::vector<torch::Tensor> chunks;
      const std::int64_t chunk = std::min<std::int64_t>(s_.micro_batch, 64);
      for (std::int64_t i = 0; i < fixed_z_.size(0); i += chunk)
        chunks.push_back(models_.generator_ema->forward(fixed_z_.narrow(0, i, std::min(chunk, fixed_z_.size(0) - i))));
      torch::Tensor fakes = torch::cat(chunks);
      const std::int64_t full = models_.dataset->shape().resolution;
      if (fakes.size(2) != full) fakes = torch::upsample_nearest2d(fakes, {full, full});
      sink_->write(options_.run_dir / "samples" / fmt::format("fakes-{:09d}", cur_nimg_),
                   make_grid(fakes, s_.grid_rows, s_.grid_cols));
    });
  }

  Experiment& experiment_;
  const TrainOptions& options_;
  Config& config_;
  Settings s_;
  torch::Device device_;
  Precision precision_;
  Progress progress_;
  Models models_;
  std::vector<torch::Tensor> d_trainable_;
  std::unique_ptr<torch::optim::Adam> optimizer_g_, optimizer_d_;
  std::unique_ptr<DataFeed> feed_;
  std::shared_ptr<ImageSink> sink_;
  torch::Tensor fixed_z_;
  std::string config_text_;
  TickStats stats_;
  std::int64_t cur_nimg_ = 0, cur_tick_ = 0, batch_idx_ = 0, tick_start_nimg_ = 0;
  std::int64_t nonfinite_total_ = 0, nonfinite_streak_ = 0;
  std::int64_t batch_ = 0, growth_phase_ = -1;
  ScheduleState growth_;
  double elapsed_before_ = 0.0;
  Clock::time_point session_start_ = Clock::now();
  fs::path last_checkpoint_;
  std::unique_ptr<Evaluator> evaluator_;
  double eval_interval_kimg_ = 0;
  double eval_seconds_ = 0;  // time spent evaluating metrics (part of total_seconds)
  std::string best_metric_;
  std::optional<double> best_value_;
};

}  // namespace

TrainResult train(Experiment& experiment, const TrainOptions& options) {
  Loop loop(experiment, options);
  return loop.run();
}

BenchResult bench(Experiment& experiment, std::int64_t warmup, std::int64_t iterations,
                  std::int64_t profile_iterations) {
  TrainOptions options;
  options.quiet = true;
  Loop loop(experiment, options);
  return loop.bench(warmup, iterations, profile_iterations);
}

}  // namespace ganrig
