// ganrig compare RUN_A RUN_B: what differs between two runs: config keys (science and [exec]),
// the final value of every metric, and costs (sec/kimg, peak memory, progress).
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "ganrig/toml_file.hpp"

#include "commands.hpp"
#include "ganrig/error.hpp"
#include "ganrig/study/run_index.hpp"
#include "ganrig/run_dir.hpp"

namespace fs = std::filesystem;

namespace ganrig::cli {

namespace {

void flatten(const toml::table& t, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (const auto& [key, node] : t) {
    const std::string path = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, path, out);
      continue;
    }
    std::ostringstream text;
    node.visit([&](auto&& v) { text << v; });
    out[path] = text.str();
  }
}

std::map<std::string, double> final_metrics(const study::RunInfo& run) {
  std::map<std::string, double> out;
  std::map<std::string, double> at;
  for (const auto& m : run.metrics)
    if (m.contains("value") && m["value"].is_number() && m.value("kimg", 0.0) >= at[m.value("metric", "")]) {
      at[m.value("metric", "")] = m.value("kimg", 0.0);
      out[m.value("metric", "")] = m["value"].get<double>();
    }
  return out;
}

std::string percent(double a, double b) { return a != 0 ? fmt::format("{:+.1f}%", (b / a - 1) * 100) : "-"; }

}  // namespace

int compare(const std::string& run_a, const std::string& run_b) {
  for (const auto& r : {run_a, run_b})
    if (!is_run_dir(r)) throw Error(fmt::format("{}: not a run folder (no config.resolved.toml)", r));
  const study::RunInfo a = study::read_run(run_a), b = study::read_run(run_b);
  std::map<std::string, std::string> ca, cb;
  flatten(parse_toml_bounded(a.config_text, (a.dir / "config.resolved.toml").string()), "", ca);
  flatten(parse_toml_bounded(b.config_text, (b.dir / "config.resolved.toml").string()), "", cb);
  std::set<std::string> keys;
  for (const auto& [k, v] : ca) keys.insert(k);
  for (const auto& [k, v] : cb) keys.insert(k);
  std::cout << fmt::format("A: {}\nB: {}\n\nconfig differences (A -> B):\n", a.dir.string(), b.dir.string());
  int differences = 0;
  for (const auto& k : keys) {
    const std::string va = ca.count(k) ? ca[k] : "(absent)", vb = cb.count(k) ? cb[k] : "(absent)";
    if (va == vb) continue;
    ++differences;
    std::cout << fmt::format("  {:<36} {} -> {}{}\n", k, va, vb, k.rfind("exec.", 0) == 0 ? "   (execution only)" : "");
  }
  if (!differences) std::cout << "  none\n";
  std::cout << "\nmetrics (final evaluation):\n";
  const auto ma = final_metrics(a), mb = final_metrics(b);
  std::set<std::string> names;
  for (const auto& [k, v] : ma) names.insert(k);
  for (const auto& [k, v] : mb) names.insert(k);
  if (names.empty()) std::cout << "  none recorded\n";
  for (const auto& n : names) {
    const bool both = ma.count(n) && mb.count(n);
    std::cout << fmt::format("  {:<24} {:>12} {:>12} {:>10}\n", n, ma.count(n) ? fmt::format("{:.5g}", ma.at(n)) : "-",
                             mb.count(n) ? fmt::format("{:.5g}", mb.at(n)) : "-",
                             both ? percent(ma.at(n), mb.at(n)) : "");
  }
  const double sa = study::median_sec_per_kimg(a), sb = study::median_sec_per_kimg(b);
  const double ra = study::peak_rss_mib(a), rb = study::peak_rss_mib(b);
  std::cout << fmt::format("\ncost:\n  {:<24} {:>12.2f} {:>12.2f} {:>10}\n  {:<24} {:>12.0f} {:>12.0f} {:>10}\n"
                           "  {:<24} {:>12.3f} {:>12.3f}\n",
                           "sec/kimg (median tick)", sa, sb, percent(sa, sb), "peak RSS MiB", ra, rb, percent(ra, rb),
                           "kimg done", a.last_nimg / 1000.0, b.last_nimg / 1000.0);
  return 0;
}

}  // namespace ganrig::cli
