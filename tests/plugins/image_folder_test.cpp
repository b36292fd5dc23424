// image_folder: colour, grey and RGBA files, a corrupt file skipped, deterministic, zip input.
#include "catch_compat.hpp"

#include <zip.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;
namespace fs = std::filesystem;

namespace {
std::shared_ptr<Dataset> load(const fs::path& path, int resolution = 16) {
  const auto table = test::component_table(
      "dataset", "type = \"image_folder\"\npath = \"" + path.string() + "\"\nresolution = " + std::to_string(resolution) + "\n");
  BuildContext ctx(test::plugin_registry(), table.config, {}, 0);
  return std::static_pointer_cast<Dataset>(build_component(test::plugin_registry(), "dataset", table.view(), ctx));
}

fs::path fixture_folder() {
  const fs::path dir = test::temp_dir("image-folder");
  cv::Mat colour(40, 60, CV_8UC3, cv::Scalar(255, 0, 0));  // BGR blue, wider than tall
  cv::imwrite((dir / "a_colour.png").string(), colour);
  cv::Mat grey(30, 30, CV_8UC1, cv::Scalar(128));
  cv::imwrite((dir / "b_grey.png").string(), grey);
  cv::Mat rgba(20, 20, CV_8UC4, cv::Scalar(0, 255, 0, 128));
  fs::create_directories(dir / "sub");
  cv::imwrite((dir / "sub" / "c_rgba.png").string(), rgba);
  std::ofstream(dir / "d_corrupt.png") << "this is not a png";
  std::ofstream(dir / "notes.txt") << "ignored: not an image name";
  return dir;
}
}  // namespace

TEST_CASE("image_folder decodes colour, grey and RGBA, skips a corrupt file", "[image_folder]") {
  const auto dir = fixture_folder();
  auto data = load(dir);
  REQUIRE(data->images().sizes() == std::vector<std::int64_t>{3, 3, 16, 16});
  const auto& x = data->images();
  // Sorted order: a_colour (blue -> RGB [0, 0, 255]), b_grey, sub/c_rgba (green).
  CHECK(x[0][2][8][8].item<int>() == 255);
  CHECK(x[0][0][8][8].item<int>() == 0);
  CHECK(x[1][0][8][8].item<int>() == 128);
  CHECK(x[2][1][8][8].item<int>() == 255);
  CHECK(torch::equal(load(dir)->images(), x));  // deterministic
}

TEST_CASE("image_folder reads a zip", "[image_folder]") {
  const auto dir = fixture_folder();
  const fs::path zip_path = test::temp_dir("image-zip") / "images.zip";
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(archive);
  std::vector<std::vector<char>> keep;
  for (const char* name : {"a_colour.png", "b_grey.png"}) {
    std::ifstream in(dir / name, std::ios::binary);
    keep.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    zip_source_t* source = zip_source_buffer(archive, keep.back().data(), keep.back().size(), 0);
    REQUIRE(zip_file_add(archive, name, source, ZIP_FL_OVERWRITE) >= 0);
  }
  REQUIRE(zip_close(archive) == 0);
  auto data = load(zip_path, 8);
  CHECK(data->images().sizes() == std::vector<std::int64_t>{2, 3, 8, 8});
  CHECK(torch::equal(data->images()[1], load(dir, 8)->images()[1]));
}

TEST_CASE("image_folder errors: missing path, no readable images", "[image_folder]") {
  REQUIRE_THROWS_WITH(load("/no/such/images"), contains("[dataset] path: \"/no/such/images\" does not exist (expected a file or folder)"));
  const auto empty = test::temp_dir("image-empty");
  std::ofstream(empty / "broken.jpg") << "garbage";
  REQUIRE_THROWS_WITH(load(empty), contains("no readable images") && contains("1 files skipped"));
}
