#include "ganrig/study/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"
#include "ganrig/text.hpp"

namespace fs = std::filesystem;

namespace ganrig::study {

namespace {

// A value as --set TOML text: strings double-quoted, floats in their shortest exact form.
std::string toml_text(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    std::string out = "\"";
    for (char c : s->get()) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return out + "\"";
  }
  if (const auto* f = node.as_floating_point()) {
    std::string text = fmt::format("{}", f->get());
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    return text;
  }
  std::ostringstream out;
  node.visit([&](auto&& value) { out << value; });
  return out.str();
}

// A folder-name-safe label of a value: strings as they are, numbers in their TOML form.
std::string label(const toml::node& node) {
  std::string text = node.is_string() ? node.as_string()->get() : toml_text(node);
  if (node.is_floating_point()) text = fmt::format("{}", node.as_floating_point()->get());
  for (char& c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+') c = '_';
  return text;
}

std::string shell_quote(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:+,") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Sweep read_sweep(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  const std::vector<std::string> allowed = {"base", "mode", "seeds", "set", "axes"};
  for (const auto& [key, node] : root)
    if (std::find(allowed.begin(), allowed.end(), std::string(key.str())) == allowed.end())
      throw ConfigError(fmt::format("{}: unknown sweep key '{}'{}; allowed: {}", toml_where(file, node), key.str(),
                                    did_you_mean(std::string(key.str()), allowed), join(allowed, ", ")));
  Sweep s;
  s.file = file;
  const auto* base = root.get_as<std::string>("base");
  if (!base) throw ConfigError(fmt::format("{}:1:1: a sweep needs base = \"EXPERIMENT.toml\"", file.string()));
  s.base = fs::path(base->get()).is_absolute() ? fs::path(base->get()) : file.parent_path() / base->get();
  if (!fs::exists(s.base))
    throw ConfigError(fmt::format("{}: base experiment {} does not exist", toml_where(file, *base), s.base.string()));
  if (const auto* mode = root.get("mode")) {
    if (!mode->is_string() || (mode->as_string()->get() != "grid" && mode->as_string()->get() != "zip"))
      throw ConfigError(fmt::format("{}: mode must be \"grid\" or \"zip\"", toml_where(file, *mode)));
    s.mode = mode->as_string()->get();
  }
  if (const auto* seeds = root.get("seeds")) {
    if (!seeds->is_array()) throw ConfigError(fmt::format("{}: seeds must be an array of integers", toml_where(file, *seeds)));
    for (const auto& v : *seeds->as_array()) {
      if (!v.is_integer() || v.as_integer()->get() < 0)
        throw ConfigError(fmt::format("{}: seeds must be non-negative integers", toml_where(file, v)));
      s.seeds.push_back(v.as_integer()->get());
    }
  }
  if (const auto* set = root.get("set")) {
    if (!set->is_array()) throw ConfigError(fmt::format("{}: set must be an array of \"key=VALUE\"", toml_where(file, *set)));
    for (const auto& v : *set->as_array()) {
      if (!v.is_string()) throw ConfigError(fmt::format("{}: set must be an array of \"key=VALUE\"", toml_where(file, v)));
      s.set.push_back(v.as_string()->get());
    }
  }
  const auto* axes = root.get_as<toml::table>("axes");
  // Axes in the order the file lists them (toml++ tables iterate sorted by key).
  std::vector<std::pair<std::string, const toml::node*>> ordered;
  if (axes) {
    for (const auto& [key, node] : *axes) ordered.push_back({std::string(key.str()), &node});
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
      const auto& x = a.second->source().begin;
      const auto& y = b.second->source().begin;
      return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
  }
  {
    for (const auto& [key, node_ptr] : ordered) {
      const toml::node& node = *node_ptr;
      if (!node.is_array() || node.as_array()->empty())
        throw ConfigError(fmt::format("{}: axis '{}' must be a non-empty array of values", toml_where(file, node), key));
      SweepAxis axis{key, {}, toml_where(file, node)};
      for (const auto& v : *node.as_array()) axis.values.push_back(toml_text(v));
      s.axes.push_back(axis);
    }
  }
  // Folder names use each axis key's last part, unless two axes share it.
  std::map<std::string, int> last_parts;
  auto last_part = [](const std::string& k) { return k.substr(k.rfind('.') + 1); };
  for (const auto& a : s.axes) ++last_parts[last_part(a.key)];
  std::vector<std::vector<std::string>> labels;
  for (const auto& [key, node] : ordered) {
    std::vector<std::string> l;
    for (const auto& v : *node->as_array()) l.push_back(label(v));
    labels.push_back(l);
  }

  std::vector<std::vector<std::size_t>> combos;
  if (s.axes.empty()) {
    combos.push_back({});
  } else if (s.mode == "zip") {
    const std::size_t n = s.axes.front().values.size();
    for (const auto& a : s.axes)
      if (a.values.size() != n)
        throw ConfigError(fmt::format("{}: mode = \"zip\" needs axes of equal length; '{}' has {} values, '{}' has {}",
                                      a.where, s.axes.front().key, n, a.key, a.values.size()));
    for (std::size_t i = 0; i < n; ++i) combos.push_back(std::vector<std::size_t>(s.axes.size(), i));
  } else {
    combos.push_back({});
    for (const auto& a : s.axes) {
      std::vector<std::vector<std::size_t>> next;
      for (const auto& c : combos)
        for (std::size_t i = 0; i < a.values.size(); ++i) {
          auto d = c;
          d.push_back(i);
          next.push_back(d);
        }
      combos = next;
    }
  }
  const std::vector<std::int64_t> seeds = s.seeds.empty() ? std::vector<std::int64_t>{-1} : s.seeds;
  std::set<std::string> descs;
  for (const auto& combo : combos)
    for (const std::int64_t seed : seeds) {
      SweepRun run;
      run.overrides = s.set;
      std::vector<std::string> parts;
      for (std::size_t a = 0; a < s.axes.size(); ++a) {
        const auto& axis = s.axes[a];
        run.overrides.push_back(axis.key + "=" + axis.values[combo[a]]);
        const std::string name = last_parts[last_part(axis.key)] > 1 ? axis.key : last_part(axis.key);
        parts.push_back(name + "-" + labels[a][combo[a]]);
      }
      if (seed >= 0) {
        run.overrides.push_back(fmt::format("experiment.seed={}", seed));
        parts.push_back(fmt::format("seed-{}", seed));
        run.seed = seed;
      }
      run.desc = parts.empty() ? "base" : join(parts, "_");
      if (!descs.insert(run.desc).second)
        throw ConfigError(fmt::format("{}: two runs would share the folder name '{}' (repeated axis values?)",
                                      file.string(), run.desc));
      s.runs.push_back(run);
    }
  return s;
}

std::vector<std::string> train_arguments(const Sweep& sweep, const SweepRun& run, const fs::path& run_root) {
  std::vector<std::string> args = {"train", sweep.base.string()};
  for (const auto& o : run.overrides) {
    args.push_back("--set");
    args.push_back(o);
  }
  args.insert(args.end(), {"--desc", run.desc, "--run-root", run_root.string()});
  return args;
}

std::string slurm_script(const Sweep& sweep, const std::string& ganrig, const fs::path& run_root) {
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# SLURM job array for " << sweep.file.string() << ": one array task per run (" << sweep.runs.size()
      << " runs).\n# Generated by `ganrig sweep --emit slurm`; submit with: sbatch THIS_FILE. Edit the resources.\n"
      << "# Each task runs `ganrig sweep --index N`: it skips a finished run, resumes an interrupted one\n"
      << "# and starts a new one otherwise, exactly as a local `ganrig sweep` does.\n"
      << "#SBATCH --job-name=" << sweep.file.stem().string() << "\n"
      << "#SBATCH --array=0-" << sweep.runs.size() - 1 << "\n"
      << "#SBATCH --gres=gpu:1\n#SBATCH --cpus-per-task=8\n#SBATCH --time=24:00:00\n"
      << "#SBATCH --output=" << (run_root / "sweeps" / sweep.file.stem()).string() << "-%a.log\n\n";
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    std::string line;
    for (const auto& a : train_arguments(sweep, sweep.runs[i], run_root)) line += " " + shell_quote(a);
    out << "# " << i << ":" << line << "\n";
  }
  out << "\nset -euo pipefail\n"
      << "exec " << shell_quote(ganrig) << " sweep " << shell_quote(fs::absolute(sweep.file).string())
      << " --run-root " << shell_quote(fs::absolute(run_root).string()) << " --index \"$SLURM_ARRAY_TASK_ID\"\n";
  return out.str();
}

}  // namespace ganrig::study
