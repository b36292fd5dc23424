// Schedule `progressive`: PGGAN's growing schedule (tkarras/progressive_growing_of_gans, train.py
// TrainingSchedule). Each phase trains `stabilize_kimg` at a resolution, then fades the next one
// in over `fade_kimg`; batch and learning rate may differ per resolution. A pure function of the
// number of images shown, so resuming anywhere (also mid-fade) continues exactly.
#include <cmath>
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

using ganrig::ConfigView;

class Progressive : public ganrig::Schedule {
 public:
  Progressive(const ConfigView& cfg, ganrig::BuildContext& ctx)
      : stabilize_kimg_(cfg.real("stabilize_kimg")),
        fade_kimg_(cfg.real("fade_kimg")),
        reset_(cfg.boolean("reset_optimizers")),
        default_batch_(cfg.config() ? cfg.config()->table_at("train")->get("batch")->value_or(std::int64_t{0}) : 0) {
    final_log2_ = std::llround(std::log2(static_cast<double>(ctx.image().resolution)));
    start_log2_ = std::llround(std::log2(static_cast<double>(cfg.integer("start_resolution"))));
    if ((std::int64_t{1} << final_log2_) != ctx.image().resolution || start_log2_ > final_log2_ ||
        (std::int64_t{1} << start_log2_) != cfg.integer("start_resolution"))
      throw ganrig::ConfigError(fmt::format("{}must be a power of two <= the dataset resolution {}",
                                            cfg.where("start_resolution"), ctx.image().resolution));
    for (const auto& [r, b] : cfg.integer_table("batch")) batch_[parse_resolution(cfg, "batch", r)] = b;
    for (const auto& [r, lr] : cfg.real_table("lr_generator")) lr_g_[parse_resolution(cfg, "lr_generator", r)] = lr;
    for (const auto& [r, lr] : cfg.real_table("lr_discriminator")) lr_d_[parse_resolution(cfg, "lr_discriminator", r)] = lr;
  }

  ganrig::ScheduleState at(std::int64_t cur_nimg) const override {
    const double kimg = static_cast<double>(cur_nimg) / 1000.0;
    const double phase_kimg_total = stabilize_kimg_ + fade_kimg_;
    const std::int64_t phase = phase_kimg_total > 0 ? static_cast<std::int64_t>(std::floor(kimg / phase_kimg_total)) : 0;
    const double in_phase = kimg - static_cast<double>(phase) * phase_kimg_total;
    // Level of detail: 0 at the final resolution; its fraction is the fade still to go.
    double lod = static_cast<double>(final_log2_ - start_log2_ - phase);
    if (fade_kimg_ > 0) lod -= std::max(in_phase - stabilize_kimg_, 0.0) / fade_kimg_;
    lod = std::max(lod, 0.0);
    ganrig::ScheduleState st;
    st.resolution = std::int64_t{1} << (final_log2_ - static_cast<std::int64_t>(std::floor(lod)));
    st.alpha = 1.0 - (lod - std::floor(lod));
    // The phase changes when floor(lod) or ceil(lod) changes: at the start and at the end of each fade, where the
    // official code resets the optimizers (reset_opt_for_new_lod).
    const std::int64_t levels = final_log2_ - start_log2_;
    st.phase = lod == std::floor(lod) ? 2 * (levels - static_cast<std::int64_t>(lod))
                                      : 2 * (levels - static_cast<std::int64_t>(std::ceil(lod))) + 1;
    st.batch = batch_.count(st.resolution) ? batch_.at(st.resolution) : default_batch_;
    st.lr_generator = lr_g_.count(st.resolution) ? lr_g_.at(st.resolution) : 0.0;
    st.lr_discriminator = lr_d_.count(st.resolution) ? lr_d_.at(st.resolution) : 0.0;
    return st;
  }
  bool reset_optimizers_on_growth() const override { return reset_; }

 private:
  static std::int64_t parse_resolution(const ConfigView& cfg, const std::string& key, const std::string& text) {
    try {
      const std::int64_t r = std::stoll(text);
      if (r >= 4 && (r & (r - 1)) == 0) return r;
    } catch (const std::exception&) {
    }
    throw ganrig::ConfigError(fmt::format("{}key \"{}\" is not a resolution (a power of two >= 4)", cfg.where(key), text));
  }

  double stabilize_kimg_, fade_kimg_;
  bool reset_;
  std::int64_t default_batch_;
  std::int64_t final_log2_ = 0, start_log2_ = 0;
  std::map<std::int64_t, std::int64_t> batch_;
  std::map<std::int64_t, double> lr_g_, lr_d_;
};

void register_progressive(ganrig::Registry& registry) {
  ganrig::Schema s;
  s.integer("start_resolution", 4, "First resolution; growing ends at the dataset resolution. Equal to it: no growing.")
      .range(4, 4096);
  s.real("stabilize_kimg", 800, "kimg trained at each resolution before the next one fades in (paper: 800).").at_least(0);
  s.real("fade_kimg", 800, "kimg over which a new resolution fades in, alpha 0 -> 1 (paper: 800).").at_least(0);
  s.integer_table("batch", "Global batch per resolution, e.g. { 256 = 14, 512 = 6, 1024 = 3 }; others use [train] batch.")
      .at_least(1);
  s.real_table("lr_generator", "G learning rate per resolution; others keep [optim.generator] lr.").range(0, 10);
  s.real_table("lr_discriminator", "D learning rate per resolution; others keep [optim.discriminator] lr.").range(0, 10);
  s.boolean("reset_optimizers", true, "Reset both Adam states when a resolution is added (PGGAN's reset_opt_for_new_lod).");
  registry.add<ganrig::Schedule>(
      "progressive", "PGGAN progressive growing: stabilize, then fade in the next resolution; batch and lr per resolution.",
      s, [](const ConfigView& cfg, ganrig::BuildContext& ctx) { return std::make_shared<Progressive>(cfg, ctx); });
}

}  // namespace

GANRIG_PLUGIN("progressive", "1.0.0", register_progressive)
