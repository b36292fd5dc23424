// Schema validation: every error class with its position; defaults written and recorded.
#include "catch_compat.hpp"

#include <fstream>

#include "ganrig/error.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
const std::string base = R"(
[dataset]
type = "synthetic"
[generator]
type = "dcgan"
[discriminator]
type = "dcgan"
[loss]
type = "hinge"
)";

Config validated(const std::string& text, const std::vector<std::string>& sets = {}) {
  Config c = test::config_from_text(text, "exp.toml");
  apply_overrides(c, sets);
  validate_experiment(c, test::plugin_registry());
  return c;
}
}  // namespace

TEST_CASE("a valid experiment gets every default, recorded as default", "[validate]") {
  const Config c = validated(base);
  const toml::table& g = *c.table_at("generator");
  CHECK(g.get("ngf")->value<std::int64_t>() == 64);
  CHECK(g.get("spectral_norm")->value<bool>() == false);
  CHECK(c.origin("generator.ngf").kind == Origin::Kind::Default);
  CHECK(c.table_at("train")->get("batch")->value<std::int64_t>() == 64);
  CHECK(c.table_at("optim.generator")->get("betas")->as_array()->size() == 2);
  CHECK(c.table_at("experiment")->get("name")->value<std::string>() == "exp");  // from the file name
  CHECK(c.origin("generator.type").line == 5);
}

TEST_CASE("unknown keys are errors with position and suggestion", "[validate]") {
  REQUIRE_THROWS_WITH(validated(base + "ngff = 3\n"),
                      contains("exp.toml:10:1: [loss] ngff: unknown key for loss 'hinge'") &&
                          contains("it takes no keys"));
  REQUIRE_THROWS_WITH(validated(base + "[train]\nbatc = 3\n"),
                      contains("exp.toml:11:1: [train] batc") && contains("did you mean 'batch'?"));
}

TEST_CASE("wrong types and ranges are errors with what was expected", "[validate]") {
  REQUIRE_THROWS_WITH(validated(base + "[train]\nbatch = \"big\"\n"),
                      contains("exp.toml:11:1: [train] batch: expected integer >= 1, got string"));
  REQUIRE_THROWS_WITH(validated(base + "[train]\nbatch = 0\n"), contains("[train] batch: value 0 out of range"));
  REQUIRE_THROWS_WITH(validated(base + "[optim.generator]\nbetas = [0.5]\n"),
                      contains("[optim.generator] betas: expected array of floats of length 2") &&
                          contains("got 1 items"));
  REQUIRE_THROWS_WITH(validated(base + "[exec]\nprogress = \"liev\"\n"),
                      contains("\"liev\" is not allowed (did you mean 'live'?)"));
}

TEST_CASE("integers are accepted for float keys and normalised", "[validate]") {
  const Config c = validated(base + "[train]\ntotal_kimg = 3\n");
  CHECK(c.table_at("train")->get("total_kimg")->is_floating_point());
}

TEST_CASE("missing required keys and tables are errors", "[validate]") {
  REQUIRE_THROWS_WITH(validated("[generator]\ntype = \"dcgan\"\n"), contains("missing table [discriminator]"));
  REQUIRE_THROWS_AS(validated(base + "[dataset]\n"), ConfigError);  // duplicate table: TOML syntax error
  const std::string no_type = "[dataset]\ncount = 2\n[generator]\ntype = \"dcgan\"\n[discriminator]\ntype = \"dcgan\"\n[loss]\ntype = \"hinge\"\n";
  REQUIRE_THROWS_WITH(validated(no_type), contains("exp.toml:1:") && contains("[dataset] missing required key 'type'") &&
                                              contains("synthetic"));
}

TEST_CASE("unknown component names list the known ones", "[validate]") {
  REQUIRE_THROWS_WITH(validated(base, {"generator.type=dcgn"}),
                      contains("--set #1: unknown generator 'dcgn' (did you mean 'dcgan'?)") &&
                          contains("known generator names: dcgan") && contains("loaded plugins:") &&
                          contains("ganrig_dcgan.so"));
  REQUIRE_THROWS_WITH(validated(base + "[generator.block]\ntype = \"dcs\"\n"),
                      contains("unknown block 'dcs' (did you mean 'dsc'?)"));
}

TEST_CASE("errors in inherited files point into the parent", "[validate]") {
  const auto dir = test::temp_dir("inherit-errors");
  {
    std::ofstream(dir / "parent.toml") << base << "[train]\nbatch = -4\n";
    std::ofstream(dir / "child.toml") << "inherits = [\"parent.toml\"]\n[generator]\nngf = 8\n";
  }
  Config c = load_config_file(dir / "child.toml");
  REQUIRE_THROWS_WITH(validate_experiment(c, test::plugin_registry()),
                      contains("parent.toml:11:1: [train] batch: value -4 out of range"));
}

TEST_CASE("unknown top-level tables and misplaced keys are errors", "[validate]") {
  REQUIRE_THROWS_WITH(validated(base + "[trian]\nbatch = 3\n"),
                      contains("unknown top-level table 'trian' (did you mean 'train'?)"));
  REQUIRE_THROWS_WITH(validated("seed = 3\n" + base), contains("exp.toml:1:1: unknown top-level key 'seed'"));
  REQUIRE_THROWS_WITH(validated(base + "[optim.gen]\nlr = 1\n"), contains("[optim] may only hold"));
}

