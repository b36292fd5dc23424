// Dataset preparation: a small fixture folder (RGB, grey, RGBA, a corrupt file) prepared twice
// gives the same bytes; problems are listed; transparency lands on the background; the
// `prepared` dataset reads it back; recipes with errors name file:line:col.
#include "catch_compat.hpp"

#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "ganrig/build_context.hpp"
#include "ganrig/data/info.hpp"
#include "ganrig/data/prepare.hpp"
#include "ganrig/metrics/real_features.hpp"
#include "ganrig/packed_images.hpp"
#include "ganrig/sha256.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {

fs::path make_fixture_folder(const std::string& name) {
  const fs::path dir = test::temp_dir(name);
  cv::Mat rgb(30, 40, CV_8UC3);
  cv::randu(rgb, 0, 255);
  cv::imwrite((dir / "a_rgb.png").string(), rgb);
  cv::Mat grey(32, 32, CV_8UC1);
  cv::randu(grey, 0, 255);
  cv::imwrite((dir / "b_grey.png").string(), grey);
  // RGBA: the left half fully transparent red, the right half opaque blue.
  cv::Mat rgba(20, 20, CV_8UC4, cv::Scalar(0, 0, 255, 0));
  rgba(cv::Rect(10, 0, 10, 20)).setTo(cv::Scalar(255, 0, 0, 255));
  cv::imwrite((dir / "c_rgba.png").string(), rgba);
  std::ofstream(dir / "d_corrupt.png", std::ios::binary) << "\x89PNG\r\n\x1a\nthis is not a png";
  fs::create_directories(dir / "sub");
  cv::imwrite((dir / "sub" / "e.jpg").string(), rgb);
  std::ofstream(dir / "notes.txt") << "not an image";
  return dir;
}

data::PrepareResult prepare(const fs::path& folder, const fs::path& out) {
  data::Recipe r = data::folder_recipe(folder, "fixture");
  nlohmann::json record;
  const auto images = data::fetch_source(r, out, out, record);
  record["path"] = "fixture";  // not the temp path: outputs of two folders compare equal
  return data::pack_images(r, images, {8, 16}, out, record);
}

}  // namespace

TEST_CASE("preparing a folder is deterministic, skips corrupt files and composites alpha", "[data]") {
  const fs::path folder = make_fixture_folder("prep-fixture");
  const fs::path out1 = test::temp_dir("prep-out1"), out2 = test::temp_dir("prep-out2");
  const auto r1 = prepare(folder, out1);
  const auto r2 = prepare(folder, out2);
  CHECK(r1.count == 4);
  REQUIRE(r1.problems.size() == 1);
  CHECK(r1.problems[0].file == "d_corrupt.png");
  CHECK_THAT(r1.problems[0].reason, contains("cannot decode"));
  for (const auto* name : {"fixture-8.ganrigd", "fixture-16.ganrigd", "fixture-16.json"})
    CHECK(sha256_file(out1 / name) == sha256_file(out2 / name));
  const PackedImagesHeader h = read_packed_images_header(out1 / "fixture-16.ganrigd");
  CHECK(h.count() == 4);
  CHECK(h.channels() == 3);
  CHECK(h.json["names"][3] == "sub/e.jpg");
  CHECK(h.json["manifest"]["files"][0]["sha256"] == sha256_file(folder / "a_rgb.png"));

  // The prepared dataset reads it back; the RGBA image (index 2) is white where transparent.
  const auto table = test::component_table("dataset", "type = \"prepared\"\npath = \"" +
                                                         (out1 / "fixture-16.ganrigd").string() + "\"\nresolution = 16\n");
  BuildContext ctx(test::plugin_registry(), table.config, {3, 16}, 0);
  auto dataset = std::static_pointer_cast<Dataset>(build_component(test::plugin_registry(), "dataset", table.view(), ctx));
  REQUIRE(dataset->images().sizes() == torch::IntArrayRef({4, 3, 16, 16}));
  const auto rgba = dataset->images()[2];
  CHECK(rgba.index({torch::indexing::Slice(), 8, 1}).equal(torch::tensor({255, 255, 255}, torch::kUInt8)));
  CHECK(rgba.index({torch::indexing::Slice(), 8, 14}).equal(torch::tensor({0, 0, 255}, torch::kUInt8)));
  // The grey image became three equal channels.
  const auto grey = dataset->images()[1].to(torch::kInt);
  CHECK(torch::equal(grey[0], grey[1]));
  CHECK(torch::equal(grey[1], grey[2]));
  CHECK(dataset->xflip());
}

