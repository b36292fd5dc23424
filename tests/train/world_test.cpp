// The data-parallel group: where a process stands from its launcher's variables, the collectives
// on c10d's Gloo (two ranks as two threads of this process), the random streams per micro-batch,
// and the data feed's shares of one global batch.
#include "catch_compat.hpp"

#include <cstdlib>
#include <map>
#include <optional>
#include <thread>

#include "ganrig/error.hpp"
#include "ganrig/in_memory_dataset.hpp"
#include "ganrig/train/data_feed.hpp"
#include "ganrig/train/run_state.hpp"
#include "ganrig/train/world.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {

using Vars = std::map<std::string, std::string>;

// Sets variables for the test's duration and restores the launcher-related ones afterwards.
class Environment {
 public:
  explicit Environment(const std::map<std::string, std::string>& values) {
    for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                             "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE", "SLURM_NNODES"}) {
      if (const char* v = std::getenv(name)) saved_[name] = v;
      unsetenv(name);
    }
    for (const auto& [k, v] : values) setenv(k.c_str(), v.c_str(), 1);
  }
  ~Environment() {
    for (const auto& name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                             "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE", "SLURM_NNODES"})
      unsetenv(name);
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
  }

 private:
  std::map<std::string, std::string> saved_;
};

// Runs `body(world)` on two ranks, each a thread with its own World, and rethrows a failure.
void on_two_ranks(int port, const std::function<void(World&)>& body) {
  std::vector<std::thread> threads;
  std::vector<std::string> errors(2);
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      try {
        WorldSpec spec;
        spec.rank = r;
        spec.size = 2;
        spec.local_rank = r;
        spec.local_size = 2;
        spec.master_port = port;
        JoinOptions options;
        options.timeout = std::chrono::seconds(30);
        options.bucket_bytes = 64;  // several buckets even for these small tensors
        auto world = join_world(spec, options);
        body(*world);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& e : errors) REQUIRE(e.empty());
}

class TenImages : public InMemoryDataset {
 public:
  TenImages() { hold(torch::arange(10 * 4, torch::kInt).to(torch::kUInt8).view({10, 1, 2, 2}), true, "ten images"); }
};

}  // namespace

