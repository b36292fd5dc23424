// Execution choices of the speed work (issue 12): [exec] precision, bench --profile, the CPU
// runtime recorded with the run, per-step statistics kept on the device.
#include "catch_compat.hpp"

#include <ATen/autocast_mode.h>
#include <dlfcn.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganrig/autocast_compat.hpp"
#include "ganrig/cpu_runtime.hpp"
#include "ganrig/error.hpp"
#include "ganrig/train/precision.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/train/trainer.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

TEST_CASE("precision: fp16 needs CUDA, unknown names are refused, bf16 autocasts only inside the guard", "[precision]") {
  REQUIRE_THROWS_AS(Precision("fp16", torch::kCPU), ConfigError);
  REQUIRE_THROWS_WITH(Precision("fp16", torch::kCPU), contains("bf16") && contains("CUDA"));
  REQUIRE_THROWS_WITH(Precision("fp8", torch::kCPU), contains("\"fp32\", \"bf16\", \"fp16\" or \"fp64\""));
  const Precision bf16("bf16", torch::kCPU);
  const auto x = torch::randn({1, 2, 5, 5}), w = torch::randn({3, 2, 3, 3});
  {
    Precision::ForwardGuard guard(bf16);
    CHECK(torch::conv2d(x, w).scalar_type() == torch::kBFloat16);
  }
  CHECK_FALSE(autocast::enabled(/*cuda=*/false));
  CHECK(torch::conv2d(x, w).scalar_type() == torch::kFloat);
  {
    Precision::ForwardGuard guard(Precision("fp32", torch::kCPU));  // nothing
    CHECK(torch::conv2d(x, w).scalar_type() == torch::kFloat);
  }
  // Without a scaler, loss and gradients pass unchanged.
  Precision fp32("fp32", torch::kCPU);
  const auto loss = torch::tensor(2.5);
  CHECK(fp32.scale(loss).item<double>() == 2.5);
  CHECK(fp32.unscale_and_check({}));
}

TEST_CASE("a bf16 Projected GAN run trains with finite losses and records its precision", "[precision][projected][loop]") {
  auto e = test::fixture_experiment("train/tiny_pg.toml", {"exec.precision=bf16"});
  TrainOptions o;
  o.run_dir = test::temp_dir("pg-bf16");
  o.quiet = true;
  CHECK(train(*e, o).cur_nimg == 8);
  for (const auto& s : test::read_stats(o.run_dir)) {
    CHECK(std::isfinite(s.at("loss/G").get<double>()));
    CHECK(std::isfinite(s.at("loss/D").get<double>()));
    CHECK(std::isfinite(s.at("D/real").get<double>()));  // accumulated on the device, read per tick
  }
  std::ifstream config(o.run_dir / "config.resolved.toml");
  const std::string text((std::istreambuf_iterator<char>(config)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, contains("precision = 'bf16'"));
  std::ifstream env(o.run_dir / "env.json");
  const auto runtime = nlohmann::json::parse(env).at("cpu_runtime");
  CHECK(runtime.contains("allocator"));
  CHECK(runtime.contains("blas"));
}

TEST_CASE("bench --profile reports the loop's phases and the top operators", "[bench][profile]") {
  auto e = test::fixture_experiment("train/tiny_pg.toml");
  const BenchResult r = bench(*e, 0, 1, 1);
  CHECK(r.seconds_per_iteration > 0);
  CHECK(r.precision == "fp32");
  for (const char* phase : {"G_forward", "G_backward", "G_optimizer", "D_forward", "D_backward", "D_optimizer", "ema",
                            "data", "augment_resize", "projector", "mini_discriminators"})
    CHECK_THAT(r.profile, contains(phase));
  CHECK_THAT(r.profile, contains("aten::"));
}

TEST_CASE("tick statistics average tensors on their device with plain numbers", "[stats]") {
  TickStats stats;
  stats.add("D/real", torch::tensor(1.0f));
  stats.add("D/real", torch::tensor(2.0f));
  stats.add("D/real", 6.0);
  stats.add("loss/G", 0.5);
  const auto means = stats.means();
  CHECK(means.at("D/real") == Approx(3.0));
  CHECK(means.at("loss/G") == Approx(0.5));
  stats.reset();
  CHECK(stats.means().empty());
}

TEST_CASE("the CPU runtime tunes this process and says which allocator and BLAS it uses", "[cpu_runtime]") {
  // The test binary does not link jemalloc: glibc is tuned. Its BLAS is Debian's OpenBLAS when
  // set-up installed it (pthreads: limited to 1 thread), else whatever libblas.so.3 is.
  tune_cpu_runtime();
  const auto info = cpu_runtime_info();
  CHECK(info.at("tuned").get<bool>());
  CHECK_THAT(info.at("allocator").get<std::string>(), contains("glibc malloc (mmap threshold 32 MiB"));
  if (dlsym(RTLD_DEFAULT, "openblas_get_parallel")) {
    const auto blas = info.at("blas").get<std::string>();
    CHECK_THAT(blas, contains("OpenBLAS"));
    using GetThreads = int();
    using GetParallel = int();
    if (reinterpret_cast<GetParallel*>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))() == 1) {
      CHECK_THAT(blas, contains("limited to 1 thread"));
      CHECK(reinterpret_cast<GetThreads*>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))() == 1);
    }
  }
}
