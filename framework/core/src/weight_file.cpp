#include "ganrig/weight_file.hpp"

#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/config_view.hpp"
#include "ganrig/dry_run.hpp"
#include "ganrig/error.hpp"
#include "ganrig/sha256.hpp"

namespace ganrig {

torch::Tensor WeightFile::get(const std::string& name, const std::vector<std::int64_t>& shape) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw Error(fmt::format("{}: no tensor '{}'", file.string(), name));
  if (it->second.sizes().vec() != shape)
    throw Error(fmt::format("{}: tensor '{}' has shape {}, expected {}", file.string(), name,
                            fmt::join(it->second.sizes().vec(), "x"), fmt::join(shape, "x")));
  return it->second;
}

WeightFile read_weight_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open weight file {}", file.string()));
  char magic[8];
  std::uint64_t header_length = 0;
  in.read(magic, 8);
  in.read(reinterpret_cast<char*>(&header_length), 8);
  if (!in || std::memcmp(magic, "GANRIGW1", 8) != 0 || header_length > (1u << 30))
    throw Error(fmt::format("{} is not a ganrig weight file (GANRIGW1)", file.string()));
  std::string header(header_length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_length));
  const auto json = nlohmann::json::parse(header, nullptr, false);
  if (json.is_discarded() || !json.contains("tensors"))
    throw Error(fmt::format("{}: corrupt header", file.string()));
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t floats = data.size() / sizeof(float);
  torch::Tensor all = torch::empty({static_cast<std::int64_t>(floats)}, torch::kFloat32);
  std::memcpy(all.data_ptr<float>(), data.data(), floats * sizeof(float));
  WeightFile out;
  out.file = file;
  out.source_json = json.value("source", nlohmann::json::object()).dump();
  for (const auto& t : json["tensors"]) {
    const std::vector<std::int64_t> shape = t["shape"].get<std::vector<std::int64_t>>();
    std::int64_t count = 1;
    for (auto s : shape) count *= s;
    const std::int64_t offset = t["offset"].get<std::int64_t>();
    if (offset < 0 || offset + count > static_cast<std::int64_t>(floats))
      throw Error(fmt::format("{}: tensor {} lies outside the file (truncated?)", file.string(),
                              t["name"].get<std::string>()));
    out.tensors[t["name"].get<std::string>()] = all.narrow(0, offset, count).view(shape);
  }
  out.sha256 = sha256_file(file);
  return out;
}

std::optional<WeightFile> load_component_weights(const ConfigView& cfg, const std::string& default_file,
                                                 const std::string& how_to_create) {
  std::string path = cfg.string("weights");
  if (path.empty()) path = (cache_dir() / default_file).string();
  if (DryRun::active()) {  // the structure only: the weights are neither needed nor read
    if (!std::filesystem::exists(path) && !cfg.boolean("allow_random"))
      DryRun::note_missing(fmt::format("{}pretrained weights {}: {}", cfg.where("weights"), path, how_to_create));
    return std::nullopt;
  }
  if (std::filesystem::exists(path)) return read_weight_file(path);
  if (cfg.boolean("allow_random")) return std::nullopt;
  throw ConfigError(fmt::format("{}the pretrained weight file {} does not exist; {} (or set allow_random = true to run "
                                "with random weights, recorded in the run)",
                                cfg.where("weights"), path, how_to_create));
}

std::string weights_identity(const std::optional<WeightFile>& weights) {
  return weights ? "sha256:" + weights->sha256 : "random (allow_random = true; no pretrained weights)";
}

std::filesystem::path cache_dir() {
  if (const char* env = std::getenv("GANRIG_CACHE"); env && *env) return env;
  return std::filesystem::path(GANRIG_SOURCE_DIR) / "cache";
}

std::string load_frozen_weights(torch::nn::Module& network, const ConfigView& cfg, const std::string& default_file,
                                const std::string& how_to_create, const std::function<void(const WeightFile&)>& load) {
  const auto weights = load_component_weights(cfg, default_file, how_to_create);
  if (weights) load(*weights);
  for (auto& p : network.parameters()) p.set_requires_grad(false);
  network.eval();
  return weights_identity(weights);
}

}  // namespace ganrig
