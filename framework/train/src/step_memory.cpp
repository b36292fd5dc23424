// Measures the memory of a forward pass per image and refuses a micro-batch that cannot fit
// (step_memory.hpp).
#include "ganrig/train/step_memory.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ganrig/config.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/error.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/memory_use.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/precision.hpp"

namespace ganrig {

namespace {

std::string size_text(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024) return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024 * 1024));
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
}

// Restores a module's train/eval mode on exit.
class EvalMode {
 public:
  explicit EvalMode(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalMode() { module_.train(was_training_); }

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

std::int64_t micro_batch_of(const Config& config, int world_size) {
  const std::int64_t batch = ConfigView(*config.table_at("train"), "train", &config).integer("batch");
  const std::int64_t per_device = ConfigView(*config.table_at("exec"), "exec", &config).integer("batch_per_device");
  const std::int64_t share = std::max<std::int64_t>(1, batch / std::max(1, world_size));
  return per_device > 0 ? std::min(per_device, share) : share;
}

}  // namespace

std::optional<StepMemory> measure_step_memory(const Models& models, const Config& config, int world_size,
                                              const torch::Device& device, const std::string& precision) {
  if (!device.is_cpu() || !models.generator || !models.discriminator) return std::nullopt;
  StepMemory m;
  m.micro_batch = micro_batch_of(config, world_size);
  m.available_bytes = memory_available_bytes();
  EvalMode g_mode(*models.generator), d_mode(*models.discriminator);
  auto own_stream = at::detail::createCPUGenerator(12345);  // the run's global stream stays untouched
  const torch::Tensor z =
      at::randn({m.measured_images, models.generator->latent_dim()}, own_stream, torch::TensorOptions());
  const Precision forward_precision(precision, device);
  const std::int64_t before = heap_bytes_in_use();
  {
    Precision::ForwardGuard autocast(forward_precision);
    // A conditional run's networks get labels (class 0 for all: the memory does not depend on which).
    const std::int64_t classes = std::max(models.generator->classes(), models.discriminator->classes());
    const Condition c = classes ? torch::one_hot(torch::zeros({z.size(0)}, torch::kLong), classes).to(z.dtype()) : Condition();
    const torch::Tensor logits = models.discriminator->forward(models.generator->forward(z, c), c);
    m.bytes_per_image = std::max<double>(0, heap_bytes_in_use() - before) / static_cast<double>(m.measured_images);
  }
  m.needed_bytes = m.bytes_per_image * static_cast<double>(m.micro_batch);
  return m;
}

void refuse_step_beyond_memory(const StepMemory& m, const Config& config) {
  if (m.available_bytes < 0 || m.needed_bytes <= static_cast<double>(m.available_bytes)) return;
  const bool accumulating = ConfigView(*config.table_at("exec"), "exec", &config).integer("batch_per_device") > 0;
  throw ConfigError(fmt::format(
      "{}: {}: {}; {} (gradient accumulation: the same step in smaller micro-batches)",
      config.origin(accumulating ? "exec.batch_per_device" : "train.batch").location(),
      accumulating ? "[exec] batch_per_device" : "[train] batch", describe_step_memory(m),
      accumulating ? "lower it to a divisor of [train] batch that fits"
                   : "lower it, or set [exec] batch_per_device to a divisor of it that fits"));
}

std::string describe_step_memory(const StepMemory& m) {
  return fmt::format("one step at a micro-batch of {} images needs at least {} ({} per image: G and D forward with "
                     "autograd, measured at {} images); {} available",
                     m.micro_batch, size_text(m.needed_bytes), size_text(m.bytes_per_image), m.measured_images,
                     m.available_bytes < 0 ? std::string("unknown memory") : size_text(m.available_bytes));
}

}  // namespace ganrig
