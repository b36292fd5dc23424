#include "ganrig/train/checkpoint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

constexpr const char* kFormat = "ganrig-checkpoint-1";

// LibTorch's message without its C++ stack trace, first line only.
std::string short_reason(const c10::Error& e) {
  const std::string what = e.what_without_backtrace();
  return what.substr(0, what.find('\n'));
}

void save_module(torch::serialize::OutputArchive& archive, const char* key, const torch::nn::Module* module) {
  if (!module) return;
  torch::serialize::OutputArchive nested;
  module->save(nested);
  archive.write(key, nested);
}

std::string shape_text(const torch::Tensor& t) { return "[" + fmt::format("{}", fmt::join(t.sizes(), ", ")) + "]"; }

// LibTorch's Module::load replaces each tensor whatever its shape, so a checkpoint of a network
// with other widths would load silently: every parameter and buffer must exist with its shape.
std::string first_misfit(const torch::nn::Module& module, torch::serialize::InputArchive& archive,
                         const std::string& prefix) {
  for (const auto& [items, is_buffer] : {std::pair{module.named_parameters(false), false},
                                         std::pair{module.named_buffers(false), true}}) {
    for (const auto& item : items) {
      torch::Tensor stored;
      if (!archive.try_read(item.key(), stored, is_buffer)) return fmt::format("it has no '{}{}'", prefix, item.key());
      if (stored.sizes() != item.value().sizes())
        return fmt::format("'{}{}' has shape {} there, {} here", prefix, item.key(), shape_text(stored),
                           shape_text(item.value()));
    }
  }
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive nested;
    if (!archive.try_read(child.key(), nested)) return fmt::format("it has no submodule '{}{}'", prefix, child.key());
    const std::string misfit = first_misfit(*child.value(), nested, prefix + child.key() + ".");
    if (!misfit.empty()) return misfit;
  }
  return {};
}

void check_fits(const torch::nn::Module& module, torch::serialize::InputArchive& archive, const char* key,
                const fs::path& file) {
  const std::string misfit = first_misfit(module, archive, "");
  if (!misfit.empty())
    throw CheckpointError(fmt::format("checkpoint {}: its '{}' does not fit this experiment's network: {}; it was "
                                      "written for a network of another structure",
                                      file.string(), key, misfit));
}
void check_fits(const torch::optim::Optimizer&, torch::serialize::InputArchive&, const char*, const fs::path&) {}

template <class Part>
void load_nested(torch::serialize::InputArchive& archive, const char* key, Part* part, const fs::path& file) {
  if (!part) return;
  torch::serialize::InputArchive nested;
  if (!archive.try_read(key, nested))
    throw CheckpointError(fmt::format("checkpoint {} has no '{}'", file.string(), key));
  check_fits(*part, nested, key, file);
  try {
    part->load(nested);
  } catch (const c10::Error& e) {
    throw CheckpointError(fmt::format("checkpoint {}: its '{}' does not fit this experiment's network ({}); it was "
                                      "written for networks of another structure",
                                      file.string(), key, short_reason(e)));
  }
}

}  // namespace

void write_checkpoint(const fs::path& file, const CheckpointParts& parts,
                      const std::function<void(const fs::path&)>& before_commit) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("config_toml", c10::IValue(parts.config_toml));
  save_module(archive, "generator", parts.generator);
  save_module(archive, "generator_ema", parts.generator_ema);
  save_module(archive, "discriminator", parts.discriminator);
  save_module(archive, "loss", parts.loss);
  const std::pair<const char*, torch::optim::Optimizer*> optimizers[] = {{"optimizer_g", parts.optimizer_g},
                                                                          {"optimizer_d", parts.optimizer_d}};
  for (const auto& [key, optimizer] : optimizers) {
    if (!optimizer) continue;
    torch::serialize::OutputArchive nested;
    optimizer->save(nested);
    archive.write(key, nested);
  }
  torch::serialize::OutputArchive state;
  for (const auto& [key, tensor] : parts.state) state.write(key, tensor.to(torch::kCPU));
  archive.write("state", state);
  write_atomically(file, [&](const fs::path& temporary) { save_checksummed(archive, temporary); }, before_commit);
}

