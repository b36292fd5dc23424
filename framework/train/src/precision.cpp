#include "ganrig/train/precision.hpp"

#include <fmt/format.h>

#include "ganrig/autocast_compat.hpp"
#include "ganrig/error.hpp"

namespace ganrig {

namespace {
// torch.cuda.amp.GradScaler's defaults.
constexpr double kInitScale = 65536.0, kGrowth = 2.0, kBackoff = 0.5;
constexpr std::int64_t kGrowthInterval = 2000;
}  // namespace

Precision::Precision(const std::string& name, const torch::Device& device) : name_(name), device_(device) {
  if (name == "fp32" || name == "fp64") return;  // fp64: the default dtype, set before anything is built
  if (name == "bf16") {
    dtype_ = torch::kBFloat16;
    return;
  }
  if (name == "fp16") {
    if (!device.is_cuda())
      throw ConfigError(fmt::format("[exec] precision = \"fp16\" needs a CUDA device (this run is on {}); "
                                    "on a CPU use \"bf16\"",
                                    device.str()));
    dtype_ = torch::kHalf;
    scale_ = torch::full({}, kInitScale, torch::TensorOptions().dtype(torch::kFloat).device(device));
    growth_tracker_ = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt).device(device));
    return;
  }
  throw ConfigError(fmt::format("[exec] precision = \"{}\": expected \"fp32\", \"bf16\", \"fp16\" or \"fp64\"", name));
}

Precision::ForwardGuard::ForwardGuard(const Precision& p) {
  if (!p.autocast()) return;
  active_ = true;
  cuda_ = p.device_.is_cuda();
  was_enabled_ = autocast::enabled(cuda_);
  was_dtype_ = autocast::dtype(cuda_);
  autocast::set(cuda_, true, p.dtype_);
  at::autocast::increment_nesting();
}

Precision::ForwardGuard::~ForwardGuard() {
  if (!active_) return;
  // As torch.autocast's __exit__: the cast-weight cache lives for the outermost region only.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  autocast::set(cuda_, was_enabled_, was_dtype_);
}

torch::Tensor Precision::scale(const torch::Tensor& loss) const {
  return scale_.defined() ? loss * scale_ : loss;
}

bool Precision::unscale_and_check(const std::vector<torch::Tensor>& params) {
  if (!scale_.defined()) return true;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  torch::Tensor found_inf = torch::zeros({}, scale_.options());
  if (!grads.empty()) torch::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, scale_.reciprocal());
  torch::_amp_update_scale_(scale_, growth_tracker_, found_inf, kGrowth, kBackoff, kGrowthInterval);
  return found_inf.item<float>() == 0.0f;  // one host read per phase, as GradScaler.step
}

void Precision::save(std::map<std::string, torch::Tensor>& state) const {
  if (!scale_.defined()) return;
  state["amp_scale"] = scale_.cpu();
  state["amp_growth_tracker"] = growth_tracker_.cpu();
}

void Precision::load(const std::map<std::string, torch::Tensor>& state) {
  if (!scale_.defined() || !state.count("amp_scale")) return;
  scale_.copy_(state.at("amp_scale"));
  growth_tracker_.copy_(state.at("amp_growth_tracker"));
}

}  // namespace ganrig
