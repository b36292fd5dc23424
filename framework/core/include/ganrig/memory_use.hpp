#pragma once
// How much memory the process holds and may still take: what a memory check before a long
// allocation needs (a batch too large for the machine is refused with a sentence, not by the
// allocator's exception or the kernel's out-of-memory killer).
#include <cstdint>

namespace ganrig {

// Bytes the heap has handed out and not taken back: jemalloc's stats.allocated when the
// executable links jemalloc, else glibc's mallinfo2 (in use, small blocks and mapped ones).
std::int64_t heap_bytes_in_use();

// Bytes this process may still allocate: the kernel's MemAvailable, lowered to what a cgroup v2
// memory.max leaves (a container or a SLURM job's limit). -1 when neither can be read.
std::int64_t memory_available_bytes();

}  // namespace ganrig
