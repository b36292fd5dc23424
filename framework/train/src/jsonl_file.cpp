#include "ganrig/train/jsonl_file.hpp"

#include <fstream>

#include "ganrig/atomic_file.hpp"

namespace ganrig {

void keep_jsonl_lines(const std::filesystem::path& file, const std::function<bool(const nlohmann::json&)>& keep) {
  if (!std::filesystem::exists(file)) return;
  std::ifstream in(file);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && keep(json)) kept += line + "\n";
  }
  write_file_atomic(file, kept);
}

}  // namespace ganrig
