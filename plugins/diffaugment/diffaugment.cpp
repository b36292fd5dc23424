// DiffAugment (Zhao et al., NeurIPS 2020) as in Projected GAN's pg_modules/diffaug.py: colour
// (brightness, saturation, contrast), translation and cutout, differentiable, random per sample
// from the run's seeded generator.
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

using ganrig::ConfigView;

torch::Tensor per_sample_uniform(const torch::Tensor& x) {
  return torch::rand({x.size(0), 1, 1, 1}, x.options());
}

// Brightness: add U(-0.5, 0.5). Saturation: scale the deviation from the channel mean by U(0, 2).
// Contrast: scale the deviation from the image mean by U(0.5, 1.5).
torch::Tensor colour(torch::Tensor x) {
  x = x + (per_sample_uniform(x) - 0.5);
  const auto channel_mean = x.mean(1, true);
  x = (x - channel_mean) * (per_sample_uniform(x) * 2) + channel_mean;
  const auto image_mean = x.mean({1, 2, 3}, true);
  return (x - image_mean) * (per_sample_uniform(x) + 0.5) + image_mean;
}

// Shift by up to ratio * size pixels in each direction, zero-filled.
torch::Tensor translation(const torch::Tensor& x, double ratio) {
  using torch::indexing::Slice;
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  const auto shift_x = static_cast<std::int64_t>(h * ratio + 0.5), shift_y = static_cast<std::int64_t>(w * ratio + 0.5);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const auto tx = torch::randint(-shift_x, shift_x + 1, {b, 1, 1}, long_options);
  const auto ty = torch::randint(-shift_y, shift_y + 1, {b, 1, 1}, long_options);
  auto grids = torch::meshgrid({torch::arange(b, long_options), torch::arange(h, long_options), torch::arange(w, long_options)}, "ij");
  const auto gx = torch::clamp(grids[1] + tx + 1, 0, h + 1);
  const auto gy = torch::clamp(grids[2] + ty + 1, 0, w + 1);
  const auto padded = torch::constant_pad_nd(x, {1, 1, 1, 1}).permute({0, 2, 3, 1}).contiguous();
  return padded.index({grids[0], gx, gy}).permute({0, 3, 1, 2});
}

// Zero one square of ratio * size per sample, at a random centre.
torch::Tensor cutout(const torch::Tensor& x, double ratio) {
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  const auto cx = static_cast<std::int64_t>(h * ratio + 0.5), cy = static_cast<std::int64_t>(w * ratio + 0.5);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const auto ox = torch::randint(0, h + (1 - cx % 2), {b, 1, 1}, long_options);
  const auto oy = torch::randint(0, w + (1 - cy % 2), {b, 1, 1}, long_options);
  auto grids = torch::meshgrid({torch::arange(b, long_options), torch::arange(cx, long_options), torch::arange(cy, long_options)}, "ij");
  const auto gx = torch::clamp(grids[1] + ox - cx / 2, 0, h - 1);
  const auto gy = torch::clamp(grids[2] + oy - cy / 2, 0, w - 1);
  auto mask = torch::ones({b, h, w}, x.options());
  mask.index_put_({grids[0], gx, gy}, torch::zeros({}, x.options()));
  return x * mask.unsqueeze(1);
}

class DiffAugment : public ganrig::Augment {
 public:
  explicit DiffAugment(const ConfigView& cfg)
      : colour_(cfg.boolean("color")),
        translation_(cfg.boolean("translation")),
        cutout_(cfg.boolean("cutout")),
        translation_ratio_(cfg.real("translation_ratio")),
        cutout_ratio_(cfg.real("cutout_ratio")) {}
  torch::Tensor forward(const torch::Tensor& images) override {
    torch::Tensor x = images;
    if (colour_) x = colour(x);
    if (translation_) x = translation(x, translation_ratio_);
    if (cutout_) x = cutout(x, cutout_ratio_);
    return x.contiguous();
  }

 private:
  bool colour_, translation_, cutout_;
  double translation_ratio_, cutout_ratio_;
};

void register_diffaugment(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.boolean("color", true, "Brightness U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5).");
  s.boolean("translation", true, "Random shift of up to translation_ratio of the size, zero-filled.");
  s.boolean("cutout", true, "One zeroed square of cutout_ratio of the size.");
  s.real("translation_ratio", 0.125, "Largest shift as a fraction of the image size.").range(0, 1);
  s.real("cutout_ratio", 0.2, "Cutout square side as a fraction of the image size.").range(0, 1);
  registry.add<ganrig::Augment>(
      "diffaugment", "DiffAugment (Zhao et al. 2020) with Projected GAN's policy 'color,translation,cutout'.", s,
      [](const ConfigView& cfg, ganrig::BuildContext&) { return std::make_shared<DiffAugment>(cfg); });
}

}  // namespace

GANRIG_PLUGIN("diffaugment", "1.0.0", register_diffaugment)
