#include "ganrig/run_dir.hpp"

#include "ganrig/cpu_runtime.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ganrig/child_process.hpp"
#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/toml_file.hpp"

namespace fs = std::filesystem;

namespace ganrig {

fs::path create_run_dir(const fs::path& root, const std::string& name, const std::string& desc) {
  const fs::path parent = root / name;
  fs::create_directories(parent);
  int next = 0;
  for (const auto& e : fs::directory_iterator(parent)) {
    const std::string n = e.path().filename().string();
    if (n.size() >= 5 && std::all_of(n.begin(), n.begin() + 5, [](unsigned char c) { return std::isdigit(c); }))
      next = std::max(next, std::stoi(n.substr(0, 5)) + 1);
  }
  for (;; ++next) {
    const fs::path dir = parent / fmt::format("{:05d}-{}", next, desc.empty() ? "run" : desc);
    if (fs::create_directory(dir)) return dir;  // false: taken by a concurrent run, try the next number
  }
}

void check_run_desc(const std::string& desc) {
  std::string shown;  // the text as a shell would quote it, control characters escaped
  for (unsigned char c : desc) shown += (c < 0x20 || c == 0x7f) ? fmt::format("\\x{:02x}", c) : std::string(1, char(c));
  const auto bad = std::find_if(desc.begin(), desc.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f || c == '/'; });
  std::string problem;
  if (bad != desc.end())
    problem = *bad == '/' ? fmt::format("'/' at byte {}", bad - desc.begin() + 1)
                          : fmt::format("a control character (0x{:02x}) at byte {}", static_cast<unsigned char>(*bad),
                                        bad - desc.begin() + 1);
  else if (desc == "." || desc == "..")
    problem = "a folder name of its own";
  else if (desc.size() > 100)
    problem = fmt::format("{} bytes", desc.size());
  if (!problem.empty())
    throw Error(fmt::format("--desc \"{}\": {}; a run folder's suffix is one line of at most 100 bytes without '/' "
                            "(nothing was created)",
                            shown.substr(0, 120), problem));
}

std::string describe_overrides(const std::vector<std::string>& overrides) {
  std::string desc;
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    std::string key = o.substr(0, eq);
    key = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
    std::string part = key + (eq == std::string::npos ? "" : o.substr(eq + 1));
    std::string clean;
    for (unsigned char c : part) clean += (std::isalnum(c) || c == '.' || c == '-' || c == '_') ? char(c) : '_';
    desc += (desc.empty() ? "" : "-") + clean;
  }
  return desc.size() > 80 ? desc.substr(0, 80) : desc;
}

bool is_run_dir(const fs::path& path) {
  return fs::is_directory(path) && fs::exists(RunLayout{path}.resolved_config());
}

fs::path RunLayout::snapshot(std::int64_t nimg) const {
  return checkpoints() / fmt::format("snapshot-{:09d}.pt", nimg);
}
fs::path RunLayout::fakes(std::int64_t nimg) const { return samples() / fmt::format("fakes-{:09d}", nimg); }
fs::path RunLayout::resumed_config(std::int64_t nimg) const {
  return dir / fmt::format("config.resumed-{:09d}.toml", nimg);
}

std::vector<fs::path> snapshots_newest_first(const fs::path& run_dir) {
  const fs::path folder = RunLayout{run_dir}.checkpoints();
  std::vector<fs::path> found;
  if (!fs::is_directory(folder)) return found;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    // Complete checkpoints only: temporaries end in .tmp-<pid>, set-aside ones in .damaged.
    if (name.rfind("snapshot-", 0) == 0 && e.path().extension() == ".pt") found.push_back(e.path());
  }
  std::sort(found.rbegin(), found.rend());  // names hold zero-padded image counts
  return found;
}

fs::path latest_checkpoint(const fs::path& run_dir) {
  const auto found = snapshots_newest_first(run_dir);
  return found.empty() ? fs::path() : found.front();
}

std::string plugins_json(const Registry& registry) {
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& p : registry.plugins()) {
    nlohmann::json components = nlohmann::json::array();
    for (const auto* e : registry.entries())
      if (e->plugin_file == p.file) components.push_back(e->kind + "/" + e->name);
    plugins.push_back({{"name", p.name},
                       {"version", p.version},
                       {"file", p.file},
                       {"sha256", p.sha256},
                       {"compiler", p.compiler},
                       {"torch_version", p.torch_version},
                       {"components", components}});
  }
  return plugins.dump(2) + "\n";
}

namespace {
// What a command printed, without its trailing newline; empty when it failed or is not installed.
std::string command_output(const std::vector<std::string>& args) {
  ProcessOptions options;
  options.stderr_to = ProcessOptions::Stderr::discard;
  const ProcessResult result = run_process(args, options);
  std::string out = result.exit_code == 0 ? result.output : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}
}  // namespace

std::string env_json(const std::string& device, const std::string& command_line,
                     const std::map<std::string, std::string>& pretrained) {
  const std::string source = GANRIG_SOURCE_DIR;
  const std::string commit = command_output({"git", "-C", source, "rev-parse", "HEAD"});
  const std::string dirty = command_output({"git", "-C", source, "status", "--porcelain", "--untracked-files=no"});
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  const PluginInfo build = host_build_info();
  nlohmann::json env = {
      {"ganrig_version", build.version},
      {"git_commit", commit.empty() ? "unknown" : commit},
      {"git_dirty", !dirty.empty()},
      {"torch_version", build.torch_version},
      {"compiler", build.compiler},
      {"cxx11_abi", build.cxx11_abi},
      {"device", device},
      {"cuda_available", torch::cuda::is_available()},
      {"cuda_device_count", torch::cuda::device_count()},
      {"threads", torch::get_num_threads()},
      {"cpu_runtime", cpu_runtime_info()},
      {"hostname", host},
      {"command_line", command_line},
      {"started_at", now_iso8601()},
      {"pretrained_weights", pretrained},
  };
  return env.dump(2) + "\n";
}

std::string science_config(const std::string& toml_text) {
  Config parsed;
  parsed.root = parse_toml_bounded(toml_text, "config.resolved.toml");
  return to_toml(parsed, false, {"exec"});
}

}  // namespace ganrig
