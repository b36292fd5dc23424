#pragma once
// Per-tick statistics: components add scalars, the loop averages them over the tick.
#include <map>
#include <string>
#include <utility>

#include "ganrig/interfaces.hpp"

namespace ganrig {

class TickStats : public StatsSink {
 public:
  void add(const std::string& name, double value) override;
  void add(const std::string& name, const torch::Tensor& value) override;
  std::map<std::string, double> means() const;  // reads the tensor sums (one sync per tick)
  void reset() {
    sums_.clear();
    tensor_sums_.clear();
  }

 private:
  std::map<std::string, std::pair<double, long>> sums_;
  std::map<std::string, std::pair<torch::Tensor, long>> tensor_sums_;
};

double peak_rss_mib();                      // the process's peak resident memory
double peak_cuda_mib(const torch::Device&);  // peak CUDA memory on a CUDA build, else 0

}  // namespace ganrig
