// Atomic files: a failed write leaves the target and no temporary; temporaries of processes that
// are gone are removed, those of live processes kept.
#include "catch_compat.hpp"

#include <unistd.h>

#include <fstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"
#include "support.hpp"

using namespace ganrig;
namespace fs = std::filesystem;

TEST_CASE("a failed atomic write keeps the old file and leaves no temporary", "[atomic_file]") {
  const fs::path dir = test::temp_dir("atomic-write");
  write_file_atomic(dir / "a.txt", "old");
  REQUIRE_THROWS_AS(write_atomically(dir / "a.txt",
                                     [](const fs::path& temporary) {
                                       std::ofstream(temporary) << "half";
                                       throw Error("disk full");
                                     }),
                    Error);
  std::ifstream in(dir / "a.txt");
  std::string text;
  in >> text;
  CHECK(text == "old");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("stale temporaries of dead processes are removed, live ones kept", "[atomic_file]") {
  const fs::path dir = test::temp_dir("stale-temporaries");
  // A pid above the kernel's pid_max can never be running.
  std::ofstream(dir / "snapshot-000000040.pt.tmp-99999999") << "partial";
  const std::string mine = "snapshot-000000080.pt.tmp-" + std::to_string(::getpid());
  std::ofstream(dir / mine) << "being written";
  std::ofstream(dir / "notes.tmp-abc") << "not ours";
  std::ofstream(dir / "snapshot-000000040.pt") << "complete";
  CHECK(remove_stale_temporaries(dir) == 1);
  CHECK_FALSE(fs::exists(dir / "snapshot-000000040.pt.tmp-99999999"));
  CHECK(fs::exists(dir / mine));
  CHECK(fs::exists(dir / "notes.tmp-abc"));
  CHECK(fs::exists(dir / "snapshot-000000040.pt"));
}
