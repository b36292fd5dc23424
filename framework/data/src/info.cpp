#include "ganrig/data/info.hpp"

#include <fmt/format.h>

#include <map>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "ganrig/data/encoded_images.hpp"
#include "ganrig/packed_images.hpp"
#include "ganrig/sha256.hpp"

namespace fs = std::filesystem;

namespace ganrig::data {

namespace {

std::string describe_packed(const fs::path& file) {
  const PackedImagesHeader h = read_packed_images_header(file);
  const auto& m = h.json.at("manifest");
  std::ostringstream out;
  out << fmt::format("{}: prepared dataset '{}'\n  {} images, {} channel(s), {}x{}\n", file.string(),
                     m.value("dataset", "?"), h.count(), h.channels(), h.resolution(), h.resolution());
  out << fmt::format("  source: {}\n  licence: {}\n", m.at("source").dump(), m.value("licence", "?"));
  if (m.contains("classes")) {
    out << fmt::format("  labels: {} classes (from {})\n", m.at("classes").size(), m.value("labels_from", "?"));
    for (const auto& c : m.at("classes"))
      out << fmt::format("    {:>7}  {}\n", c.at("count").get<std::int64_t>(), c.at("name").get<std::string>());
  } else {
    out << "  labels: none\n";
  }
  const auto& problems = m.at("problems");
  out << fmt::format("  skipped at preparation: {}\n", problems.size());
  for (const auto& p : problems) out << fmt::format("    {}: {}\n", p.at("file").get<std::string>(), p.at("reason").get<std::string>());
  return out.str();
}

}  // namespace

std::string describe_images(const fs::path& path) {
  if (fs::is_regular_file(path) && path.extension() == ".ganrigd") return describe_packed(path);
  const auto images = read_images(path);
  std::map<std::string, int> sizes, kinds;
  std::map<std::string, std::string> seen;  // sha256 -> first file
  std::vector<std::string> problems;
  int small = 0, non_square = 0, readable = 0;
  for (const auto& e : images) {
    if (e.bytes.empty()) {
      problems.push_back(e.name + ": unreadable or empty");
      continue;
    }
    const std::string sha = sha256_bytes(e.bytes.data(), e.bytes.size());
    if (seen.count(sha)) problems.push_back(fmt::format("{}: same bytes as {}", e.name, seen[sha]));
    else seen[sha] = e.name;
    if (fs::path(e.name).extension() == ".svg") {
      ++kinds["SVG (vector; rasterised when prepared)"];
      ++readable;
      continue;
    }
    const cv::Mat image = cv::imdecode(e.bytes, cv::IMREAD_UNCHANGED);
    if (image.empty()) {
      problems.push_back(e.name + ": cannot decode (corrupt or unsupported)");
      continue;
    }
    ++readable;
    ++sizes[fmt::format("{}x{}", image.cols, image.rows)];
    const int c = image.channels();
    ++kinds[c == 1 ? "grey" : c == 3 ? "RGB" : c == 4 ? "RGBA (alpha composited when prepared)" : "other"];
    if (std::min(image.cols, image.rows) < 64) ++small;
    if (image.cols != image.rows) ++non_square;
  }
  std::ostringstream out;
  out << fmt::format("{}: {} image files, {} readable\n", path.string(), images.size(), readable);
  out << "  kinds:";
  for (const auto& [k, n] : kinds) out << fmt::format(" {} {};", n, k);
  out << "\n  sizes (most common first):";
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [s, n] : sizes) by_count.push_back({-n, s});
  std::sort(by_count.begin(), by_count.end());
  for (std::size_t i = 0; i < by_count.size() && i < 8; ++i) out << fmt::format(" {} x{};", by_count[i].second, -by_count[i].first);
  if (by_count.size() > 8) out << fmt::format(" ... ({} sizes)", by_count.size());
  out << fmt::format("\n  non-square: {} (letterboxed when prepared); smaller than 64 px: {}\n", non_square, small);
  out << fmt::format("  problems: {}\n", problems.size());
  for (const auto& p : problems) out << "    " << p << "\n";
  return out.str();
}

}  // namespace ganrig::data
