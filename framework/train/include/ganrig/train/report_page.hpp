#pragma once
// The report page: one self-contained HTML file (uPlot, the drawing script and the data inlined;
// works offline from file://) for one run or a side-by-side comparison of runs. Training rewrites
// a run's page at every tick; `ganrig report` writes either kind. docs/report.md.
#include <filesystem>
#include <string>
#include <vector>

namespace ganrig {

struct ReportRun {
  std::filesystem::path dir;  // a run folder
  std::string name;           // its label on the page (a sweep: its axis values)
};

// Writes `page` (atomically) from the runs' stats.jsonl, metrics.jsonl, sample grids,
// config.resolved.toml, plugins.json and env.json; images are referenced relative to the page.
// Several runs: overlaid curves and a table of the config keys that differ.
void write_report_page(const std::vector<ReportRun>& runs, const std::filesystem::path& page, const std::string& title);

// Whether uPlot was inlined at build time (tools/setup.sh fetches it); without it the page has
// the tables but no plots, and says why.
bool report_has_plots();

}  // namespace ganrig
