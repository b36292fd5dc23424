#pragma once
// Run folders: runs/<experiment>/<NNNNN>-<desc>/ with config.resolved.toml, plugins.json,
// env.json, stats.jsonl, samples/ and checkpoints/.
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
std::string describe_overrides(const std::vector<std::string>& overrides);

bool is_run_dir(const std::filesystem::path& path);

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
