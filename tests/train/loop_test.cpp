// The training loop on a tiny synthetic experiment: run files, stats, samples, checkpoints,
// bitwise resume, a kill during a checkpoint write, changed-config refusal, non-finite losses.
#include "catch_compat.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/npy.hpp"
#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/trainer.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Experiment> tiny(const std::vector<std::string>& overrides = {}) {
  return test::fixture_experiment("train/tiny.toml", overrides);
}

TrainOptions options_for(const fs::path& dir) {
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  return o;
}

// All parameters and buffers of G, G_ema and D stored in a checkpoint.
std::map<std::string, torch::Tensor> weights_of(const fs::path& checkpoint) {
  auto e = tiny();
  return test::checkpoint_weights(checkpoint, *e);
}

void require_bitwise_equal(const fs::path& a, const fs::path& b) {
  const auto wa = weights_of(a), wb = weights_of(b);
  REQUIRE(wa.size() == wb.size());
  for (const auto& [name, tensor] : wa) {
    INFO(name);
    CHECK(torch::equal(tensor, wb.at(name)));
  }
}

}  // namespace

TEST_CASE("a 20-iteration CPU run writes run files, stats, samples and checkpoints", "[loop]") {
  const fs::path dir = test::temp_dir("loop-basic");
  auto e = tiny();
  const TrainResult result = train(*e, options_for(dir));
  CHECK(result.cur_nimg == 160);
  CHECK(result.ticks == 4);
  const auto stats = test::read_stats(dir);
  REQUIRE(stats.size() == 4);
  for (const auto& s : stats) {
    CHECK(std::isfinite(s.at("loss/G").get<double>()));
    CHECK(std::isfinite(s.at("loss/D").get<double>()));
    CHECK(s.at("sec_per_kimg").get<double>() > 0);
    CHECK(s.at("peak_rss_mib").get<double>() > 0);
    CHECK(s.at("lr/G").get<double>() == Approx(2e-4));
  }
  CHECK(stats.back().at("kimg").get<double>() == Approx(0.16));
  for (const char* f : {"config.resolved.toml", "plugins.json", "env.json", "samples/reals.ppm",
                        "samples/fakes-000000000.ppm", "samples/fakes-000000080.ppm", "samples/fakes-000000160.ppm",
                        "checkpoints/snapshot-000000040.pt", "checkpoints/snapshot-000000160.pt"})
    CHECK(fs::exists(dir / f));
  // The sample grid is 8x8 images of 16x16 pixels.
  std::ifstream ppm(dir / "samples" / "fakes-000000160.ppm");
  std::string magic;
  int w = 0, h = 0;
  ppm >> magic >> w >> h;
  CHECK(magic == "P6");
  CHECK(w == 128);
  CHECK(h == 128);
  // The resolved config is a complete experiment on its own.
  Config again = load_config_file(dir / "config.resolved.toml");
  CHECK_NOTHROW(validate_experiment(again, e->registry));
  std::ifstream plugins(dir / "plugins.json");
  CHECK(nlohmann::json::parse(plugins).dump().find("ganrig_dcgan.so") != std::string::npos);
}

TEST_CASE("N ticks straight equal N/2 ticks + resume + N/2 ticks, bitwise", "[loop][resume]") {
  const fs::path straight = test::temp_dir("resume-straight");
  const fs::path split = test::temp_dir("resume-split");
  {
    auto e = tiny();
    train(*e, options_for(straight));
  }
  {
    auto e = tiny();
    auto o = options_for(split);
    o.stop_after_ticks = 2;
    const auto first = train(*e, o);
    CHECK(first.cur_nimg == 80);
  }
  {
    auto e = tiny();
    auto o = options_for(split);
    o.resume_from = latest_checkpoint(split);
    CHECK(o.resume_from->filename() == "snapshot-000000080.pt");
    const auto second = train(*e, o);
    CHECK(second.cur_nimg == 160);
  }
  require_bitwise_equal(straight / "checkpoints" / "snapshot-000000160.pt", split / "checkpoints" / "snapshot-000000160.pt");
  const auto a = test::read_stats(straight), b = test::read_stats(split);
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 4);
  CHECK(a[3].at("loss/D").get<double>() == b[3].at("loss/D").get<double>());
}

TEST_CASE("a kill while writing a checkpoint leaves the previous one intact", "[loop][checkpoint]") {
  const fs::path dir = test::temp_dir("checkpoint-kill");
  {
    auto e = tiny();
    auto o = options_for(dir);
    o.checkpoint_fault = [](const fs::path& temporary) {
      if (temporary.string().find("000000080") != std::string::npos) throw std::runtime_error("simulated kill");
    };
    REQUIRE_THROWS_WITH(train(*e, o), contains("simulated kill"));
  }
  const fs::path latest = latest_checkpoint(dir);
  CHECK(latest.filename() == "snapshot-000000040.pt");
  CHECK_NOTHROW(weights_of(latest));
  bool temporary_left = false;
  for (const auto& f : fs::directory_iterator(dir / "checkpoints"))
    temporary_left |= f.path().filename().string().find(".tmp-") != std::string::npos;
  CHECK(temporary_left);  // the interrupted write is there but never taken for a checkpoint
  auto e = tiny();
  auto o = options_for(dir);
  o.resume_from = latest;
  CHECK(train(*e, o).cur_nimg == 160);
}

