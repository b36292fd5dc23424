// Bench columns of paper tables (and cells without a spread): a row's cost is the median over a committed bench CSV's
// repetitions (sec/kimg from sec_per_iter and batch), its change against the first row paired by
// repetition, shown without a seed interval, marked on the
// Pareto front with the runs' values; a missing CSV, a wrong field, an unknown bench row or a bad
// cell are located errors.
#include "catch_compat.hpp"

#include <fstream>

#include "ganrig/error.hpp"
#include "ganrig/study/table.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

const char* const kBench =
    "row,rep,sec_per_iter,batch,peak_rss_mib,params_G,params_D_trainable\n"
    "none (PG),0,2.0,16,1700,7,10\n"
    "none (PG),1,1.9,16,1720,7,10\n"
    "none (PG),2,9.0,16,1710,7,10\n"  // an outlier repetition: the median ignores it
    "DSC everywhere,0,1.6,16,1600,5,10\n"
    "DSC everywhere,1,1.5,16,1650,5,10\n"
    "DSC everywhere,2,1.7,16,1640,5,10\n";

// A table under <dir>/paper/tables with the given row and column text; returns its path.
fs::path write_table(const fs::path& dir, const std::string& rows, const std::string& columns) {
  const fs::path tables = dir / "paper" / "tables";
  fs::create_directories(tables);
  std::ofstream(tables / "bench.csv") << kBench;
  const std::string exp = test::source_dir().string() + "/experiments/dcgan/dcgan_fashion-mnist32.toml";
  std::ofstream(tables / "t.toml") << "title = \"t\"\npareto = [\"KID\", \"sec/kimg\"]\n"
                                   << "[[rows]]\nlabel = \"Baseline\"\nexperiment = \"" << exp << "\"\nseeds = [0, 1]\nbench_row = \"none (PG)\"\n"
                                   << "[[rows]]\nlabel = \"DSC everywhere\"\nexperiment = \"" << exp << "\"\n"
                                   << rows << columns;
  return tables / "t.toml";
}

const std::string kColumns =
    "[[columns]]\nlabel = \"KID\"\nsource = \"metric\"\nmetric = \"kid1k\"\n"
    "[[columns]]\nlabel = \"sec/kimg\"\nsource = \"bench\"\nbench = \"bench.csv\"\nfield = \"sec_per_kimg\"\ndigits = 1\n"
    "[[columns]]\nlabel = \"time change\"\nsource = \"bench\"\nbench = \"bench.csv\"\nfield = \"sec_per_kimg\"\nrelative = true\n"
    "[[columns]]\nlabel = \"RSS\"\nsource = \"bench\"\nbench = \"bench.csv\"\nfield = \"peak_rss_mib\"\ndigits = 0\n";

}  // namespace

TEST_CASE("a bench column shows the median over the bench's repetitions, per row, without a seed interval", "[study]") {
  const auto spec = study::read_table(write_table(test::temp_dir("table-bench"), "", kColumns));
  REQUIRE(spec.columns[1].bench_reps.size() == 2);
  CHECK(study::bench_median(spec.columns[1], "none (PG)").value() == Approx(2000.0 / 16));  // median of 2.0, 1.9, 9.0 s/iter
  const std::vector<study::TableRecord> records = {
      {"Baseline", 0, "r0", "c", "h", {{"KID", 2.0}}},
      {"Baseline", 1, "r1", "c", "h", {{"KID", 3.0}}},
      {"DSC everywhere", 0, "r2", "c", "h", {{"KID", 4.0}}},
  };
  const std::string block = study::render_table(spec, records);
  // The change is paired by repetition: the median of 1.6/2.0, 1.5/1.9 and 1.7/9.0 is 0.789 (-21.1 %), not
  // the ratio of the medians 1.6/2.0 (-20 %). RSS medians 1710 and 1640; no "±" on a bench cell.
  CHECK_THAT(block, contains("| 2/2 | 2.500 ± 6.353 | 125.0 | +0.0% | 1710 |"));
  CHECK_THAT(block, contains("| 1/1 | 4.000 | 100.0 | -21.1% | 1640 |"));
  // Each row is better in one of KID and bench sec/kimg: both on the front.
  CHECK(study::pareto_front(spec, records) == std::set<std::string>{"Baseline", "DSC everywhere"});
  // Values every seed shares (a parameter count) print without "± 0".
  const std::string same = study::render_table(spec, {records[0], {"Baseline", 1, "r1", "c", "h", {{"KID", 2.0}}}});
  CHECK_THAT(same, contains("| 2/2 | 2.000 | 125.0 |"));
  // A row whose runs are missing still shows its bench cost; its KID is "missing".
  const std::string without = study::render_table(spec, {records[0]});
  CHECK_THAT(without, contains("| 0/1 | missing | 100.0 | -21.1% | 1640 |"));
  // Rows that share no repetition have no paired change.
  auto unpaired = spec;
  unpaired.columns[2].bench_reps.at("DSC everywhere") = {{7, 1.0}};
  CHECK_THAT(study::render_table(unpaired, records), contains("| 1/1 | 4.000 | 100.0 | - | 1640 |"));
}

TEST_CASE("bench columns: missing CSV, wrong field, unknown bench row and bad cells are located errors", "[study]") {
  const fs::path dir = test::temp_dir("table-bench-errors");
  auto columns_with = [](const std::string& bench_lines) {
    return "[[columns]]\nlabel = \"sec/kimg\"\nsource = \"bench\"\n" + bench_lines;
  };
  REQUIRE_THROWS_WITH(study::read_table(write_table(dir, "", columns_with("bench = \"nosuch.csv\"\nfield = \"sec_per_kimg\"\n"))),
                      contains("t.toml:14:") && contains("nosuch.csv does not exist"));
  REQUIRE_THROWS_WITH(study::read_table(write_table(dir, "", columns_with("bench = \"bench.csv\"\nfield = \"value\"\n"))),
                      contains("t.toml:15:") && contains("\"sec_per_kimg\" or \"peak_rss_mib\""));
  REQUIRE_THROWS_WITH(study::read_table(write_table(dir, "", columns_with("field = \"sec_per_kimg\"\n"))),
                      contains("t.toml:13:") && contains("needs bench ="));
  const std::string typo = "[[rows]]\nlabel = \"c\"\nexperiment = \"" + test::source_dir().string() +
                           "/experiments/dcgan/dcgan_fashion-mnist32.toml\"\nbench_row = \"DSC everywher\"\n";
  REQUIRE_THROWS_WITH(study::read_table(write_table(dir, typo, kColumns)),
                      contains("t.toml:14:") && contains("no row 'DSC everywher'") && contains("did you mean 'DSC everywhere'"));
  const fs::path file = write_table(dir, "", kColumns);
  std::ofstream(file.parent_path() / "bench.csv") << "row,rep,sec_per_iter,batch,peak_rss_mib\nnone (PG),0,fast,16,1700\n";
  REQUIRE_THROWS_WITH(study::read_table(file), contains("bench.csv:2: expected 5 cells with numbers in 'rep' and 'sec_per_iter'"));
  std::ofstream(file.parent_path() / "bench.csv") << "row,rep,seconds\n";
  REQUIRE_THROWS_WITH(study::read_table(file), contains("has no 'sec_per_iter' column"));
}