TEST_CASE("batch_per_device must divide the batch", "[validate]") {
  REQUIRE_THROWS_WITH(validated(base + "[train]\nbatch = 10\n[exec]\nbatch_per_device = 4\n"),
                      contains("batch_per_device: 4 does not divide [train] batch = 10"));
}

TEST_CASE("an inline component table is validated against its schema", "[validate]") {
  const Config c = validated(base, {"generator.block={ type = \"dsc\" }"});
  CHECK(c.table_at("generator.block")->get("type")->value<std::string>() == "dsc");
  REQUIRE_THROWS_WITH(validated(base, {"generator.block={ type = \"dsc\", depth = 2 }"}),
                      contains("--set #1: [generator.block] depth: unknown key for block 'dsc'"));
}

TEST_CASE("per-size component tables: image-size keys, known components, inline keys checked", "[validate]") {
  const std::string fastgan = base + "[projector]\ntype = \"mobilenet_v2\"\n";
  auto with_blocks = [&](const std::string& blocks) {
    return validated(R"(
[dataset]
type = "synthetic"
[generator]
type = "fastgan"
blocks = )" + blocks + R"(
[discriminator]
type = "dcgan"
[loss]
type = "hinge"
)");
  };
  const Config ok = with_blocks("{ 16 = \"dsc\", 32 = { type = \"ghost\", ratio = 4 } }");
  CHECK(ok.table_at("generator.blocks.32")->get("ratio")->value<std::int64_t>() == 4);
  CHECK(ok.table_at("generator.blocks")->get("16")->is_string());  // dsc has no keys of its own
  REQUIRE_THROWS_WITH(with_blocks("{ 17 = \"dsc\" }"), contains("exp.toml:6:") && contains("[generator.blocks] 17") &&
                                                           contains("expected an image size"));
  REQUIRE_THROWS_WITH(with_blocks("{ 16 = \"dcs\" }"), contains("exp.toml:6:") && contains("dcs"));
  REQUIRE_THROWS_WITH(with_blocks("{ 16 = { type = \"ghost\", ratoi = 2 } }"),
                      contains("exp.toml:6:") && contains("did you mean 'ratio'"));
  REQUIRE_THROWS_WITH(with_blocks("\"dsc\""), contains("table from image size"));
}

TEST_CASE("what training would trip on is refused by validation: beta 1, non-finite numbers, huge batch", "[validate]") {
  REQUIRE_THROWS_WITH(validated(base, {"optim.generator.betas=[0.5, 1.0]"}),
                      contains("--set #1") && contains("betas") && contains("out of range"));
  REQUIRE_THROWS_WITH(validated(base, {"train.total_kimg=inf"}), contains("--set #1") && contains("out of range"));
  REQUIRE_THROWS_WITH(validated(base, {"train.total_kimg=nan"}), contains("--set #1") && contains("out of range"));
  REQUIRE_THROWS_WITH(validated(base, {"train.batch=4294967297"}), contains("--set #1") && contains("batch"));
  CHECK_NOTHROW(validated(base, {"optim.generator.betas=[0.5, 0.999]"}));
}

TEST_CASE("a run name must stay below --run-root", "[validate]") {
  for (const char* name : {"../../x", "/etc/x", "a/../../b", "two\\nlines", "", "a//b", "sp ace"}) {
    INFO(name);
    REQUIRE_THROWS_WITH(validated(base, {std::string("experiment.name=\"") + name + "\""}),
                        contains("--set #1: [experiment] name") && contains("cannot name a folder below --run-root"));
  }
  CHECK_NOTHROW(validated(base, {"experiment.name=\"fpg/pokemon-256_seed=1\""}));
}

TEST_CASE("a 20 MB value is quoted by its start and length", "[validate]") {
  const std::string huge(20 << 20, 'x');
  try {
    validated(base, {"generator.type=" + huge});
    FAIL("accepted");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), contains("--set #1") && contains("(20971520 characters)"));
    // Bounded whatever the build folder's depth: the value is cut, and the plugin list names each folder once.
    CHECK(std::string(e.what()).find(std::string(200, 'x')) == std::string::npos);
    CHECK(std::string(e.what()).size() < 2000);
  }
}

TEST_CASE("a component default whose plugin is not built gives way to its fallback, and given it is an error", "[validate]") {
  Registry core_only;  // a build without OpenCV: no png sink, the built-in ppm one
  auto type_of = [](const Config& c) {  // a component with keys is spelled out as a table
    const toml::node* n = c.table_at("exec")->get("sink");
    return n->is_table() ? n->as_table()->get("type")->value_or(std::string()) : n->value_or(std::string());
  };
  register_core_components(core_only);
  Schema schema;
  schema.component("sink", "image_sink", "png", "sample grids").or_when_not_built("ppm");
  Config absent = test::config_from_text("[exec]\n", "exp.toml");
  validate_table(absent, "exec", schema, core_only, "[exec]", false);
  CHECK(type_of(absent) == "ppm");
  CHECK(absent.origin("exec.sink").kind == Origin::Kind::Default);
  Config with_plugin = test::config_from_text("[exec]\n", "exp.toml");
  validate_table(with_plugin, "exec", schema, test::plugin_registry(), "[exec]", false);
  CHECK(type_of(with_plugin) == "png");
  Config given = test::config_from_text("[exec]\nsink = \"png\"\n", "exp.toml");
  REQUIRE_THROWS_WITH(validate_table(given, "exec", schema, core_only, "[exec]", false),
                      contains("exp.toml:2:1: unknown image_sink 'png'"));
}
