// Paper tables: rendering from records (several seeds, a missing run, paper values and deltas,
// relative columns), the CSV round trip and the README block.
#include "catch_compat.hpp"

#include <fstream>

#include "ganrig/error.hpp"
#include "ganrig/study/table.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {
study::TableSpec demo() { return study::read_table(test::fixture("study/paper/tables/demo.toml")); }
}  // namespace

TEST_CASE("a table renders mean and 95% interval over seeds, paper values, deltas and missing runs", "[study]") {
  const auto spec = demo();
  REQUIRE(spec.rows.size() == 2);
  CHECK(spec.readme == fs::weakly_canonical(test::fixture("study/paper/README.md")));
  // Baseline: two seeds; DSC: seed 0 only (seed 1 missing).
  const std::vector<study::TableRecord> records = {
      {"Baseline", 0, "dcgan/00000", "abcdef1234567", "c0nf1g", {{"KID×10³", 0.0020}, {"sec/kimg", 10.0}}},
      {"Baseline", 1, "dcgan/00001", "abcdef1234567", "c0nf1g", {{"KID×10³", 0.0030}, {"sec/kimg", 12.0}}},
      {"DSC", 0, "dcgan/00002", "abcdef1234567", "c0nf1g", {{"KID×10³", 0.0040}, {"sec/kimg", 8.8}}},
  };
  const std::string block = study::render_table(spec, records);
  CHECK_THAT(block, contains("<!-- ganrig-table:demo -->") && contains("<!-- /ganrig-table:demo -->"));
  CHECK_THAT(block, contains("| [Baseline](../../../../experiments/dcgan/dcgan_fashion-mnist32.toml) | 2/2 | 2.50 ± 6.35 |"));  // t(0.975, 1) 12.706 * 0.707 / sqrt(2)
  // DSC: 8.8 / 11 - 1 = -20.0 % against the paper's -20 %: +0.0 pp; KID 4.00 against 1.5: +2.50.
  CHECK_THAT(block, contains("| 1/2 | 4.00 | 1.5 | +2.50 | -20.0% | −20 % | +0.0 pp |"));
  CHECK_THAT(block, contains("DSC (seed 1): `ganrig train ../../experiments/dcgan/dcgan-dsc_fashion-mnist32.toml --set "
                             "experiment.seed=1`"));
  CHECK_THAT(block, contains("Runs at commit abcdef1234"));
}

TEST_CASE("table CSV round trip and README block replacement", "[study]") {
  auto spec = demo();
  const fs::path dir = test::temp_dir("table-csv");
  spec.csv = dir / "demo.csv";
  const std::vector<study::TableRecord> records = {{"Baseline", 0, "r0", "c0", "h0", {{"KID×10³", 0.25}}},
                                                   {"DSC", 1, "r1", "c1", "h1", {{"sec/kimg", 3.5}}}};
  std::ofstream(spec.csv) << study::to_csv(spec, records);
  const auto back = study::read_csv(spec);
  REQUIRE(back.size() == 2);
  CHECK(back[0].values.at("KID×10³") == Approx(0.25));
  CHECK(back[1].values.count("KID×10³") == 0);
  CHECK(back[1].seed == 1);
  CHECK(back[0].config == "h0");
  // A CSV from before tables recorded config hashes: read, with no config.
  std::ofstream(spec.csv) << "row,seed,run,commit,KID×10³,sec/kimg\n\"DSC\",0,r2,c2,0.5,\n";
  const auto old = study::read_csv(spec);
  REQUIRE(old.size() == 1);
  CHECK(old[0].config.empty());
  CHECK(old[0].values.at("KID×10³") == Approx(0.5));
  const std::string block = study::render_table(spec, back);
  const std::string readme = "# Paper\n\nText.\n";
  const std::string with = study::replace_block(readme, "demo", block);
  CHECK(study::current_block(with, "demo") == block);
  const std::string again = study::replace_block(with + "\nAfter.\n", "demo", block);
  CHECK(again == with + "\nAfter.\n");  // replaced in place, text around it kept
  CHECK_FALSE(study::current_block(readme, "demo"));
}

TEST_CASE("table files: unknown keys, unknown paper columns and missing tables are located errors", "[study]") {
  const fs::path dir = test::temp_dir("table-errors") / "paper" / "tables";
  fs::create_directories(dir);
  const std::string exp = test::source_dir().string() + "/experiments/dcgan/dcgan_fashion-mnist32.toml";
  std::ofstream(dir / "t.toml") << "title = \"t\"\n[[rows]]\nlabel = \"a\"\nexperiment = \"" << exp
                                << "\"\npaper = { \"FID\" = 1 }\n[[columns]]\nlabel = \"KID\"\nsource = \"metric\"\nmetric = \"kid1k\"\n";
  REQUIRE_THROWS_WITH(study::read_table(dir / "t.toml"), contains("t.toml:5:") && contains("'FID'"));
  std::ofstream(dir / "u.toml") << "title = \"u\"\n[[rows]]\nlabel = \"a\"\nexperiment = \"" << exp
                                << "\"\n[[columns]]\nlabel = \"KID\"\nsource = \"metrc\"\n";
  REQUIRE_THROWS_WITH(study::read_table(dir / "u.toml"), contains("u.toml:7:") && contains("did you mean 'metric'") &&
                                                                  contains("\"sec_per_kimg\""));
  // A wrongly typed seed is an error at its position (it used to become seed 0).
  std::ofstream(dir / "v.toml") << "title = \"v\"\n[[rows]]\nlabel = \"a\"\nexperiment = \"" << exp
                                << "\"\nseeds = [\"1\"]\n[[columns]]\nlabel = \"KID\"\nsource = \"params_G\"\n";
  REQUIRE_THROWS_WITH(study::read_table(dir / "v.toml"),
                      contains("v.toml:5:") && contains("seeds") && contains("expected array of integers"));
  REQUIRE_THROWS_WITH(study::find_table("nosuch", test::source_dir() / "experiments"), contains("no table 'nosuch'"));
}

TEST_CASE("a table marks the rows on the Pareto front of its pareto columns", "[study]") {
  auto spec = demo();
  spec.pareto = {"KID×10³", "sec/kimg"};
  std::vector<study::TableRecord> records = {
      {"Baseline", 0, "r0", "c", "h", {{"KID×10³", 0.0030}, {"sec/kimg", 10.0}}},
      {"DSC", 0, "r1", "c", "h", {{"KID×10³", 0.0040}, {"sec/kimg", 8.0}}},
  };
  CHECK(study::pareto_front(spec, records) == std::set<std::string>{"Baseline", "DSC"});  // each better in one
  records[1].values["KID×10³"] = 0.0030;  // DSC: as good in KID, faster: Baseline is dominated
  CHECK(study::pareto_front(spec, records) == std::set<std::string>{"DSC"});
  const std::string block = study::render_table(spec, records);
  CHECK_THAT(block, contains("dcgan-dsc_fashion-mnist32.toml) ★ |"));
  CHECK_THAT(block, contains("★: on the Pareto front of KID×10³ and sec/kimg"));
  records.pop_back();  // a row without values takes no part
  CHECK(study::pareto_front(spec, records) == std::set<std::string>{"Baseline"});
}
