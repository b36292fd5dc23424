#include "ganrig/study/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "ganrig/document.hpp"
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

Schema sweep_schema() {
  Schema s;
  s.required("base", ValueType::String, "The experiment every run starts from, relative to the sweep file.");
  s.string("mode", "grid", "\"grid\": every combination of the axes' values; \"zip\": the i-th values together.")
      .one_of({"grid", "zip"});
  s.integers("seeds", {}, "Each combination runs once per seed (experiment.seed); empty: the base's seed.").at_least(0);
  s.strings("set", {}, "Overrides applied to every run, as --set \"key=VALUE\".");
  s.array_table("axes", "Config key -> the values it takes, e.g. \"generator.block\" = [\"conv\", \"dsc\"], in file order.");
  return s;
}

namespace {

// The axes in the order the file lists them (toml++ tables iterate sorted by key), with each value
// as --set text and as a folder-name label.
std::vector<std::pair<SweepAxis, std::vector<std::string>>> read_axes(const fs::path& file, const toml::table& root) {
  std::vector<std::pair<std::string, const toml::node*>> ordered;
  if (const auto* axes = root.get_as<toml::table>("axes"))
    for (const auto& [key, node] : *axes) ordered.push_back({std::string(key.str()), &node});
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    const auto& x = a.second->source().begin;
    const auto& y = b.second->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  std::vector<std::pair<SweepAxis, std::vector<std::string>>> axes;
  for (const auto& [key, node] : ordered) {
    SweepAxis axis{key, {}, toml_where(file, *node)};
    std::vector<std::string> labels;
    for (const auto& v : *node->as_array()) {  // the schema checked: a non-empty array
      axis.values.push_back(toml_text(v));
      labels.push_back(label(v));
    }
    axes.emplace_back(axis, labels);
  }
  return axes;
}

// Value indices of every run: all combinations (grid) or the i-th values together (zip).
std::vector<std::vector<std::size_t>> combinations(const Sweep& s) {
  std::vector<std::vector<std::size_t>> combos = {{}};
  if (s.mode == "zip" && !s.axes.empty()) {
    const std::size_t n = s.axes.front().values.size();
    for (const auto& a : s.axes)
      if (a.values.size() != n)
        throw ConfigError(fmt::format("{}: mode = \"zip\" needs axes of equal length; '{}' has {} values, '{}' has {}",
                                      a.where, s.axes.front().key, n, a.key, a.values.size()));
    combos.clear();
    for (std::size_t i = 0; i < n; ++i) combos.push_back(std::vector<std::size_t>(s.axes.size(), i));
    return combos;
  }
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
  return combos;
}

// One run per combination and seed, with its overrides and folder name.
void expand_runs(Sweep& s, const std::vector<std::vector<std::string>>& labels) {
  // Folder names use each axis key's last part, unless two axes share it.
  std::map<std::string, int> last_parts;
  auto last_part = [](const std::string& k) { return k.substr(k.rfind('.') + 1); };
  for (const auto& a : s.axes) ++last_parts[last_part(a.key)];
  const std::vector<std::int64_t> seeds = s.seeds.empty() ? std::vector<std::int64_t>{-1} : s.seeds;
  std::set<std::string> descs;
  for (const auto& combo : combinations(s))
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
                                      s.file.string(), run.desc));
      s.runs.push_back(run);
    }
}

}  // namespace

Sweep read_sweep(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  const CheckedTable checked(file, root, sweep_schema(), "sweep");
  const ConfigView& v = checked.view();
  Sweep s;
  s.file = file;
  const std::string base = v.string("base");
  s.base = fs::path(base).is_absolute() ? fs::path(base) : file.parent_path() / base;
  if (!fs::exists(s.base))
    throw ConfigError(fmt::format("{}: base experiment {} does not exist", checked.where("base"), s.base.string()));
  s.mode = v.string("mode");
  s.seeds = v.integers("seeds");
  s.set = v.strings("set");
  std::vector<std::vector<std::string>> labels;
  for (auto& [axis, axis_labels] : read_axes(file, root)) {
    s.axes.push_back(axis);
    labels.push_back(axis_labels);
  }
  expand_runs(s, labels);
  return s;
}

std::vector<std::string> plugin_path_arguments(const std::vector<fs::path>& plugin_paths) {
  std::vector<std::string> args;
  for (const auto& p : plugin_paths) args.insert(args.end(), {"--plugin-path", fs::absolute(p).string()});
  return args;
}

std::vector<std::string> train_arguments(const Sweep& sweep, const SweepRun& run, const fs::path& run_root,
                                         const std::vector<fs::path>& plugin_paths) {
  std::vector<std::string> args = {"train", sweep.base.string()};
  for (const auto& o : run.overrides) {
    args.push_back("--set");
    args.push_back(o);
  }
  args.insert(args.end(), {"--desc", run.desc, "--run-root", run_root.string()});
  const auto plugins = plugin_path_arguments(plugin_paths);
  args.insert(args.end(), plugins.begin(), plugins.end());
  return args;
}

std::string slurm_script(const Sweep& sweep, const std::string& ganrig, const fs::path& run_root,
                         const std::vector<fs::path>& plugin_paths, const SlurmResources& resources) {
  const bool group = resources.nodes * resources.gpus_per_node > 1;
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# SLURM job array for " << sweep.file.string() << ": one array task per run (" << sweep.runs.size()
      << " runs).\n# Generated by `ganrig sweep --emit slurm`; submit with: sbatch THIS_FILE. Edit the resources.\n"
      << "# Each task runs `ganrig sweep --index N`: it skips a finished run, resumes an interrupted one\n"
      << "# and starts a new one otherwise, exactly as a local `ganrig sweep` does.\n"
      << "#SBATCH --job-name=" << sweep.file.stem().string() << "\n"
      << "#SBATCH --array=0-" << sweep.runs.size() - 1 << "\n"
      << (group ? fmt::format("#SBATCH --nodes={}\n#SBATCH --ntasks-per-node={}\n#SBATCH --gpus-per-node={}\n",
                              resources.nodes, resources.gpus_per_node, resources.gpus_per_node)
                : std::string("#SBATCH --gres=gpu:1\n"))
      << "#SBATCH --cpus-per-task=8\n#SBATCH --time=24:00:00\n"
      << "#SBATCH --output=" << (run_root / "sweeps" / sweep.file.stem()).string() << "-%a.log\n\n";
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    std::string line;
    for (const auto& a : train_arguments(sweep, sweep.runs[i], run_root, plugin_paths)) line += " " + shell_quote(a);
    out << "# " << i << ":" << line << "\n";
  }
  out << "\nset -euo pipefail\n";
  if (group)  // every srun task is one rank (SLURM_PROCID); rank 0's host serves the rendezvous
    out << "# " << resources.nodes * resources.gpus_per_node << " ranks per run: " << resources.nodes << " node(s) x "
        << resources.gpus_per_node << " GPU(s), each rank on cuda:SLURM_LOCALID.\n"
        << "export MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"
        << "export MASTER_PORT=$((29500 + SLURM_ARRAY_TASK_ID % 1000))\n";
  out << "exec " << (group ? "srun --kill-on-bad-exit=1 " : "") << shell_quote(ganrig) << " sweep " << shell_quote(fs::absolute(sweep.file).string())
      << " --run-root " << shell_quote(fs::absolute(run_root).string());
  for (const auto& a : plugin_path_arguments(plugin_paths)) out << " " << shell_quote(a);
  out << " --index \"$SLURM_ARRAY_TASK_ID\"\n";
  return out.str();
}

}  // namespace ganrig::study
