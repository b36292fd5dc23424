#include "ganrig/train/checkpoint.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

void save_module(torch::serialize::OutputArchive& archive, const char* key, const torch::nn::Module* module) {
  if (!module) return;
  torch::serialize::OutputArchive nested;
  module->save(nested);
  archive.write(key, nested);
}

void load_module(torch::serialize::InputArchive& archive, const char* key, torch::nn::Module* module,
                 const fs::path& file) {
  if (!module) return;
  torch::serialize::InputArchive nested;
  if (!archive.try_read(key, nested))
    throw Error(fmt::format("checkpoint {} has no '{}'", file.string(), key));
  module->load(nested);
}

}  // namespace

void write_checkpoint(const fs::path& file, const CheckpointParts& parts,
                      const std::function<void(const fs::path&)>& before_commit) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string("ganrig-checkpoint-1")));
  archive.write("config_toml", c10::IValue(parts.config_toml));
  save_module(archive, "generator", parts.generator);
  save_module(archive, "generator_ema", parts.generator_ema);
  save_module(archive, "discriminator", parts.discriminator);
  save_module(archive, "loss", parts.loss);
  if (parts.optimizer_g) {
    torch::serialize::OutputArchive nested;
    parts.optimizer_g->save(nested);
    archive.write("optimizer_g", nested);
  }
  if (parts.optimizer_d) {
    torch::serialize::OutputArchive nested;
    parts.optimizer_d->save(nested);
    archive.write("optimizer_d", nested);
  }
  torch::serialize::OutputArchive state;
  for (const auto& [key, tensor] : parts.state) state.write(key, tensor.to(torch::kCPU));
  archive.write("state", state);
  write_atomically(file, [&](const fs::path& temporary) { archive.save_to(temporary.string()); }, before_commit);
}

void read_checkpoint(const fs::path& file, CheckpointParts& parts) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const std::exception& e) {
    throw Error(fmt::format("cannot read checkpoint {}: {}", file.string(), e.what()));
  }
  c10::IValue format;
  if (!archive.try_read("format", format) || format.toStringRef() != "ganrig-checkpoint-1")
    throw Error(fmt::format("{} is not a ganrig checkpoint", file.string()));
  load_module(archive, "generator", parts.generator, file);
  load_module(archive, "generator_ema", parts.generator_ema, file);
  load_module(archive, "discriminator", parts.discriminator, file);
  load_module(archive, "loss", parts.loss, file);
  if (parts.optimizer_g) {
    torch::serialize::InputArchive nested;
    archive.read("optimizer_g", nested);
    parts.optimizer_g->load(nested);
  }
  if (parts.optimizer_d) {
    torch::serialize::InputArchive nested;
    archive.read("optimizer_d", nested);
    parts.optimizer_d->load(nested);
  }
  torch::serialize::InputArchive state;
  archive.read("state", state);
  parts.state.clear();
  for (const auto& key : state.keys()) {
    torch::Tensor t;
    state.read(key, t);
    parts.state[key] = t;
  }
  c10::IValue config;
  archive.read("config_toml", config);
  parts.config_toml = config.toStringRef();
}

std::string read_checkpoint_config(const fs::path& file) {
  torch::serialize::InputArchive archive;
  archive.load_from(file.string());
  c10::IValue config;
  archive.read("config_toml", config);
  return config.toStringRef();
}

}  // namespace ganrig
