// The plugin host: loads the built plugins through Boost.DLL; refuses wrong ABI, unsafe files,
// duplicates across plugins and files that are not plugins.
#include "catch_compat.hpp"

#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/plugin_host.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

TEST_CASE("the build's plugins load and register their components", "[plugin_host]") {
  Registry r;
  load_plugins(plugin_files({build_plugin_dir()}, false), r);
  for (const char* name : {"blocks", "dcgan", "losses", "fashion_mnist"}) {
    bool found = false;
    for (const auto& p : r.plugins()) found |= p.name == name;
    CHECK(found);
  }
  CHECK(r.find("block", "dsc") != nullptr);
  CHECK(r.find("generator", "dcgan") != nullptr);
  CHECK(r.find("loss", "hinge") != nullptr);
  for (const auto& p : r.plugins()) CHECK(p.sha256.size() == 64);
  // Loading again is a no-op, not a duplicate.
  load_plugins(plugin_files({build_plugin_dir()}, false), r);
}

TEST_CASE("plugin files are found in sorted order, and a missing place is an error", "[plugin_host]") {
  const auto files = plugin_files({build_plugin_dir()}, false);
  REQUIRE(files.size() >= 4);
  CHECK(std::is_sorted(files.begin(), files.end()));
  REQUIRE_THROWS_WITH(plugin_files({"/no/such/plugins"}, false), contains("plugin path '/no/such/plugins' does not exist"));
}

TEST_CASE("a plugin built for another framework ABI is refused before any of its code runs", "[plugin_host]") {
  Registry r;
  REQUIRE_THROWS_WITH(load_plugin(test::test_plugin_dir() / "test_wrong_abi.so", r),
                      contains("test_wrong_abi.so") && contains("before loading it") &&
                          contains("built for ganrig_abi_999_torch_") &&
                          contains("this host is ganrig_abi_" + std::to_string(GANRIG_ABI_VERSION) + "_torch_"));
  CHECK(r.plugins().empty());
  CHECK(std::getenv("GANRIG_TEST_WRONG_ABI_RAN") == nullptr);  // its static initialiser never ran
}

TEST_CASE("a plugin in a folder writable by others is refused", "[plugin_host]") {
  const fs::path dir = test::temp_dir("writable-plugin-folder");
  const fs::path copy = dir / "ganrig_blocks_copy.so";
  fs::copy_file(build_plugin_dir() / "ganrig_blocks.so", copy);
  fs::permissions(copy, fs::perms::group_write | fs::perms::others_write, fs::perm_options::remove);
  fs::permissions(dir, fs::perms::others_write, fs::perm_options::add);
  Registry r;
  REQUIRE_THROWS_WITH(load_plugin(copy, r), contains("its folder " + dir.string()) && contains("chmod go-w"));
  fs::permissions(dir, fs::perms::others_write, fs::perm_options::remove);
}

TEST_CASE("a plugin file writable by group or others is refused", "[plugin_host]") {
  const fs::path dir = test::temp_dir("writable-plugin");
  const fs::path copy = dir / "ganrig_blocks_copy.so";
  fs::copy_file(build_plugin_dir() / "ganrig_blocks.so", copy);
  fs::permissions(copy, fs::perms::group_write, fs::perm_options::add);
  Registry r;
  REQUIRE_THROWS_WITH(load_plugin(copy, r), contains("writable by group or others") && contains("chmod go-w"));
  fs::permissions(copy, fs::perms::group_write, fs::perm_options::remove);
  fs::permissions(copy, fs::perms::others_write, fs::perm_options::add);
  REQUIRE_THROWS_AS(load_plugin(copy, r), PluginError);
}

TEST_CASE("two plugins registering the same name is an error naming both files", "[plugin_host]") {
  Registry r;
  load_plugin(build_plugin_dir() / "ganrig_blocks.so", r);
  REQUIRE_THROWS_WITH(load_plugin(test::test_plugin_dir() / "test_duplicate_block.so", r),
                      contains("block 'conv' is registered twice") && contains("ganrig_blocks.so") &&
                          contains("test_duplicate_block.so"));
}

TEST_CASE("a shared library that is not a plugin is refused", "[plugin_host]") {
  Registry r;
  const fs::path core = build_plugin_dir().parent_path() / "lib" / "libganrig_core.so";
  REQUIRE_THROWS_WITH(load_plugin(core, r), contains("is not a ganrig plugin"));
}
