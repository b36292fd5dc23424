// Documents that are not experiments (sweeps, paper tables, recipes) checked by the same Schema:
// located errors, defaults, typed reads.
#include "catch_compat.hpp"

#include <fstream>

#include "ganrig/document.hpp"
#include "ganrig/error.hpp"
#include "ganrig/toml_file.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

Schema sample_schema() {
  Schema s;
  s.required("title", ValueType::String, "Heading.");
  s.integer("seed", 0, "A seed.").at_least(0);
  s.string("mode", "grid", "How.").one_of({"grid", "zip"});
  s.array_table("axes", "Key -> values.");
  s.table("source", "A sub-table its reader checks.");
  return s;
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path file = test::temp_dir("document") / name;
  std::ofstream(file) << text;
  return file;
}

void check(const fs::path& file) {
  const toml::table root = read_toml_file(file);
  const CheckedTable t(file, root, sample_schema(), "sample");
}

}  // namespace

TEST_CASE("documents get defaults, typed reads and positions", "[validate]") {
  const fs::path file = write("ok.toml", "title = \"t\"\n[axes]\n\"train.batch\" = [8, 16]\n");
  const toml::table root = read_toml_file(file);
  const CheckedTable t(file, root, sample_schema(), "sample");
  CHECK(t.view().string("title") == "t");
  CHECK(t.view().integer("seed") == 0);
  CHECK(t.view().string("mode") == "grid");
  CHECK_THAT(t.where("axes"), contains("ok.toml:2:"));
}

TEST_CASE("documents: every error is located (a wrongly typed seed is no longer 0)", "[validate]") {
  REQUIRE_THROWS_WITH(check(write("a.toml", "title = \"t\"\nseed = \"1\"\n")),
                      contains("a.toml:2:1") && contains("seed") && contains("expected integer"));
  REQUIRE_THROWS_WITH(check(write("b.toml", "title = \"t\"\nsed = 1\n")),
                      contains("b.toml:2:1") && contains("did you mean 'seed'"));
  REQUIRE_THROWS_WITH(check(write("c.toml", "seed = 1\n")), contains("missing required key 'title'"));
  REQUIRE_THROWS_WITH(check(write("d.toml", "title = \"t\"\nmode = \"zap\"\n")),
                      contains("d.toml:2:1") && contains("\"zap\" is not allowed"));
  REQUIRE_THROWS_WITH(check(write("e.toml", "title = \"t\"\n[axes]\nlr = []\n")),
                      contains("e.toml:3:1") && contains("non-empty array"));
  REQUIRE_THROWS_WITH(check(write("f.toml", "title = \"t\"\nsource = 3\n")), contains("f.toml:2:1") &&
                                                                               contains("expected table"));
  REQUIRE_THROWS_WITH(check(write("g.toml", "title = \"t\"\nseed = -1\n")), contains("out of range"));
}
