// Checkpoint integrity (docs/reliability.md): a flipped byte or a truncation is detected and names
// the file; resume falls back to the newest intact snapshot; files without a checksum still load;
// checkpoints load onto the requested device; a full disk is an error with its reason; --force
// across architectures says why it fails; a --resume folder is a complete run folder.
#include "catch_compat.hpp"

#include <fstream>
#include <random>

#include "ganrig/train/checkpoint.hpp"
#include "ganrig/train/trainer.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Experiment> tiny(const std::vector<std::string>& overrides = {}) {
  return test::fixture_experiment("train/tiny.toml", overrides);
}

// A tiny run of `ticks` ticks (one snapshot each) in a fresh folder.
fs::path run_ticks(const std::string& name, std::int64_t ticks) {
  const fs::path dir = test::temp_dir(name);
  auto e = tiny();
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  o.stop_after_ticks = ticks;
  train(*e, o);
  return dir;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& file, const std::string& bytes) { std::ofstream(file, std::ios::binary) << bytes; }

}  // namespace

TEST_CASE("a flipped byte anywhere in a checkpoint is detected, naming the file", "[checkpoint]") {
  const fs::path dir = run_ticks("integrity-flip", 1);
  const fs::path good = latest_checkpoint(dir);
  REQUIRE(verify_checkpoint_file(good) == Integrity::verified);
  const std::string bytes = read_bytes(good);
  std::mt19937 rng(7);
  std::vector<std::size_t> offsets = {0, 10, bytes.size() / 2, bytes.size() - 1, bytes.size() - 50, bytes.size() - 90};
  for (int i = 0; i < 40; ++i) offsets.push_back(std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng));
  const fs::path bad = dir / "flipped.pt";
  for (const std::size_t at : offsets) {
    std::string copy = bytes;
    copy[at] = static_cast<char>(copy[at] ^ 0x5a);
    write_bytes(bad, copy);
    INFO("byte " << at << " of " << bytes.size());
    REQUIRE_THROWS_AS(Checkpoint(bad, torch::kCPU), CheckpointError);
    REQUIRE_THROWS_WITH(Checkpoint(bad, torch::kCPU), contains(bad.string()));
  }
  REQUIRE_THROWS_WITH(read_checkpoint_config(good.string() + ".missing"), contains("cannot read checkpoint"));
  write_bytes(bad, "not a checkpoint at all\n");
  REQUIRE_THROWS_WITH(Checkpoint(bad, torch::kCPU), contains("is not a checkpoint"));
}

TEST_CASE("a truncated newest snapshot is set aside and resume falls back to the intact one", "[checkpoint]") {
  const fs::path dir = run_ticks("integrity-fallback", 2);
  const fs::path newest = latest_checkpoint(dir);
  REQUIRE(newest.filename() == "snapshot-000000080.pt");
  fs::resize_file(newest, fs::file_size(newest) / 2);
  std::vector<std::string> warnings;
  const fs::path chosen = newest_intact_checkpoint(dir, [&](const std::string& w) { warnings.push_back(w); });
  CHECK(chosen.filename() == "snapshot-000000040.pt");
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], contains("snapshot-000000080.pt is damaged") && contains("truncated") &&
                              contains("falling back"));
  CHECK(fs::exists(newest.string() + ".damaged"));
  auto e = tiny();
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  o.resume_from = chosen;
  CHECK(train(*e, o).cur_nimg == 160);
}

TEST_CASE("a checkpoint written before checksums loads, reported as unverified", "[checkpoint]") {
  const fs::path dir = run_ticks("integrity-legacy", 1);
  std::string bytes = read_bytes(latest_checkpoint(dir));
  const std::size_t comment = 14 + 64;  // "ganrig-sha256:" + hex
  bytes.resize(bytes.size() - comment);
  bytes[bytes.size() - 2] = bytes[bytes.size() - 1] = 0;  // the end record's comment length
  const fs::path legacy = dir / "legacy.pt";
  write_bytes(legacy, bytes);
  CHECK(verify_checkpoint_file(legacy) == Integrity::no_checksum);
  CheckpointParts parts;
  read_checkpoint(legacy, parts);
  CHECK(parts.state.at("cur_nimg").item<std::int64_t>() == 40);
}