TEST_CASE("a changed file changes the manifest and the real-feature cache key", "[data][metrics]") {
  const fs::path folder = make_fixture_folder("prep-change");
  const fs::path out = test::temp_dir("prep-change-out"), cache = test::temp_dir("prep-change-cache");
  prepare(folder, out);
  auto load = [&] {
    const auto table = test::component_table(
        "dataset", "type = \"prepared\"\npath = \"" + (out / "fixture-16.ganrigd").string() + "\"\nresolution = 16\n");
    BuildContext ctx(test::plugin_registry(), table.config, {3, 16}, 0);
    return std::static_pointer_cast<Dataset>(build_component(test::plugin_registry(), "dataset", table.view(), ctx));
  };
  const Config empty = test::config_from_text("", "d.toml");
  BuildContext dctx(test::plugin_registry(), empty, {3, 16}, 0);
  auto detector = dctx.named<Detector>("pixels", "test");
  const std::string manifest1 = sha256_file(out / "fixture-16.json");
  const auto key1 = real_features(*load(), *detector, "pixels", 0, cache, 8).key;
  cv::Mat grey(32, 32, CV_8UC1, cv::Scalar(7));
  cv::imwrite((folder / "b_grey.png").string(), grey);
  prepare(folder, out);
  CHECK(sha256_file(out / "fixture-16.json") != manifest1);
  const auto second = real_features(*load(), *detector, "pixels", 0, cache, 8);
  CHECK(second.key != key1);
  CHECK_FALSE(second.from_cache);
}

TEST_CASE("data info reports counts, sizes and problems", "[data]") {
  const fs::path folder = make_fixture_folder("info-fixture");
  const std::string text = data::describe_images(folder);
  CHECK_THAT(text, contains("5 image files, 4 readable") && contains("d_corrupt.png: cannot decode") &&
                       contains("RGBA") && contains("non-square: 2"));
  CHECK_THAT(text, contains("40x30 x2"));
}

TEST_CASE("dataset recipes: the shipped ones parse, errors name file:line:col and the key", "[data]") {
  for (const auto& name : data::recipe_names()) {
    INFO(name);
    const data::Recipe r = data::read_recipe(data::recipe_file(name));
    CHECK(r.name == name);
    CHECK(r.source.sha256.size() == 64);
    CHECK_FALSE(r.resolutions.empty());
    CHECK(r.expected_count > 0);
  }
  CHECK(data::recipe_names().size() >= 5);
  const fs::path dir = test::temp_dir("bad-recipe");
  std::ofstream(dir / "bad.toml") << "name = \"bad\"\ndescription = \"x\"\nlicence = \"x\"\n[source]\nregistry = \"npm\"\n"
                                     "package = \"p\"\nversion = \"1\"\nsha256 = \"" + std::string(64, 'a') +
                                         "\"\ninclude = \"*.png\"\nexlude = [\"x\"]\n";
  REQUIRE_THROWS_WITH(data::read_recipe(dir / "bad.toml"),
                      contains("bad.toml:10:1") && contains("[source] exlude") && contains("did you mean 'exclude'"));
  std::ofstream(dir / "bad2.toml") << "name = \"bad2\"\ndescription = \"x\"\nlicence = \"x\"\n[source]\nregistry = \"pypi\"\n";
  REQUIRE_THROWS_WITH(data::read_recipe(dir / "bad2.toml"), contains("bad2.toml:5") && contains("\"npm\"") && contains("\"installed\""));
  REQUIRE_THROWS_WITH(data::recipe_file("pokemn"), contains("pokemon"));
}