TEST_CASE("torchrun's and SLURM's variables place a process in its group", "[world]") {
  {
    Environment env(Vars{});
    CHECK_FALSE(world_from_environment().has_value());
  }
  {
    Environment env(Vars{{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                     {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29600"}});
    const auto spec = world_from_environment();
    REQUIRE(spec.has_value());
    CHECK(spec->rank == 1);
    CHECK(spec->size == 4);
    CHECK(spec->local_rank == 1);
    CHECK(spec->local_size == 2);
    CHECK(spec->master_addr == "node7");
    CHECK(spec->master_port == 29600);
  }
  {
    Environment env(Vars{{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"},
                     {"SLURM_NTASKS_PER_NODE", "4(x2)"}, {"SLURM_NNODES", "2"}, {"MASTER_ADDR", "gpu01"}});
    const auto spec = world_from_environment();
    REQUIRE(spec.has_value());
    CHECK(spec->source == "SLURM");
    CHECK(spec->rank == 5);
    CHECK(spec->size == 8);
    CHECK(spec->local_size == 4);
    CHECK(spec->master_port == 29500);
  }
  {
    Environment env(Vars{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}});  // a batch script's own shell
    CHECK_FALSE(world_from_environment().has_value());
  }
}

TEST_CASE("inconsistent launcher variables are errors that name the variable", "[world]") {
  {
    Environment env(Vars{{"RANK", "0"}});
    REQUIRE_THROWS_WITH(world_from_environment(), contains("RANK is set but WORLD_SIZE is not"));
  }
  {
    Environment env(Vars{{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}});
    REQUIRE_THROWS_WITH(world_from_environment(), contains("rank 2 is not in a world of size 2"));
  }
  {
    Environment env(Vars{{"RANK", "x"}, {"WORLD_SIZE", "2"}});
    REQUIRE_THROWS_WITH(world_from_environment(), contains("RANK=x: expected a whole number"));
  }
  {
    Environment env(Vars{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}});
    REQUIRE_THROWS_WITH(world_from_environment(), contains("MASTER_PORT=70000 is not a port"));
  }
  {
    Environment env(Vars{{"RANK", "0"}, {"WORLD_SIZE", "2"}});
    REQUIRE_THROWS_WITH(world_from_environment(), contains("MASTER_ADDR is not set"));
  }
  {
    Environment env(Vars{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}, {"SLURM_NNODES", "2"}});
    REQUIRE_THROWS_WITH(world_from_environment(), contains("needs MASTER_ADDR") && contains("scontrol"));
  }
}

TEST_CASE("Gloo collectives: average in buckets, broadcast, rows gathered in rank order, any, shared text", "[world]") {
  std::vector<torch::Tensor> averaged(2), broadcast(2), gathered(2);
  std::vector<bool> any_true(2), any_false(2);
  std::vector<std::string> shared(2);
  on_two_ranks(29731, [&](World& world) {
    const int r = world.rank();
    std::vector<torch::Tensor> tensors{torch::full({40}, float(r + 1)), torch::full({3, 3}, float(10 * r)),
                                       torch::tensor(double(r))};
    world.average(tensors);
    averaged[r] = torch::cat({tensors[0].to(torch::kDouble), tensors[1].flatten().to(torch::kDouble),
                              tensors[2].reshape({1})});
    std::vector<torch::Tensor> b{torch::full({5}, float(r + 7))};
    world.broadcast(b);
    broadcast[r] = b[0];
    gathered[r] = world.gather_rows(torch::full({r + 1, 2}, float(r)));  // 1 row from rank 0, 2 from rank 1
    any_true[r] = world.any(r == 1);
    any_false[r] = world.any(false);
    shared[r] = world.share_text("test-key", r == 0 ? "from rank 0" : "ignored");
  });
  for (int r = 0; r < 2; ++r) {
    CHECK(averaged[r].slice(0, 0, 40).eq(1.5).all().item<bool>());
    CHECK(averaged[r].slice(0, 40, 49).eq(5.0).all().item<bool>());
    CHECK(averaged[r][49].item<double>() == 0.5);
    CHECK(broadcast[r].eq(7).all().item<bool>());
    REQUIRE(gathered[r].sizes() == std::vector<std::int64_t>{3, 2});
    CHECK(gathered[r][0].eq(0).all().item<bool>());
    CHECK(gathered[r].slice(0, 1, 3).eq(1).all().item<bool>());
    CHECK(any_true[r]);
    CHECK_FALSE(any_false[r]);
    CHECK(shared[r] == "from rank 0");
  }
}

TEST_CASE("ranks that disagree are named", "[world]") {
  std::vector<std::string> errors(2);
  on_two_ranks(29732, [&](World& world) {
    try {
      check_same_on_every_rank(world, "the parameters", world.rank() == 0 ? "aaa" : "bbb");
    } catch (const Error& e) {
      errors[world.rank()] = e.what();
    }
  });
  for (const auto& e : errors) CHECK_THAT(e, contains("rank 1 disagrees with rank 0 on the parameters"));
}

TEST_CASE("a group over several machines refuses a master reached through the loopback", "[world]") {
  WorldSpec spec;
  spec.rank = 1;
  spec.size = 2;
  spec.local_size = 1;  // one process per machine: the others cannot reach 127.0.0.1
  spec.master_port = 29734;
  JoinOptions options;
  options.silence_limit = std::chrono::seconds(2);
  REQUIRE_THROWS_WITH(join_world(spec, options),
                      contains("MASTER_ADDR=127.0.0.1 is reached through the loopback address 127.0.0.1") &&
                          contains("GLOO_SOCKET_IFNAME"));
}

TEST_CASE("a rank that cannot reach the rendezvous names the address and port", "[world]") {
  WorldSpec spec;
  spec.rank = 1;
  spec.size = 2;
  spec.master_port = 29733;  // nobody serves it
  spec.local_size = 2;        // both ranks on this machine
  JoinOptions options;
  options.silence_limit = std::chrono::seconds(2);
  REQUIRE_THROWS_WITH(join_world(spec, options),
                      contains("rank 1 of 2") && contains("cannot reach rank 0's rendezvous at 127.0.0.1:29733") &&
                          contains("within 2 s"));
}

TEST_CASE("a micro-batch's random stream depends on its index in the global batch, not on the process", "[world]") {
  auto draw = [](std::int64_t iteration, const std::string& phase, std::int64_t index) {
    seed_micro_batch(7, iteration, phase, index, torch::kCPU);
    return torch::randn({4});
  };
  const torch::Tensor a = draw(3, "D", 1);
  torch::randn({100});  // whatever ran in between
  CHECK(torch::equal(a, draw(3, "D", 1)));
  CHECK_FALSE(torch::equal(a, draw(3, "D", 0)));
  CHECK_FALSE(torch::equal(a, draw(4, "D", 1)));
  CHECK_FALSE(torch::equal(a, draw(3, "G", 1)));
}

TEST_CASE("ranks' shares of a batch are the rows of the one-process batch, flips included", "[world]") {
  TenImages dataset;
  DataFeed whole(dataset, 5), rank0(dataset, 5), rank1(dataset, 5);
  for (int step = 0; step < 4; ++step) {  // crosses epochs: 4 x 6 images of 10
    const torch::Tensor all = whole.next_uint8(6);
    const torch::Tensor shares = torch::cat({rank0.next_uint8(6, 0, 3), rank1.next_uint8(6, 3, 3)});
    CHECK(torch::equal(all, shares));
  }
}
