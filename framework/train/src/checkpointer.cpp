#include "ganrig/train/checkpointer.hpp"

#include <fmt/format.h>

#include <sstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"
#include "ganrig/train/checkpoint.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

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

}  // namespace

// The networks and optimizers; `state` and the config are filled by the caller.
CheckpointParts Checkpointer::network_parts() const {
  const Models& m = networks_.models;
  return {m.generator.get(), m.generator_ema.get(), m.discriminator.get(), m.loss.get(),
          networks_.optimizer_g.get(), networks_.optimizer_d.get(), {}, {}};
}

Checkpointer::Checkpointer(RunLayout layout, Networks& networks, torch::Device device, std::string config_text,
                           FaultHook fault)
    : layout_(std::move(layout)),
      networks_(networks),
      device_(device),
      config_text_(std::move(config_text)),
      fault_(std::move(fault)) {}

void Checkpointer::write(const fs::path& file, const FaultHook& fault) const {
  CheckpointParts p = network_parts();
  p.config_toml = config_text_;
  for (const Stateful* part : parts_) part->save(p.state);
  write_checkpoint(file, p, fault);
}

void Checkpointer::snapshot(std::int64_t nimg) {
  const fs::path file = layout_.snapshot(nimg);
  write(file, fault_);
  last_ = file;
}

bool Checkpointer::has_snapshot_at(std::int64_t nimg) const { return !last_.empty() && last_ == layout_.snapshot(nimg); }

// A copy of the snapshot just written, or a new checkpoint (atomically either way, so a kill leaves
// the previous best.pt intact).
void Checkpointer::write_best(std::int64_t nimg) {
  if (has_snapshot_at(nimg))
    copy_file_atomic(last_, layout_.best());
  else
    write(layout_.best(), {});
}

std::string Checkpointer::resume(const fs::path& file, bool force, const ConfigUpgrade& upgrade) {
  Checkpoint checkpoint(file, device_);  // verified; tensors straight onto this run's device
  imported_ = checkpoint.imported();
  if (imported_) {  // `ganrig import`: training starts from its networks, the rest fresh
    imported_discriminator_ = checkpoint.has_discriminator();
    CheckpointParts p;
    p.generator = networks_.models.generator.get();
    p.generator_ema = networks_.models.generator_ema.get();
    if (imported_discriminator_) p.discriminator = networks_.models.discriminator.get();
    checkpoint.restore(p);
    last_ = file;
    return {};
  }
  // Both sides through the same upgrade, so only what the configs say differs, not how they are written.
  const std::string then = upgrade ? upgrade(checkpoint.config_toml()) : checkpoint.config_toml();
  const std::string now = upgrade ? upgrade(config_text_) : config_text_;
  const std::string difference = first_difference(science_config(then), science_config(now));
  if (!difference.empty() && !force)
    throw Error(fmt::format("refusing to resume from {}: the configuration changed ({}); pass --force to resume anyway",
                            file.string(), difference));
  CheckpointParts p = network_parts();
  try {
    checkpoint.restore(p);
  } catch (const CheckpointError& e) {
    if (difference.empty()) throw;
    throw CheckpointError(fmt::format("{}. --force resumes across configuration changes that keep the networks' "
                                      "structure (learning rates, schedules, metrics), not across architectures",
                                      e.what()));
  }
  for (Stateful* part : parts_) part->load(p.state);
  last_ = file;
  return difference;
}

}  // namespace ganrig