TEST_CASE("glob patterns keep '*' within one folder", "[data]") {
  CHECK(data::glob_match("a/*/*.png", "a/elves/x.png"));
  CHECK_FALSE(data::glob_match("a/*.svg", "a/female/x.svg"));
  CHECK(data::glob_match("a/*.svg", "a/x.svg"));
}

namespace {

// Two classes of tiny images in sub-folders ("cats" x2, "dogs" x1).
fs::path make_labelled_folder(const std::string& name) {
  const fs::path dir = test::temp_dir(name);
  cv::Mat image(12, 12, CV_8UC3);
  cv::randu(image, 0, 255);
  for (const char* file : {"cats/1.png", "cats/2.png", "dogs/1.png"}) {
    fs::create_directories((dir / file).parent_path());
    cv::imwrite((dir / file).string(), image);
  }
  return dir;
}

std::shared_ptr<Dataset> prepared(const fs::path& file) {
  const auto table = test::component_table("dataset", "type = \"prepared\"\npath = \"" + file.string() + "\"\nresolution = 8\n");
  BuildContext ctx(test::plugin_registry(), table.config, {3, 8}, 0);
  return std::static_pointer_cast<Dataset>(build_component(test::plugin_registry(), "dataset", table.view(), ctx));
}

}  // namespace

TEST_CASE("labels from sub-folders and from dataset.json travel into the prepared file", "[data][labels]") {
  const fs::path folder = make_labelled_folder("labelled");
  const fs::path cache = test::temp_dir("labelled-cache");
  const auto by_folder = data::prepare_recipe(data::folder_recipe(folder, "pets", "folders"), {8}, cache);
  CHECK(by_folder.manifest["classes"] == nlohmann::json::parse(R"([{"name": "cats", "count": 2}, {"name": "dogs", "count": 1}])"));
  const auto pets = prepared(cache / "datasets" / "pets" / "pets-8.ganrigd");
  CHECK(pets->class_names() == std::vector<std::string>{"cats", "dogs"});
  CHECK(torch::equal(pets->labels(), torch::tensor({0, 0, 1}, torch::kLong)));
  CHECK_THAT(data::describe_images(cache / "datasets" / "pets" / "pets-8.ganrigd"),
             contains("labels: 2 classes (from folders)") && contains("2  cats"));

  // stylegan2-ada's dataset.json: found by --labels auto; classes named by their numbers.
  std::ofstream(folder / "dataset.json") << R"({"labels": [["cats/1.png", 1], ["cats/2.png", 0], ["dogs/1.png", 2]]})";
  data::prepare_recipe(data::folder_recipe(folder, "pets_json"), {8}, cache);
  const auto json = prepared(cache / "datasets" / "pets_json" / "pets_json-8.ganrigd");
  CHECK(json->class_names() == std::vector<std::string>{"0", "1", "2"});
  CHECK(torch::equal(json->labels(), torch::tensor({1, 0, 2}, torch::kLong)));

  // Without labels a folder prepares as before; a missing label or a loose image is an error.
  data::prepare_recipe(data::folder_recipe(folder, "pets_none", "none"), {8}, cache);
  CHECK(prepared(cache / "datasets" / "pets_none" / "pets_none-8.ganrigd")->class_names().empty());
  std::ofstream(folder / "dataset.json") << R"({"labels": [["cats/1.png", 1]]})";
  CHECK_THROWS_WITH(data::prepare_recipe(data::folder_recipe(folder, "bad", "json"), {8}, cache),
                    contains("dataset.json has no label for cats/2.png"));
  cv::imwrite((folder / "loose.png").string(), cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)));
  CHECK_THROWS_WITH(data::prepare_recipe(data::folder_recipe(folder, "bad", "folders"), {8}, cache),
                    contains("loose.png lies outside any sub-folder"));
  CHECK_THROWS_WITH(data::folder_recipe(folder, "bad", "names"), contains("--labels names: expected auto, folders, json or none"));
}
