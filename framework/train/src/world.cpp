// Where a process stands in its group (from the launcher's environment), the world of one
// process, and the checks that compare ranks. The c10d group itself is in c10d_world.cpp.
#include "ganrig/train/world.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "ganrig/config_view.hpp"
#include "ganrig/error.hpp"
#include "ganrig/sha256.hpp"
#include "ganrig/train/trainer.hpp"

namespace ganrig {

namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

int integer_variable(const char* name, const std::string& text) {
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("environment variable {}={}: expected a whole number >= 0", name, text));
}

int integer_variable(const char* name, int fallback) {
  const auto text = variable(name);
  return text ? integer_variable(name, *text) : fallback;
}

// torchrun / torch.distributed.launch, or any launcher that sets the same names.
WorldSpec from_torchrun(const std::string& rank) {
  WorldSpec spec;
  spec.source = "torchrun variables";
  spec.rank = integer_variable("RANK", rank);
  const auto size = variable("WORLD_SIZE");
  if (!size) throw Error("environment: RANK is set but WORLD_SIZE is not (a launcher sets both)");
  spec.size = integer_variable("WORLD_SIZE", *size);
  spec.local_rank = integer_variable("LOCAL_RANK", spec.rank);
  spec.local_size = integer_variable("LOCAL_WORLD_SIZE", spec.size);
  spec.master_addr = variable("MASTER_ADDR").value_or("127.0.0.1");
  spec.master_port = integer_variable("MASTER_PORT", 29500);
  if (spec.size > 1 && !variable("MASTER_ADDR"))
    throw Error("environment: WORLD_SIZE > 1 but MASTER_ADDR is not set (the address of rank 0's machine)");
  return spec;
}

// The first host of a SLURM host list: "gpu[03-05,9],cpu1" -> "gpu03".
std::string first_host_of(const std::string& nodelist) {
  const auto bracket = nodelist.find('[');
  const auto comma = nodelist.find(',');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket))
    return nodelist.substr(0, comma);
  const auto end = nodelist.find_first_of(",-]", bracket + 1);
  return nodelist.substr(0, bracket) + nodelist.substr(bracket + 1, end - bracket - 1);
}

// srun: one task per rank. SLURM does not name a master: MASTER_ADDR when the job script exports
// it, else the first host of SLURM_JOB_NODELIST (or SLURM_NODELIST), as the job script of
// `ganrig sweep --emit slurm` and torch's own SLURM recipes choose it.
WorldSpec from_slurm(const std::string& procid) {
  WorldSpec spec;
  spec.source = "SLURM";
  spec.rank = integer_variable("SLURM_PROCID", procid);
  spec.size = integer_variable("SLURM_NTASKS", 1);
  spec.local_rank = integer_variable("SLURM_LOCALID", 0);
  const auto per_node = variable("SLURM_NTASKS_PER_NODE");  // "4" or "4(x2)"
  spec.local_size = per_node ? integer_variable("SLURM_NTASKS_PER_NODE", per_node->substr(0, per_node->find('(')))
                             : spec.size;
  const int nodes = integer_variable("SLURM_NNODES", 1);
  auto addr = variable("MASTER_ADDR");
  const auto nodelist = variable("SLURM_JOB_NODELIST") ? variable("SLURM_JOB_NODELIST") : variable("SLURM_NODELIST");
  if (!addr && nodelist) addr = first_host_of(*nodelist);
  if (!addr && nodes > 1)
    throw Error("environment: a SLURM job over several nodes needs MASTER_ADDR or SLURM_JOB_NODELIST (e.g. export "
                "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1) in the job script)");
  spec.master_addr = addr.value_or("127.0.0.1");
  spec.master_port = integer_variable("MASTER_PORT", 29500);
  return spec;
}

class SingleProcess : public World {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_size() const override { return 1; }
  bool distributed() const override { return false; }
  void average(const std::vector<torch::Tensor>&) override {}
  void broadcast(const std::vector<torch::Tensor>&, int) override {}
  torch::Tensor gather_rows(const torch::Tensor& local) override { return local; }
  bool any(bool flag) override { return flag; }
  std::string share_text(const std::string&, const std::string& text) override { return text; }
  void barrier() override {}
};

}  // namespace

std::optional<WorldSpec> world_from_environment() {
  std::optional<WorldSpec> spec;
  if (const auto rank = variable("RANK")) {
    spec = from_torchrun(*rank);
  } else if (const auto procid = variable("SLURM_PROCID"); procid && variable("SLURM_NTASKS")) {
    // Inside an allocation but not under srun (a batch script's own shell) SLURM_NTASKS may be
    // unset or 1: that is one process.
    spec = from_slurm(*procid);
    if (spec->size == 1) return std::nullopt;
  }
  if (!spec) return std::nullopt;
  if (spec->size < 1 || spec->rank >= spec->size)
    throw Error(fmt::format("environment ({}): rank {} is not in a world of size {}", spec->source, spec->rank,
                            spec->size));
  if (spec->local_rank >= spec->local_size)
    throw Error(fmt::format("environment ({}): local rank {} is not below the local world size {}", spec->source,
                            spec->local_rank, spec->local_size));
  if (spec->master_port < 1 || spec->master_port > 65535)
    throw Error(fmt::format("environment ({}): MASTER_PORT={} is not a port (1-65535)", spec->source,
                            spec->master_port));
  return spec;
}

JoinOptions join_options(const Config& config, const WorldSpec& spec) {
  const ConfigView exec(*config.table_at("exec"), "exec", &config);
  JoinOptions options;
  options.backend = exec.string("backend");
  options.timeout = std::chrono::seconds(exec.integer("timeout_s"));
  options.silence_limit = std::chrono::seconds(exec.integer("dist_timeout_s"));
  options.device = resolve_device(exec.string("device"), spec.local_rank);
  return options;
}

std::unique_ptr<World> single_process_world() { return std::make_unique<SingleProcess>(); }

std::string tensors_sha256(const std::vector<torch::Tensor>& tensors) {
  std::string bytes;
  for (const auto& t : tensors) {
    const torch::Tensor cpu = t.detach().to(torch::kCPU).contiguous();
    bytes.append(static_cast<const char*>(cpu.data_ptr()), cpu.numel() * cpu.element_size());
  }
  return sha256_text(bytes);
}

void check_same_on_every_rank(World& world, const std::string& what, const std::string& value) {
  if (!world.distributed()) return;
  // Every rank sends a fixed-size digest; rank order is kept by gather_rows.
  const std::string digest = sha256_text(value);
  const torch::Tensor mine = torch::from_blob(const_cast<char*>(digest.data()), {1, 64}, torch::kUInt8).clone();
  const torch::Tensor all = world.gather_rows(mine);
  for (int r = 1; r < world.size(); ++r)
    if (!torch::equal(all[r], all[0]))
      throw Error(fmt::format("rank {} disagrees with rank 0 on {}: every rank must train the same model from the same "
                              "configuration (same experiment file, --set values and plugins)",
                              r, what));
}

}  // namespace ganrig
