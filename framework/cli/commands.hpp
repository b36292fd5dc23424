#pragma once
// The ganrig subcommands. Each returns the process exit code.
#include <filesystem>
#include <string>
#include <vector>

namespace ganrig {
struct ExperimentOptions;
}

namespace ganrig::cli {

struct CommonOptions {
  std::vector<std::string> overrides;               // --set
  std::vector<std::filesystem::path> plugin_paths;  // --plugin-path
};

struct TrainCommand {
  std::string target;  // an experiment file or a run folder
  CommonOptions common;
  std::string resume;
  bool force = false;
  bool dry_run = false;
  std::string run_root = "runs";
  std::string desc;
  std::int64_t stop_after_ticks = 0;
  std::string command_line;
  std::int64_t nproc = 0;   // > 1: start this many ranks here and supervise them (launch.hpp)
  bool debug_sync = false;  // compare parameter hashes across ranks every tick
};

// The loader's options for an experiment file with --set and --plugin-path.
ExperimentOptions experiment_options(const std::string& file, const CommonOptions& common);

int train(const TrainCommand& command);
int config(const std::string& file, const CommonOptions& common);
// With `build`, each experiment's components are also built on the CPU (dataset loaded, weights
// read), which checks what only the built networks know: e.g. a per-size block for a size the
// network never has.
int validate(const std::vector<std::string>& files, const CommonOptions& common, bool build = false);
int plugins(const CommonOptions& common);
int docs(const std::string& check_file);

struct BenchCommand {
  std::vector<std::string> experiments;
  CommonOptions common;
  std::int64_t iterations = 5;
  std::int64_t warmup = 2;
  bool json = false;  // one experiment, in this process, one JSON line (used by the table mode)
  bool profile = false;               // time per phase and top operators after the timed iterations
  std::int64_t profile_iterations = 2;
  std::vector<int> nproc = {1};  // a row per experiment and process count (--nproc 1,2)
};
int bench(const BenchCommand& command);

struct EvalCommand {
  std::string target;   // a run folder (its latest snapshot) or a checkpoint file
  std::string metrics;  // comma-separated; empty: the run's [eval] metrics
  std::int64_t max_real = -1;  // -1: the run's [eval] max_real
  bool no_append = false;
  CommonOptions common;
};
int eval(const EvalCommand& command);

struct SweepCommand {
  std::string file;
  std::string run_root = "runs";
  std::int64_t jobs = 1;
  std::int64_t index = -1;  // only this run (SLURM array tasks)
  bool list = false;
  std::string emit;         // "slurm"
  int nodes = 1, gpus_per_node = 1;  // --emit slurm: the ranks of each run
  CommonOptions common;
};
int sweep(const SweepCommand& command);

struct TableCommand {
  std::string id;           // a table id (experiments/*/tables/<id>.toml) or a table file
  std::string run_root = "runs";
  bool check = false;       // only compare the README block with the committed CSV
  CommonOptions common;
};
int table(const TableCommand& command);

int compare(const std::string& run_a, const std::string& run_b);

struct GenerateCommand {
  std::string target;            // a run folder or a checkpoint file
  std::string seeds = "0-7";
  std::string grid;              // "ROWSxCOLS": one grid image instead of one file per latent
  std::string out;               // default: RUN/generated/<snapshot>-<weights>-<kind>
  std::string weights = "ema";
  std::int64_t batch = 8;
  std::string device = "cpu";
  std::string z_file;            // latents from a .npy [N, z_dim] instead of seeds
  bool save_z = false;           // write the latents used as z.npy
  std::string interp;            // seeds whose latents a walk passes through
  std::int64_t frames = 60;      // per segment of the walk
  bool slerp = false, loop = false;
  bool force = false;
  std::string format = "png";    // an image_sink: png (OpenCV plugin) or ppm
  std::string video = "mp4";     // a video_sink for --interp (mp4: OpenCV plugin), or "none"
  double fps = 30;
  bool raw = false;              // also images.npy: the generator's float output [N, C, R, R]
  std::string class_name;        // a conditional generator's class (name or index) for every image
  std::string command_line;
  CommonOptions common;
};
int generate(const GenerateCommand& command);

struct ReportCommand {
  std::vector<std::string> targets;  // one run folder, several, or one sweep file
  std::string out;                   // default: RUN/report.html, <run root>/<experiment>/report-<sweep>.html, report-compare.html
  std::string run_root = "runs";
  CommonOptions common;
};
int report(const ReportCommand& command);

struct ExportCommand {
  std::string target;            // a run folder or a checkpoint file
  std::string format = "pg";     // a weight_format: pg (official Projected GAN names), state-dict
  std::string out;
  std::string weights = "ema";
  std::string what = "g";        // g: the generator (--weights); all: {"G", "G_ema", "D"} in one file
  bool force = false;
  CommonOptions common;
};
int export_generator(const ExportCommand& command);

struct ImportCommand {
  std::string state_dict;        // a torch.save file of name -> tensor, or {"G", "G_ema", "D"} of them
  std::string experiment;        // the experiment whose [generator] it fills
  std::string format = "pg";
  std::string out;               // the generator-only checkpoint to write
  bool force = false;
  CommonOptions common;
};
int import_generator(const ImportCommand& command);
// "0-63", "1,5,9-12" -> seeds (errors name `option`).
std::vector<std::uint32_t> parse_seeds(const std::string& text, const std::string& option);

// The Markdown configuration reference generated from every schema (host and build plugins).
std::string config_reference_markdown();

}  // namespace ganrig::cli
