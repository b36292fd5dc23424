// One writer per run folder: a second lock is refused naming the holder's pid; the lock goes with
// its holder.
#include "catch_compat.hpp"

#include <unistd.h>

#include "ganrig/error.hpp"
#include "ganrig/run_lock.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

TEST_CASE("a second writer of a run folder is refused with the holder's pid", "[run_lock]") {
  const auto dir = test::temp_dir("run-lock");
  {
    RunLock first(dir);
    REQUIRE_THROWS_WITH(RunLock(dir), contains("is being trained by process " + std::to_string(::getpid())) &&
                                          contains("train.lock"));
  }
  CHECK_NOTHROW(RunLock(dir));  // released with its holder; the stale file does not block
}