Checkpoint::Checkpoint(const fs::path& file, torch::Device device) : file_(file), integrity_(verify_checkpoint_file(file)) {
  try {
    archive_.load_from(file.string(), device);
  } catch (const c10::Error& e) {
    throw CheckpointError(fmt::format("cannot read checkpoint {}: {}", file.string(), short_reason(e)));
  }
  c10::IValue format;
  if (!archive_.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
    throw CheckpointError(fmt::format("{} is not a ganrig checkpoint", file.string()));
}

std::string Checkpoint::config_toml() {
  c10::IValue config;
  if (!archive_.try_read("config_toml", config) || !config.isString())
    throw CheckpointError(fmt::format("checkpoint {} holds no resolved config", file_.string()));
  return config.toStringRef();
}

bool Checkpoint::imported() {
  torch::serialize::InputArchive nested;
  return !archive_.try_read("optimizer_g", nested);
}

bool Checkpoint::has_discriminator() {
  torch::serialize::InputArchive nested;
  return archive_.try_read("discriminator", nested);
}

void Checkpoint::restore(CheckpointParts& parts) {
  load_nested(archive_, "generator", parts.generator, file_);
  load_nested(archive_, "generator_ema", parts.generator_ema, file_);
  load_nested(archive_, "discriminator", parts.discriminator, file_);
  load_nested(archive_, "loss", parts.loss, file_);
  load_nested(archive_, "optimizer_g", parts.optimizer_g, file_);
  load_nested(archive_, "optimizer_d", parts.optimizer_d, file_);
  torch::serialize::InputArchive state;
  if (!archive_.try_read("state", state)) throw CheckpointError(fmt::format("checkpoint {} has no 'state'", file_.string()));
  parts.state.clear();
  for (const auto& key : state.keys()) {
    torch::Tensor t;
    state.read(key, t);
    parts.state[key] = t.to(torch::kCPU);  // RNG states and counters live on the host
  }
  parts.config_toml = config_toml();
}

void read_checkpoint(const fs::path& file, CheckpointParts& parts) { Checkpoint(file, torch::kCPU).restore(parts); }

std::string read_checkpoint_config(const fs::path& file) { return Checkpoint(file, torch::kCPU).config_toml(); }

fs::path newest_intact_checkpoint_read_only(const fs::path& run_dir, const std::function<void(const std::string&)>& warn) {
  std::vector<std::string> damaged;
  for (const auto& file : snapshots_newest_first(run_dir)) {
    try {
      verify_checkpoint_file(file);
    } catch (const CheckpointError& e) {
      damaged.push_back(e.what());
      continue;
    }
    for (const auto& why : damaged) warn(fmt::format("{}; using {} instead", why, file.filename().string()));
    return file;
  }
  for (const auto& why : damaged) warn(why);
  return {};
}

fs::path newest_intact_checkpoint(const fs::path& run_dir, const std::function<void(const std::string&)>& warn) {
  for (fs::path file = latest_checkpoint(run_dir); !file.empty(); file = latest_checkpoint(run_dir)) {
    try {
      if (verify_checkpoint_file(file) == Integrity::no_checksum)
        warn(fmt::format("{} was written without a checksum (an older ganrig); it is not verified", file.string()));
      return file;
    } catch (const CheckpointError& e) {
      fs::path aside = file;
      aside += ".damaged";
      std::error_code error;
      fs::rename(file, aside, error);
      if (error) throw;
      warn(fmt::format("{}; renamed it to {} and falling back to the previous snapshot", e.what(), aside.string()));
    }
  }
  return {};
}

}  // namespace ganrig
