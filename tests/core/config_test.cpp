// Config loading: inherits merge, _replace_, sibling conflicts, --set typing, positions.
#include "catch_compat.hpp"

#include <fstream>

#include "ganrig/config.hpp"
#include "ganrig/error.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
const toml::node* node_at(const Config& c, const std::string& path) {
  const auto parts = split_path(path);
  const toml::table* t = &c.root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    t = t->get(parts[i]) ? t->get(parts[i])->as_table() : nullptr;
    if (!t) return nullptr;
  }
  return t->get(parts.back());
}
}  // namespace

TEST_CASE("inherits deep-merges tables and the child wins", "[config]") {
  const Config c = load_config_file(test::fixture("config/child_merge.toml"));
  CHECK(node_at(c, "generator.ngf")->value<std::int64_t>() == 32);
  CHECK(node_at(c, "generator.latent_dim")->value<std::int64_t>() == 100);  // inherited
  CHECK(node_at(c, "train.batch")->value<std::int64_t>() == 64);             // from parent_a
  CHECK(node_at(c, "train.tick_kimg")->value<double>() == 2.0);              // from sibling parent_c
  CHECK(c.origin("generator.ngf").source.find("child_merge.toml") != std::string::npos);
  CHECK(c.origin("generator.ngf").line == 4);
  CHECK(c.origin("generator.latent_dim").source.find("parent_a.toml") != std::string::npos);
  CHECK(c.origin("generator.latent_dim").line == 8);
  CHECK(node_at(c, "inherits") == nullptr);
}

TEST_CASE("_replace_ drops the inherited table", "[config]") {
  const Config c = load_config_file(test::fixture("config/child_replace.toml"));
  CHECK(node_at(c, "generator.type")->value<std::string>() == "dcgan");
  CHECK(node_at(c, "generator.ngf") == nullptr);
  CHECK(node_at(c, "generator._replace_") == nullptr);
  CHECK(node_at(c, "train.batch")->value<std::int64_t>() == 64);  // other tables still inherited
}

TEST_CASE("the same key in two sibling parents is an error naming both", "[config]") {
  REQUIRE_THROWS_WITH(load_config_file(test::fixture("config/child_conflict.toml")),
                      contains("key 'train.batch' is set by two sibling parents") && contains("parent_a.toml:2:") &&
                          contains("parent_b.toml:2:"));
}

TEST_CASE("a shared grandparent is not a sibling conflict", "[config]") {
  const Config c = load_config_file(test::fixture("config/diamond.toml"));
  CHECK(node_at(c, "train.batch")->value<std::int64_t>() == 64);
  CHECK(node_at(c, "train.tick_kimg")->value<double>() == 1.0);
  CHECK(node_at(c, "exec.threads")->value<std::int64_t>() == 1);
}

TEST_CASE("syntax errors, cycles and missing parents name their position", "[config]") {
  REQUIRE_THROWS_WITH(load_config_file(test::fixture("config/syntax_error.toml")),
                      contains("syntax_error.toml:3:") && contains("TOML syntax error"));
  REQUIRE_THROWS_WITH(load_config_file(test::fixture("config/cycle_a.toml")), contains("inherits forms a cycle"));
  REQUIRE_THROWS_WITH(load_config_file(test::fixture("config/missing_parent.toml")),
                      contains("missing_parent.toml:1:") && contains("'no_such_file.toml' not found"));
  REQUIRE_THROWS_AS(load_config_file(test::fixture("config/nothing_here.toml")), ConfigError);
}

TEST_CASE("overrides parse VALUE as TOML and a bare word as a string", "[config]") {
  Config c = load_config_file(test::fixture("config/parent_a.toml"));
  apply_overrides(c, {"train.batch=32", "generator.block=dsc", "optim.generator.betas=[0.5, 0.999]",
                      "optim.generator.lr=1e-4", "generator.spectral_norm=true", "experiment.name=\"quoted name\"",
                      "new.table.key=3"});
  CHECK(node_at(c, "train.batch")->is_integer());
  CHECK(node_at(c, "train.batch")->value<std::int64_t>() == 32);
  CHECK(node_at(c, "generator.block")->value<std::string>() == "dsc");
  CHECK(node_at(c, "optim.generator.betas")->as_array()->size() == 2);
  CHECK(node_at(c, "optim.generator.lr")->is_floating_point());
  CHECK(node_at(c, "generator.spectral_norm")->value<bool>() == true);
  CHECK(node_at(c, "experiment.name")->value<std::string>() == "quoted name");
  CHECK(node_at(c, "new.table.key")->value<std::int64_t>() == 3);
  CHECK(c.origin("train.batch").location() == "--set #1");
  CHECK(c.origin("generator.block").location() == "--set #2");
  CHECK(node_at(c, "train.total_kimg")->value<double>() == 10.0);  // untouched keys stay
}

