#include "ganrig/train/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

namespace ganrig {

Progress::Progress(const std::string& mode)
    : live_(mode == "live" || (mode == "auto" && isatty(fileno(stdout)))), last_() {}

bool Progress::live_due() const {
  return live_ && (!dirty_ || std::chrono::steady_clock::now() - last_ >= std::chrono::milliseconds(250));
}

void Progress::live(const std::string& text) {
  if (!live_due()) return;
  last_ = std::chrono::steady_clock::now();
  std::printf("\r\033[K%s", text.c_str());
  std::fflush(stdout);
  dirty_ = true;
}

void Progress::line(const std::string& text) {
  if (dirty_) std::printf("\r\033[K");
  dirty_ = false;
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d{:02d}h", s / 86400, (s % 86400) / 3600);
}

}  // namespace ganrig
