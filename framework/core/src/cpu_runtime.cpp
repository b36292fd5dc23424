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
  std::string allocator_name = "glibc malloc";
  std::string malloc_conf = "defaults";  // jemalloc's effective options, or glibc's tuning
  std::string blas = "not OpenBLAS (left as it starts)";
  bool tuned = false;
};

Runtime& runtime() {
  static Runtime state;
  return state;
}

using Mallctl = int(const char*, void*, std::size_t*, void*, std::size_t);

// The options that matter here, as they are in effect (from malloc_conf, MALLOC_CONF or jemalloc's
// defaults), in MALLOC_CONF's syntax: what a benchmark peer is given (tools/bench/process_settings.py).
std::string jemalloc_effective_conf(Mallctl* mallctl) {
  ssize_t dirty = 0, muzzy = 0;
  std::size_t fit = 0, size = sizeof dirty;
  mallctl("opt.dirty_decay_ms", &dirty, &size, nullptr, 0);
  size = sizeof muzzy;
  mallctl("opt.muzzy_decay_ms", &muzzy, &size, nullptr, 0);
  size = sizeof fit;
  mallctl("opt.lg_extent_max_active_fit", &fit, &size, nullptr, 0);
  return fmt::format("dirty_decay_ms:{},muzzy_decay_ms:{},lg_extent_max_active_fit:{}", dirty, muzzy, fit);
}

// jemalloc takes its settings from the executable's malloc_conf (and MALLOC_CONF); glibc is tuned here.
void tune_allocator(bool apply) {
  if (auto* mallctl = symbol<Mallctl>("mallctl")) {
    const char* version = nullptr;
    std::size_t size = sizeof version;
    mallctl("version", &version, &size, nullptr, 0);
    ssize_t dirty = 0;
    size = sizeof dirty;
    mallctl("arenas.dirty_decay_ms", &dirty, &size, nullptr, 0);
    runtime().allocator = fmt::format("jemalloc {} (dirty_decay_ms {}{})", version ? version : "?", dirty,
                                       dirty < 0 ? ": freed pages stay with the process" : "");
    runtime().allocator_name = "jemalloc";
    runtime().malloc_conf = jemalloc_effective_conf(mallctl);
    return;
  }
  if (!apply) return;
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);    // the largest glibc allows; larger blocks still mmap
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);  // never trim the heap top below 1 GiB of free space
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  runtime().allocator = "glibc malloc (mmap threshold 32 MiB, trim threshold 1 GiB, top pad 64 MiB)";
  runtime().malloc_conf = "M_MMAP_THRESHOLD=33554432,M_TRIM_THRESHOLD=1073741824,M_TOP_PAD=67108864";
}

// OpenBLAS's thread count as it is now (0 where the BLAS is not OpenBLAS).
int blas_threads() {
  using GetThreads = int();
  auto* get_threads = symbol<GetThreads>("openblas_get_num_threads");
  return get_threads ? get_threads() : 0;
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
  return {{"allocator", r.allocator}, {"allocator_name", r.allocator_name}, {"malloc_conf", r.malloc_conf},
          {"blas", r.blas},           {"blas_threads", blas_threads()},         {"tuned", r.tuned}};
}

}  // namespace ganrig