TEST_CASE("override errors name the --set", "[config]") {
  Config c = load_config_file(test::fixture("config/parent_a.toml"));
  REQUIRE_THROWS_WITH(apply_overrides(c, {"train.batch=8", "train.batch.deeper=1"}),
                      contains("--set #2") && contains("'train.batch' is a integer, not a table"));
  REQUIRE_THROWS_WITH(apply_overrides(c, {"no_equals_sign"}), contains("--set #1: expected KEY=VALUE"));
  REQUIRE_THROWS_WITH(apply_overrides(c, {"bad key=1"}), contains("is not a dotted key path"));
}

TEST_CASE("resolved TOML round-trips with the same values", "[config]") {
  Config c = load_config_file(test::fixture("config/child_merge.toml"));
  apply_overrides(c, {"optim.generator.lr=2e-4", "x.items=[1, 2]", "x.inline={ type = \"dsc\" }"});
  const std::string text = to_toml(c, true);
  CHECK_THAT(text, contains("ngf = 32") && contains("# ") && contains("child_merge.toml:4"));
  const toml::table reparsed = toml::parse(text);
  CHECK(reparsed == c.root);
}

namespace {
std::filesystem::path write_file(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}
}  // namespace

TEST_CASE("pathological files are located errors, never a crash or a flood", "[config][bounds]") {
  const auto dir = test::temp_dir("config-bounds");
  std::string deep = "a";
  for (int i = 0; i < 28000; ++i) deep += ".b";
  // Found on the text, before toml++'s parser (which recursed once per part: 200,000 overflowed it).
  REQUIRE_THROWS_WITH(load_config_file(write_file(dir, "deep.toml", "x = 1\n" + deep + " = 1\n")),
                      contains("deep.toml:2:64: a dotted key of more than 32 parts"));
  REQUIRE_THROWS_WITH(load_config_file(write_file(dir, "header.toml", "[" + deep + "]\nk = 1\n")),
                      contains("header.toml:1:65: a dotted key of more than 32 parts"));
  std::string longest = "a";
  for (int i = 0; i < 200000; ++i) longest += ".a";
  REQUIRE_THROWS_WITH(load_config_file(write_file(dir, "longest.toml", "[train]\n" + longest + " = 1\n")),
                      contains("longest.toml:2:64: a dotted key of more than 32 parts"));
  REQUIRE_THROWS_WITH(load_config_file(write_file(dir, "inline.toml", "x = { " + deep + " = 1 }\n")),
                      contains("inline.toml:1:") && contains("more than 32 parts"));
  const std::string brackets = std::string(100000, '[') + std::string(100000, ']');
  REQUIRE_THROWS_WITH(load_config_file(write_file(dir, "brackets.toml", "x = " + brackets + "\n")),
                      contains("brackets.toml:1:37: brackets nested more than 32 deep"));
  // Dots and brackets inside strings and comments are text, not structure; a key of 32 parts is fine.
  std::string thirty_two = "a";
  for (int i = 1; i < 32; ++i) thirty_two += ".a";
  const std::string text = R"(s = "[[[[ \" ...................................... "
t = '.................................. [[[['
u = """
.................................... [[[[
"""
# ................................... [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
f = [1.5, 2.5e3]
)";
  const Config fine = load_config_file(write_file(dir, "fine.toml", text + thirty_two + " = 1\n"));
  CHECK(fine.root.get("s"));
  const std::string huge(1 << 20, 'k');
  try {
    load_config_file(write_file(dir, "long.toml", huge + " = 1\n"));
    FAIL("a 1 MB key was accepted");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), contains("long.toml:1:1") && contains("a key of 1048576 characters"));
    CHECK(std::string(e.what()).size() < 300);
  }
  Config c = load_config_file(test::fixture("config/parent_a.toml"));
  REQUIRE_THROWS_WITH(apply_overrides(c, {"train.batch=1", deep.substr(0, 200) + "=1"}),
                      contains("--set #2") && contains("at most 32 parts"));
  REQUIRE_THROWS_WITH(load_config_file(write_file(dir, "zero.toml", "inherits = [\"/dev/zero\"]\n")),
                      contains("zero.toml:1:13") && contains("not a regular file"));
}

TEST_CASE("an error inside an inherited file names the inherits chain with positions", "[config]") {
  const auto dir = test::temp_dir("config-chain");
  write_file(dir, "grandparent.toml", "[train]\nbatch = [\n");
  write_file(dir, "parent.toml", "# parent\ninherits = [\"grandparent.toml\"]\n");
  const auto child = write_file(dir, "child.toml", "inherits = [\"parent.toml\"]\n");
  REQUIRE_THROWS_WITH(load_config_file(child), contains("grandparent.toml:") && contains("TOML syntax error") &&
                                                   contains("parent.toml:2:13") &&
                                                   contains("child.toml:1:13"));
}
