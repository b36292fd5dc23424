#include "ganrig/cpu_runtime.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <fmt/format.h>
#include <string>

namespace ganrig {

namespace {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

template <class F>
F* symbol(const char* name) {
  return reinterpret_cast<F*>(dlsym(RTLD_DEFAULT, name));
}

// What tune_cpu_runtime found and did, for env.json.
struct Runtime {
  std::string allocator = "glibc malloc (library defaults)";
  std::string blas = "not OpenBLAS (left as it starts)";
  bool tuned = false;
};

Runtime& runtime() {
  static Runtime state;
  return state;
}

// jemalloc takes its settings from the executable's malloc_conf (and MALLOC_CONF); glibc is tuned here.
void tune_allocator(bool apply) {
  using Mallctl = int(const char*, void*, std::size_t*, void*, std::size_t);
  if (auto* mallctl = symbol<Mallctl>("mallctl")) {
    const char* version = nullptr;
    std::size_t size = sizeof version;
    mallctl("version", &version, &size, nullptr, 0);
    ssize_t dirty = 0;
    size = sizeof dirty;
    mallctl("arenas.dirty_decay_ms", &dirty, &size, nullptr, 0);
    runtime().allocator = fmt::format("jemalloc {} (dirty_decay_ms {}{})", version ? version : "?", dirty,
                                       dirty < 0 ? ": freed pages stay with the process" : "");
    return;
  }
  if (!apply) return;
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);    // the largest glibc allows; larger blocks still mmap
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);  // never trim the heap top below 1 GiB of free space
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  runtime().allocator = "glibc malloc (mmap threshold 32 MiB, trim threshold 1 GiB, top pad 64 MiB)";
}

void tune_blas() {
  using GetParallel = int();
  using SetThreads = void(int);
  using GetConfig = char*();
  auto* get_parallel = symbol<GetParallel>("openblas_get_parallel");
  auto* set_threads = symbol<SetThreads>("openblas_set_num_threads");
  auto* get_config = symbol<GetConfig>("openblas_get_config");
  if (!get_parallel || !set_threads) return;
  const std::string config = get_config ? get_config() : "OpenBLAS";
  const int parallel = get_parallel();  // 0 sequential, 1 pthreads, 2 OpenMP
  if (const char* forced = std::getenv("GANRIG_BLAS_THREADS")) {
    const int threads = std::max(1, std::atoi(forced));
    set_threads(threads);
    runtime().blas = fmt::format("{} ({} threads from GANRIG_BLAS_THREADS)", config, threads);
  } else if (parallel == 1) {
    set_threads(1);
    runtime().blas = fmt::format("{} (pthreads build limited to 1 thread: its spinning workers compete with ATen's)",
                              config);
  } else {
    runtime().blas = fmt::format("{} ({})", config, parallel == 2 ? "OpenMP build, ATen's threads" : "sequential");
  }
}

}  // namespace

void tune_cpu_runtime() {
  const bool all_off = env_flag("GANRIG_NO_CPU_TUNING");
  tune_allocator(!all_off && !env_flag("GANRIG_NO_MALLOC_TUNING"));
  if (!all_off) tune_blas();
  runtime().tuned = !all_off;
}

nlohmann::json cpu_runtime_info() {
  const Runtime& r = runtime();
  return {{"allocator", r.allocator}, {"blas", r.blas}, {"tuned", r.tuned}};
}

}  // namespace ganrig
