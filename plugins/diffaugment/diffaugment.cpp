// DiffAugment (Zhao et al., NeurIPS 2020) as in Projected GAN's pg_modules/diffaug.py: colour
// (brightness, saturation, contrast), translation and cutout, differentiable, random per sample
// from the run's seeded generator.
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/twin_record.hpp"

namespace {

using ganrig::ConfigView;

// Every draw goes through ganrig::recorded, so a twin run can replay it (tools/twin/).
torch::Tensor per_sample_uniform(const char* what, const torch::Tensor& x) {
  return ganrig::recorded(what, torch::rand({x.size(0), 1, 1, 1}, x.options()));
}

// Brightness: add U(-0.5, 0.5). Saturation: scale the deviation from the channel mean by U(0, 2).
// Contrast: scale the deviation from the image mean by U(0.5, 1.5).
torch::Tensor colour(torch::Tensor x) {
  x = x + (per_sample_uniform("rand:brightness", x) - 0.5);
  const auto channel_mean = x.mean(1, true);
  x = (x - channel_mean) * (per_sample_uniform("rand:saturation", x) * 2) + channel_mean;
  const auto image_mean = x.mean({1, 2, 3}, true);
  return (x - image_mean) * (per_sample_uniform("rand:contrast", x) + 0.5) + image_mean;
}

// Shift by up to ratio * size pixels in each direction, zero-filled. The official code gathers
// from the zero-padded image with [B, H, W] index grids; here two gathers (rows, then columns)
// with [B, 1, H, 1] and [B, 1, 1, W] indices broadcast over the rest: the same pixels, the same
// random draws, no large index tensors (tested against the grid version).
torch::Tensor translation(const torch::Tensor& x, double ratio) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const auto shift_x = static_cast<std::int64_t>(h * ratio + 0.5), shift_y = static_cast<std::int64_t>(w * ratio + 0.5);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const auto tx = ganrig::recorded("randint:translation_x", torch::randint(-shift_x, shift_x + 1, {b, 1, 1}, long_options));
  const auto ty = ganrig::recorded("randint:translation_y", torch::randint(-shift_y, shift_y + 1, {b, 1, 1}, long_options));
  // Row i of the output reads padded row clamp(i + tx + 1, 0, h + 1) (0 and h + 1 are zeros).
  const auto rows = torch::clamp(torch::arange(h, long_options).view({1, 1, h, 1}) + tx.view({b, 1, 1, 1}) + 1, 0, h + 1);
  const auto cols = torch::clamp(torch::arange(w, long_options).view({1, 1, 1, w}) + ty.view({b, 1, 1, 1}) + 1, 0, w + 1);
  const auto padded = torch::constant_pad_nd(x, {1, 1, 1, 1});
  const auto shifted_rows = torch::gather(padded, 2, rows.expand({b, c, h, w + 2}));
  return torch::gather(shifted_rows, 3, cols.expand({b, c, h, w}));
}

// Zero one square of ratio * size per sample, at a random centre. The official code writes zeros
// through [B, cx, cy] index grids clamped to the image; the clamped grid covers exactly the rows
// [clamp(o - cx/2), clamp(o - cx/2 + cx - 1)] (and likewise columns), so the mask is two range
// tests broadcast against each other (tested against the grid version).
torch::Tensor cutout(const torch::Tensor& x, double ratio) {
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  const auto cx = static_cast<std::int64_t>(h * ratio + 0.5), cy = static_cast<std::int64_t>(w * ratio + 0.5);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const auto ox = ganrig::recorded("randint:cutout_x", torch::randint(0, h + (1 - cx % 2), {b, 1, 1}, long_options))
                      .view({b, 1, 1, 1});
  const auto oy = ganrig::recorded("randint:cutout_y", torch::randint(0, w + (1 - cy % 2), {b, 1, 1}, long_options))
                      .view({b, 1, 1, 1});
  auto covered = [&](const torch::Tensor& offset, std::int64_t size, std::int64_t extent, torch::IntArrayRef shape) {
    const auto first = torch::clamp(offset - size / 2, 0, extent - 1);
    const auto last = torch::clamp(offset - size / 2 + size - 1, 0, extent - 1);
    const auto at = torch::arange(extent, long_options).view(shape);
    return (at >= first).logical_and_(at <= last);
  };
  if (cx == 0 || cy == 0) return x;  // an empty square (the official grid is empty too)
  const auto hole = covered(ox, cx, h, {1, 1, h, 1}).logical_and(covered(oy, cy, w, {1, 1, 1, w}));
  return x * torch::logical_not(hole).to(x.scalar_type());
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
