#pragma once
// Progress output: a live, rewritten line on a terminal; plain lines (one per tick) otherwise.
#include <chrono>
#include <string>

namespace ganrig {

class Progress {
 public:
  explicit Progress(const std::string& mode);  // "auto", "live" or "lines"
  void live(const std::string& line);           // called often; throttled; ignored when not live
  void line(const std::string& text);           // a permanent line
  bool is_live() const { return live_; }
  // Whether live() would print now (live and not throttled): lets a caller skip building the line,
  // e.g. reading device statistics, on most iterations.
  bool live_due() const;

 private:
  bool live_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_;
};

std::string format_duration(double seconds);

}  // namespace ganrig
