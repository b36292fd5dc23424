#pragma once
// Run folders: runs/<experiment>/<NNNNN>-<desc>/ with config.resolved.toml, plugins.json,
// env.json, stats.jsonl, samples/ and checkpoints/.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ganrig/registry.hpp"

namespace ganrig {

// Creates the next numbered run folder under root/name (never reuses a number).
std::filesystem::path create_run_dir(const std::filesystem::path& root, const std::string& name,
                                     const std::string& desc);

// A folder name fragment from --set overrides ("train.batch=32" -> "batch32").
// Refuses a --desc that cannot be one folder name's suffix, before anything is made: a control
// character (a newline would split every listing of runs), '/', "." or "..", more than 100 bytes.
void check_run_desc(const std::string& desc);

std::string describe_overrides(const std::vector<std::string>& overrides);

bool is_run_dir(const std::filesystem::path& path);

// Where each file of a run folder lives; the one place that spells the names.
struct RunLayout {
  std::filesystem::path dir;
  std::filesystem::path resolved_config() const { return dir / "config.resolved.toml"; }
  std::filesystem::path plugins() const { return dir / "plugins.json"; }
  std::filesystem::path env() const { return dir / "env.json"; }
  std::filesystem::path stats() const { return dir / "stats.jsonl"; }
  std::filesystem::path metrics() const { return dir / "metrics.jsonl"; }
  std::filesystem::path report() const { return dir / "report.html"; }
  std::filesystem::path best() const { return dir / "best.pt"; }
  std::filesystem::path samples() const { return dir / "samples"; }
  std::filesystem::path checkpoints() const { return dir / "checkpoints"; }
  std::filesystem::path snapshot(std::int64_t nimg) const;   // checkpoints/snapshot-<nimg, 9 digits>.pt
  std::filesystem::path fakes(std::int64_t nimg) const;      // samples/fakes-<nimg> (the sink adds the extension)
  std::filesystem::path reals() const { return samples() / "reals"; }
  std::filesystem::path resumed_config(std::int64_t nimg) const;  // config.resumed-<nimg>.toml
};

// The complete checkpoints of a run folder (checkpoints/snapshot-*.pt), newest first.
std::vector<std::filesystem::path> snapshots_newest_first(const std::filesystem::path& run_dir);
// The newest of them, or empty.
std::filesystem::path latest_checkpoint(const std::filesystem::path& run_dir);

// The part of a resolved config that defines the science: everything but [exec], as TOML text.
// Resuming compares it; tables match runs to rows by it.
std::string science_config(const std::string& toml_text);

// plugins.json: name, version, file and sha256 of every loaded plugin.
std::string plugins_json(const Registry& registry);

// env.json: git commit and dirty flag, libtorch version, device, threads, host, command line.
// `pretrained` lists the identity of every pretrained (frozen) network's weights, e.g. a projector's
// "sha256:..." or "random (...)".
std::string env_json(const std::string& device, const std::string& command_line,
                     const std::map<std::string, std::string>& pretrained = {});

}  // namespace ganrig