TEST_CASE("a checkpoint loads onto the device asked for", "[checkpoint]") {
  // The meta device stands in for a GPU on this CPU-only machine: a network living there takes a
  // checkpoint mapped there, and refuses one left on the CPU (LibTorch cannot put CPU data into a
  // meta parameter), so the mapping is what makes the load work.
  struct OneWeight : torch::nn::Module {
    explicit OneWeight(torch::Device device) { register_parameter("w", torch::ones({3}, torch::TensorOptions(device))); }
  };
  const fs::path file = test::temp_dir("integrity-device") / "one.pt";
  OneWeight on_cpu(torch::kCPU);
  CheckpointParts written;
  written.generator = &on_cpu;
  write_checkpoint(file, written);
  OneWeight on_meta(torch::kMeta);
  CheckpointParts parts;
  parts.generator = &on_meta;
  REQUIRE_THROWS_AS(Checkpoint(file, torch::kCPU).restore(parts), CheckpointError);
  Checkpoint(file, torch::Device(torch::kMeta)).restore(parts);
  CHECK(on_meta.parameters()[0].device().type() == torch::kMeta);
  // (Run state, RNG states among them, is copied back to the host on restore; a meta tensor has no
  // data to copy, so that half is held by the resume tests on the CPU.)
}

TEST_CASE("a full disk while writing a checkpoint is an error with its reason, not an abort", "[checkpoint]") {
  torch::serialize::OutputArchive archive;
  archive.write("weights", torch::randn({1 << 16}));
  REQUIRE_THROWS_WITH(save_checksummed(archive, "/dev/full"), contains("/dev/full") && contains("No space left on device"));
}

TEST_CASE("resuming with --force across architectures says the networks differ", "[checkpoint][resume]") {
  const fs::path dir = run_ticks("integrity-force", 1);
  auto e = tiny({"generator.ngf=16"});
  TrainOptions o;
  o.run_dir = dir;
  o.quiet = true;
  o.force = true;
  o.resume_from = latest_checkpoint(dir);
  REQUIRE_THROWS_WITH(train(*e, o), contains("does not fit this experiment's network") && contains("has shape") &&
                                        contains("not across architectures") && contains("snapshot-000000040.pt"));
}

TEST_CASE("a run started with --resume is a complete run folder", "[checkpoint][resume]") {
  const fs::path first = run_ticks("integrity-resume-from", 1);
  const fs::path second = test::temp_dir("integrity-resume-into");
  auto e = tiny();
  TrainOptions o;
  o.run_dir = second;
  o.quiet = true;
  o.resume_from = latest_checkpoint(first);
  CHECK(train(*e, o).cur_nimg == 160);
  for (const char* file : {"config.resolved.toml", "env.json", "plugins.json", "stats.jsonl"})
    CHECK(fs::exists(second / file));
}

TEST_CASE("a folder killed before its first checkpoint restarts in place and matches a straight run",
          "[checkpoint][resume]") {
  const fs::path straight = run_ticks("integrity-straight", 4);
  const fs::path killed = test::temp_dir("integrity-killed");
  write_resolved_config(killed, tiny()->config);
  write_bytes(killed / "stats.jsonl", "{\"tick\": 1, \"kimg\": 0.04}\n{\"tick\": 2, \"kim");  // the dead process's
  auto e = test::fixture_experiment("train/tiny.toml");
  TrainOptions o;
  o.run_dir = killed;
  o.quiet = true;
  CHECK(train(*e, o).cur_nimg == 160);
  CHECK(test::read_stats(killed).size() == 4);
  // Same seed, same result: every weight of G and D equal to the uninterrupted run's.
  Models ma = build_models(*tiny()), mb = build_models(*tiny());
  CheckpointParts a{ma.generator.get(), nullptr, ma.discriminator.get()}, b{mb.generator.get(), nullptr, mb.discriminator.get()};
  read_checkpoint(latest_checkpoint(straight), a);
  read_checkpoint(latest_checkpoint(killed), b);
  const auto pa = ma.generator->parameters(), pb = mb.generator->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(torch::equal(pa[i], pb[i]));
  const auto da = ma.discriminator->parameters(), db = mb.discriminator->parameters();
  for (std::size_t i = 0; i < da.size(); ++i) CHECK(torch::equal(da[i], db[i]));
  CHECK(torch::equal(a.state.at("rng_cpu"), b.state.at("rng_cpu")));
}