TEST_CASE("resuming with a changed config is refused unless forced", "[loop][resume]") {
  const fs::path dir = test::temp_dir("resume-changed");
  {
    auto e = tiny();
    auto o = options_for(dir);
    o.stop_after_ticks = 1;
    train(*e, o);
  }
  const fs::path checkpoint = latest_checkpoint(dir);
  {
    auto e = tiny({"optim.generator.lr=1e-3"});
    auto o = options_for(dir);
    o.resume_from = checkpoint;
    o.stop_after_ticks = 1;
    REQUIRE_THROWS_WITH(train(*e, o), contains("the configuration changed") && contains("lr") && contains("--force"));
    o.force = true;
    CHECK(train(*e, o).cur_nimg == 80);
  }
  {
    auto e = tiny({"exec.batch_per_device=8"});  // execution settings may change
    auto o = options_for(dir);
    o.resume_from = checkpoint;
    o.stop_after_ticks = 1;
    CHECK_NOTHROW(train(*e, o));
  }
}

TEST_CASE("non-finite losses skip steps and stop the run after the limit", "[loop]") {
  const fs::path dir = test::temp_dir("nonfinite");
  auto e = tiny({"loss.type=exploding", "loss.after=30", "train.max_nonfinite_steps=3"});
  REQUIRE_THROWS_AS(train(*e, options_for(dir)), NonFiniteLossError);
  REQUIRE_THROWS_WITH(train(*tiny({"loss.type=exploding", "loss.after=30", "train.max_nonfinite_steps=3"}),
                            options_for(test::temp_dir("nonfinite-2"))),
                      contains("3 steps in a row had a non-finite loss") &&
                          contains("snapshot-000000040.pt"));
  // The checkpoint written before the losses went bad is intact.
  CHECK_NOTHROW(weights_of(latest_checkpoint(dir)));
}

TEST_CASE("[exec] record_twin keeps each step's reals, draws and logits, and the start checkpoint", "[loop][twin]") {
  const fs::path dir = test::temp_dir("twin-run"), record = test::temp_dir("twin-record");
  auto e = tiny({"exec.record_twin=\"" + record.string() + "\"", "train.total_kimg=0.016"});
  train(*e, options_for(dir));
  CHECK(fs::exists(record / "start-000000.pt"));
  for (const char* iteration : {"000000", "000001"}) {
    CHECK(fs::exists(record / iteration / "reals.npy"));
    std::vector<std::string> g, d;
    for (const auto& f : fs::directory_iterator(record / iteration / "G")) g.push_back(f.path().filename().string());
    for (const auto& f : fs::directory_iterator(record / iteration / "D")) d.push_back(f.path().filename().string());
    std::sort(g.begin(), g.end());
    std::sort(d.begin(), d.end());
    // two micro-batches of 4 (batch_per_device): latents, fakes and logits of each, then the phase's loss
    CHECK(g == std::vector<std::string>{"000-randn-z.npy", "001-out-fakes.npy", "002-out-logits_fake.npy",
                                        "003-randn-z.npy", "004-out-fakes.npy", "005-out-logits_fake.npy",
                                        "006-out-loss.npy"});
    CHECK(d == std::vector<std::string>{"000-randn-z.npy", "001-out-logits_fake.npy", "002-out-logits_real.npy",
                                        "003-randn-z.npy", "004-out-logits_fake.npy", "005-out-logits_real.npy",
                                        "006-out-loss.npy"});
  }
  CHECK(read_npy_matrix(record / "000000" / "G" / "000-randn-z.npy", 16).size(0) == 4);
}

TEST_CASE("spectral_norm_update per_forward iterates at every forward, per_phase once a phase", "[loop]") {
  // Two micro-batches per phase: per_forward runs G's power iteration twice where per_phase runs it once.
  const auto weights_after = [](const std::string& mode) {
    const fs::path dir = test::temp_dir("sn-" + mode);
    train(*tiny({"train.spectral_norm_update=\"" + mode + "\"", "train.total_kimg=0.016"}), options_for(dir));
    return weights_of(latest_checkpoint(dir));
  };
  const auto phase = weights_after("per_phase"), forward = weights_after("per_forward");
  int differ = 0;
  for (const auto& [name, tensor] : phase)
    if (name.rfind("G.", 0) == 0 && name.size() > 9 && name.compare(name.size() - 9, 9, ".weight_u") == 0)
      differ += !torch::allclose(tensor, forward.at(name), 0, 1e-7);
  CHECK(differ > 0);
}
