#pragma once
// One CSV line's cells (double quotes group, as Python's csv module and to_csv write them).
#include <string>
#include <vector>

namespace ganrig::study {
std::vector<std::string> csv_cells(const std::string& line);
}  // namespace ganrig::study
