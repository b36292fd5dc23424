#pragma once
// Process-wide CPU settings that decide how fast a training step runs on a CPU machine, chosen by
// measurement (tools/bench/README.md) and recorded in every run's env.json:
// - Allocator: the ganrig executable links jemalloc configured never to hand freed pages back to
//   the kernel (a step allocates and frees the same large tensors every iteration; glibc maps
//   every block over 32 MiB afresh and the page faults showed up as system time). Without jemalloc
//   glibc is tuned instead (largest mmap threshold, no trimming).
// - BLAS: a pthreads OpenBLAS keeps its own worker threads spinning in sched_yield between calls,
//   competing with ATen's OpenMP threads for the same cores (1.2 million sched_yield calls in 7
//   Projected GAN iterations); it is limited to one thread, ATen parallelises around it. An OpenMP
//   OpenBLAS shares ATen's threads and is left alone. GANRIG_BLAS_THREADS=N overrides.
// GANRIG_NO_CPU_TUNING=1 leaves the BLAS and glibc as they start, GANRIG_NO_MALLOC_TUNING=1 only
// glibc; jemalloc's setting is the executable's malloc_conf, which MALLOC_CONF overrides (e.g.
// MALLOC_CONF=dirty_decay_ms:10000 for jemalloc's default).
#include <nlohmann/json.hpp>

namespace ganrig {

// Call first thing in main: before any allocation-heavy work and before threads start.
void tune_cpu_runtime();

// What the process runs with: {"allocator": ..., "blas": ..., "tuned": bool}.
nlohmann::json cpu_runtime_info();

}  // namespace ganrig
