#pragma once
// The processes that train one model together (data parallelism on torch.distributed's c10d:
// Gloo on CPU, NCCL on CUDA). A process learns its place from torchrun's variables (RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), from SLURM's (SLURM_PROCID,
// SLURM_NTASKS, SLURM_LOCALID, with MASTER_ADDR set by the job script) or is alone (world size 1).
// What the loop needs from the others is here, as collective operations every rank calls in the
// same order; docs/distributed.md says what is shared and what stays per rank.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

namespace ganrig {

class Config;

struct WorldSpec {
  int rank = 0, size = 1;
  int local_rank = 0, local_size = 1;  // this machine's processes
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single process";  // "torchrun variables", "SLURM", "single process"
};

// The spec from the environment; nullopt when no launcher set one. Inconsistent values (a rank
// outside the world, a port that is not a number, SLURM without MASTER_ADDR for several nodes)
// are an Error naming the variable.
std::optional<WorldSpec> world_from_environment();

class World {
 public:
  virtual ~World() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  bool is_main() const { return rank() == 0; }
  // True for a c10d group, even of one process (its collectives run; a way to measure their cost).
  virtual bool distributed() const = 0;
  // The command that resumes this run, named when the group stops because it lost a rank.
  virtual void set_resume_command(const std::string& command) { (void)command; }

  // Averages every tensor over the ranks, in place, in buckets of at most `bucket_bytes` that are
  // all in flight together (one collective per bucket, not per tensor).
  virtual void average(const std::vector<torch::Tensor>& tensors) = 0;
  // Copies rank `root`'s tensors into every other rank's, in place.
  virtual void broadcast(const std::vector<torch::Tensor>& tensors, int root = 0) = 0;
  // Every rank's rows, concatenated in rank order, on every rank (rows may differ per rank).
  virtual torch::Tensor gather_rows(const torch::Tensor& local) = 0;
  // True on every rank when `flag` is true on any (a stop request seen by one rank stops all).
  virtual bool any(bool flag) = 0;
  // Rank 0's text on every rank (a small value through the rendezvous store).
  virtual std::string share_text(const std::string& key, const std::string& text_on_rank0) = 0;
  virtual void barrier() = 0;
};

// World size 1: every collective is the identity.
std::unique_ptr<World> single_process_world();

struct JoinOptions {
  std::string backend = "auto";               // "auto" (NCCL on CUDA, Gloo on CPU), "gloo", "nccl"
  torch::Device device = torch::kCPU;         // where the tensors of the collectives live
  std::chrono::seconds timeout{1800};         // each collective, while every rank is alive
  std::chrono::milliseconds silence_limit{300000};  // the rendezvous; how long a rank may go unheard
  std::int64_t bucket_bytes = 25 << 20;       // as DDP's bucket_cap_mb
};

// Joins the group described by `spec` through a TCPStore on MASTER_ADDR:MASTER_PORT (rank 0
// serves it). A master that cannot be reached, or a rank that does not join, within the silence
// limit is an Error naming address, port and ranks; an unavailable backend is a ConfigError. In a
// group of several, every rank then beats through the store: a rank unheard for the silence limit,
// or whose connection closes, ends every other process with one line naming its rank and host.
std::unique_ptr<World> join_world(const WorldSpec& spec, const JoinOptions& options);

// [exec] backend, timeout_s, dist_timeout_s and device (cuda:LOCAL_RANK for "auto" and "cuda") for this rank.
JoinOptions join_options(const Config& config, const WorldSpec& spec);

// The backend "auto" means on `device` ("nccl" or "gloo").
std::string resolve_backend(const std::string& backend, const torch::Device& device);

// sha256 of the bytes of `tensors` (on the CPU, in order): equal on every rank when the replicas agree.
std::string tensors_sha256(const std::vector<torch::Tensor>& tensors);

// Throws an Error naming the first rank whose `what` differs from rank 0's (parameters, config).
void check_same_on_every_rank(World& world, const std::string& what, const std::string& value);

}  // namespace ganrig
