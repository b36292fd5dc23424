#pragma once
// Writes and reads the run's checkpoints. A checkpoint holds the networks and optimizers plus the
// state of every Stateful part of the run, each listed once here (run counters and RNG, data
// order, precision scaler, growth phase, tick actions' own state), and the resolved config.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ganrig/run_dir.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/networks.hpp"
#include "ganrig/train/stateful.hpp"

namespace ganrig {

class Checkpointer {
 public:
  using FaultHook = std::function<void(const std::filesystem::path&)>;  // tests: a kill before the rename
  // Checkpoints are read onto `device` (the run's), whatever device wrote them.
  Checkpointer(RunLayout layout, Networks& networks, torch::Device device, std::string config_text,
               FaultHook fault = {});

  // A part whose state goes into every checkpoint (call before the first write or resume).
  void add(Stateful& part) { parts_.push_back(&part); }

  // checkpoints/snapshot-<nimg>.pt
  void snapshot(std::int64_t nimg);
  // A checkpoint at `file` outside the run's list (last() unchanged), e.g. a twin run's start.
  void save_as(const std::filesystem::path& file) const { write(file, {}); }
  // best.pt: a copy of the snapshot written at `nimg` if there is one, else a new checkpoint.
  void write_best(std::int64_t nimg);
  bool has_snapshot_at(std::int64_t nimg) const;
  // The newest checkpoint this session wrote or resumed from (empty before the first).
  const std::filesystem::path& last() const { return last_; }

  // The config text a checkpoint was written with, as this build resolves it (keys added since
  // then get their defaults), so that a checkpoint of an earlier version compares key by key.
  using ConfigUpgrade = std::function<std::string(const std::string& config_toml)>;
  // Loads every part from `file`. A checkpoint whose science config differs from this run's is
  // refused unless `force`; returns the first difference (empty when none).
  std::string resume(const std::filesystem::path& file, bool force, const ConfigUpgrade& upgrade = {});
  // The checkpoint resumed from was written by `ganrig import`: G and G_ema came from it, and D when
  // it held one (imported_discriminator()); the loss, optimizers (Adam's moments) and progress start fresh.
  bool resumed_imported() const { return imported_; }
  bool imported_discriminator() const { return imported_discriminator_; }

 private:
  void write(const std::filesystem::path& file, const FaultHook& fault) const;
  CheckpointParts network_parts() const;

  RunLayout layout_;
  Networks& networks_;
  torch::Device device_;
  std::string config_text_;
  FaultHook fault_;
  std::vector<Stateful*> parts_;
  std::filesystem::path last_;
  bool imported_ = false;
  bool imported_discriminator_ = false;
};

}  // namespace ganrig
