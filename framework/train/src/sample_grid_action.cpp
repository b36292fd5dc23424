// samples/: a grid of real images at the start, and grids of G_ema's images for fixed latents every
// sample_kimg (and at the end of a session). Sampling forks the random streams, so writing a grid
// never changes training. Each generated grid is checked: when every sample in it is nearly one
// colour after 0 kimg, the generator is not learning structure, and the run says so (the progress
// line, stats.jsonl's samples/* keys and the report page read RunState::last_grid and flat_grids).
// This action runs first at a tick, so those see the grid of the same tick.
// In a conditional run the grids have one row per class (the first kMaxClassRows classes), reals
// and fakes alike, as the official training loop's grid groups its samples by label.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

#include "ganrig/build_context.hpp"
#include "ganrig/config_view.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/tick_action.hpp"

namespace ganrig {

namespace {

// A sample whose pixels vary by less than this (standard deviation, 0-255 scale) shows one flat
// colour to the eye. DCGAN's standard generator starts at about 1 and is above 30 by 4 kimg on
// Fashion-MNIST; the depthwise-separable one that never learned stayed near 1 (issue 23).
constexpr double kFlatSampleStd = 2.0;
constexpr std::int64_t kMaxClassRows = 32;

SampleGridCheck check_grid(const torch::Tensor& fakes, std::int64_t nimg) {
  const torch::Tensor pixels = ((fakes.to(torch::kFloat32).clamp(-1, 1) + 1) * 127.5).flatten(1);
  SampleGridCheck check;
  check.nimg = nimg;
  check.pixel_std = pixels.std().item<double>();
  check.max_sample_std = pixels.std(1).max().item<double>();
  check.flat = nimg > 0 && check.max_sample_std < kFlatSampleStd;
  return check;
}

class SampleGridAction : public TickAction {
 public:
  explicit SampleGridAction(LoopContext& run) {
    const ConfigView exec(*run.config.table_at("exec"), "exec", &run.config);
    BuildContext ctx(run.experiment.registry, run.config, run.networks.models.dataset->shape(), run.experiment.seed());
    sink_ = ctx.component<ImageSink>(exec, "sample_format");
    const Models& m = run.networks.models;
    classes_ = std::max(m.generator->classes(), m.discriminator->classes());
    rows_ = classes_ ? std::min(classes_, kMaxClassRows) : run.settings.grid_rows;
    // Fixed latents (and a class per row) for the grids, from their own stream.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(run.experiment.seed()) + 1);
    fixed_z_ = torch::randn({rows_ * run.settings.grid_cols, m.generator->latent_dim()}, gen).to(run.device);
    if (classes_)
      fixed_c_ = one_hot_condition(torch::arange(rows_).repeat_interleave(run.settings.grid_cols), classes_).to(run.device);
  }

  void on_start(LoopContext& run, bool resumed) override {
    if (resumed) return;
    write_reals(run);
    write_fakes(run);  // at kimg 0, at the starting resolution
  }

  void on_tick(LoopContext& run, const TickInfo& tick) override {
    if (tick.final || crossed(tick.start_nimg, run.state.cur_nimg, run.settings.sample_kimg)) write_fakes(run);
  }

 private:
  // The first `n` images (repeated to fill a grid when there are fewer).
  static torch::Tensor first_images(const torch::Tensor& images, std::int64_t n) {
    torch::Tensor picked = images.narrow(0, 0, std::min<std::int64_t>(n, images.size(0)));
    if (picked.size(0) < n && picked.size(0) > 0)
      picked = picked.repeat({(n + picked.size(0) - 1) / picked.size(0), 1, 1, 1}).narrow(0, 0, n);
    return picked;
  }

  void write_reals(LoopContext& run) {
    const std::int64_t cols = run.settings.grid_cols;
    const Dataset& dataset = *run.networks.models.dataset;
    torch::Tensor picked;
    if (classes_ == 0) {
      picked = first_images(dataset.images(), rows_ * cols);
    } else {  // row k: the first images of class k (a class without images: a blank row)
      std::vector<torch::Tensor> rows;
      for (std::int64_t k = 0; k < rows_; ++k) {
        const torch::Tensor row = first_images(dataset.images().index({dataset.labels() == k}), cols);
        rows.push_back(row.size(0) == cols ? row : torch::zeros({cols, dataset.shape().channels, dataset.shape().resolution,
                                                                 dataset.shape().resolution}, torch::kUInt8));
      }
      picked = torch::cat(rows);
    }
    sink_->write(run.layout.reals(), make_grid(to_signed_float(picked), rows_, cols));
  }

  void write_fakes(LoopContext& run) {
    with_forked_rng(run.device, [&] {
      torch::NoGradGuard no_grad;
      Generator& g_ema = *run.networks.models.generator_ema;
      std::vector<torch::Tensor> chunks;
      const std::int64_t chunk = std::min<std::int64_t>(run.settings.micro_batch, 64);
      for (std::int64_t i = 0; i < fixed_z_.size(0); i += chunk) {
        const std::int64_t n = std::min(chunk, fixed_z_.size(0) - i);
        chunks.push_back(g_ema.forward(fixed_z_.narrow(0, i, n), classes_ ? fixed_c_.narrow(0, i, n) : Condition()));
      }
      torch::Tensor fakes = torch::cat(chunks);
      const std::int64_t full = run.networks.models.dataset->shape().resolution;
      if (fakes.size(2) != full) fakes = torch::upsample_nearest2d(fakes, {full, full});
      sink_->write(run.layout.fakes(run.state.cur_nimg),
                   make_grid(fakes, rows_, run.settings.grid_cols));
      run.state.last_grid = check_grid(fakes, run.state.cur_nimg);
      run.state.flat_grids += run.state.last_grid.flat;
    });
  }

  std::shared_ptr<ImageSink> sink_;
  std::int64_t classes_ = 0, rows_ = 0;
  torch::Tensor fixed_z_, fixed_c_;
};

std::unique_ptr<TickAction> make(LoopContext& run) { return std::make_unique<SampleGridAction>(run); }

[[maybe_unused]] const bool registered = register_tick_action("sample_grids", 5, make);

}  // namespace

}  // namespace ganrig
