#include "ganrig/data/prepare.hpp"

#include "ganrig/data/labels.hpp"

#include <fnmatch.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ganrig/atomic_file.hpp"
#include "ganrig/child_process.hpp"
#include "ganrig/error.hpp"
#include "image_decoding.hpp"
#include "ganrig/packed_images.hpp"
#include "ganrig/sha256.hpp"

namespace fs = std::filesystem;

namespace ganrig::data {

namespace {

// Runs a program (no shell) in `cwd`; returns its standard output. A failure names the command.
std::string run(const std::vector<std::string>& args, const fs::path& cwd) {
  ProcessOptions options;
  options.cwd = cwd;
  const ProcessResult result = run_process(args, options);
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
  if (!result.started || result.exit_code < 0)
    throw Error(fmt::format("could not run '{}' (is {} installed? tools/setup.sh installs it)", line, args[0]));
  if (result.exit_code != 0) throw Error(fmt::format("'{}' failed with exit code {}", line, result.exit_code));
  return result.output;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The part of a glob before its first wildcard, cut at a folder boundary.
std::string static_prefix(const std::string& glob) {
  const auto wild = glob.find_first_of("*?[");
  const std::string head = glob.substr(0, wild);
  const auto slash = head.rfind('/');
  return slash == std::string::npos ? "" : head.substr(0, slash + 1);
}

void check_sha256(const fs::path& file, const std::string& expected, const std::string& what) {
  const std::string actual = sha256_file(file);
  if (actual != expected)
    throw Error(fmt::format("{}: sha256 {} differs from the recipe's {} ({}); refusing to use it", file.string(),
                            actual, expected, what));
}

// The file a download produces, found by name (npm: <scope-name>-<version>.tgz; apt:
// <package>_<version, ':' as %3a>_<arch>.deb), or empty when it is not there.
fs::path downloaded_file(const Recipe& r, const fs::path& downloads) {
  if (r.source.registry == "npm") {
    std::string stem = r.source.package;
    if (!stem.empty() && stem[0] == '@') stem = stem.substr(1);
    std::replace(stem.begin(), stem.end(), '/', '-');
    const fs::path file = downloads / (stem + "-" + r.source.version + ".tgz");
    return fs::exists(file) ? file : fs::path();
  }
  std::string version = r.source.version;
  for (std::size_t at; (at = version.find(':')) != std::string::npos;) version.replace(at, 1, "%3a");
  const std::string prefix = r.source.package + "_" + version + "_";
  for (const auto& e : fs::directory_iterator(downloads))
    if (e.path().filename().string().rfind(prefix, 0) == 0 && e.path().extension() == ".deb") return e.path();
  return {};
}

fs::path download(const Recipe& r, const fs::path& downloads, const PrepareProgress& progress) {
  fs::create_directories(downloads);
  const std::string spec = r.source.registry == "npm" ? r.source.package + "@" + r.source.version
                                                      : r.source.package + "=" + r.source.version;
  // A previous download is reused when its sha256 is right (each file is hashed once).
  fs::path file = downloaded_file(r, downloads);
  if (!file.empty() && sha256_file(file) == r.source.sha256) return file;
  if (progress) progress(fmt::format("downloading {} ({})", spec, r.source.registry));
  if (r.source.registry == "npm") run({"npm", "pack", "--silent", spec}, downloads);
  else run({"apt-get", "download", "-q", spec}, downloads);
  file = downloaded_file(r, downloads);
  if (file.empty()) throw Error(fmt::format("{} produced no file in {}", spec, downloads.string()));
  check_sha256(file, r.source.sha256, spec);
  return file;
}

std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Gzip-compressed IDX image files (magic 2051): one raw grey image per entry.
std::vector<EncodedImage> read_idx(const fs::path& file) {
  gzFile in = gzopen(file.c_str(), "rb");
  if (!in) throw Error(fmt::format("cannot open {}", file.string()));
  unsigned char header[16];
  if (gzread(in, header, 16) != 16) {
    gzclose(in);
    throw Error(fmt::format("{}: truncated IDX header", file.string()));
  }
  auto be = [&](int at) { return (header[at] << 24) | (header[at + 1] << 16) | (header[at + 2] << 8) | header[at + 3]; };
  if (be(0) != 2051) {
    gzclose(in);
    throw Error(fmt::format("{}: not an IDX image file (magic {})", file.string(), be(0)));
  }
  const int count = be(4), rows = be(8), cols = be(12);
  std::vector<EncodedImage> out(static_cast<std::size_t>(count));
  const std::string stem = file.filename().string();
  for (int i = 0; i < count; ++i) {
    auto& image = out[static_cast<std::size_t>(i)];
    image.name = fmt::format("{}:{:05d}", stem, i);
    image.bytes.resize(static_cast<std::size_t>(rows * cols));
    if (gzread(in, image.bytes.data(), rows * cols) != rows * cols) {
      gzclose(in);
      throw Error(fmt::format("{}: truncated at image {}", file.string(), i));
    }
    image.raw_height = rows;
    image.raw_width = cols;
  }
  gzclose(in);
  return out;
}

bool excluded(const Recipe& r, const std::string& name) {
  for (const auto& pattern : r.source.exclude)
    if (glob_match(pattern, name) || fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& path) {
  return fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0;
}

std::vector<EncodedImage> fetch_source(const Recipe& r, const fs::path& cache_root, const fs::path& work_folder,
                                       nlohmann::json& record, const PrepareProgress& progress) {
  record = {{"registry", r.source.registry}};
  if (r.source.registry == "folder") {
    record["path"] = fs::absolute(r.source.path).string();
    return read_images(r.source.path);
  }
  if (r.source.registry == "installed") {
    if (!fs::exists(r.source.path))
      throw Error(fmt::format("{}: {} is not installed (tools/setup.sh installs the Debian package)", r.file.string(),
                              r.source.path));
    check_sha256(r.source.path, r.source.sha256, "installed file");
    record["path"] = r.source.path;
    record["sha256"] = r.source.sha256;
    if (!r.source.package.empty()) record["package"] = r.source.package + " " + r.source.version;
    if (r.source.format == "idx") return read_idx(r.source.path);
    return {EncodedImage{fs::path(r.source.path).filename().string(), r.source.path, read_bytes(r.source.path)}};
  }
  const fs::path archive = download(r, cache_root / "downloads", progress);
  record["package"] = r.source.package;
  record["version"] = r.source.version;
  record["sha256"] = r.source.sha256;
  record["file"] = archive.filename().string();
  record["include"] = r.source.include;
  record["exclude"] = r.source.exclude;
  const fs::path extracted = work_folder / "source";
  fs::remove_all(extracted);
  fs::create_directories(extracted);
  if (progress) progress(fmt::format("extracting {}", archive.filename().string()));
  const std::string prefix = static_prefix(r.source.include);
  if (r.source.registry == "npm") {
    run({"tar", "xzf", archive.string(), "-C", extracted.string(), prefix}, {});
  } else {
    run({"sh", "-c",
         "dpkg-deb --fsys-tarfile " + quote(archive.string()) + " | tar x -C " + quote(extracted.string()) + " " +
             quote("./" + prefix)},
        {});
  }
  std::vector<EncodedImage> out;
  for (auto& image : read_image_folder(extracted)) {
    if (!glob_match(r.source.include, image.name) || excluded(r, image.name)) continue;
    out.push_back(std::move(image));
  }
  return out;
}

namespace {

// `image` resized to res x res (area when shrinking, linear when enlarging), appended as planar CHW
// uint8 (RGB order for colour).
void append_planar(const cv::Mat& image, int res, std::vector<std::uint8_t>& out) {
  const int channels = image.channels();
  cv::Mat resized;
  if (image.cols == res)
    resized = image;
  else
    cv::resize(image, resized, cv::Size(res, res), 0, 0, image.cols > res ? cv::INTER_AREA : cv::INTER_LINEAR);
  if (channels == 3) cv::cvtColor(resized, resized, cv::COLOR_BGR2RGB);
  const std::size_t base = out.size();
  out.resize(base + static_cast<std::size_t>(channels * res * res));
  for (int y = 0; y < res; ++y) {
    const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
    for (int x = 0; x < res; ++x)
      for (int c = 0; c < channels; ++c)
        out[base + static_cast<std::size_t>((c * res + y) * res + x)] = row[x * channels + c];
  }
}

// <name>-<res>.ganrigd (magic, header length, JSON header, pixels) and its .json manifest beside it.
fs::path write_packed(const fs::path& folder, const std::string& name, const nlohmann::json& header,
                      const std::vector<std::uint8_t>& pixels) {
  const std::int64_t res = header.at("resolution").get<std::int64_t>();
  const fs::path file = folder / fmt::format("{}-{}.ganrigd", name, res);
  const std::string text = header.dump();
  const std::uint64_t length = text.size();
  write_atomically(file, [&](const fs::path& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(kPackedImagesMagic, 8);
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.write(reinterpret_cast<const char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
    out.close();
    if (!out) throw Error(fmt::format("cannot write {}", file.string()));
  });
  nlohmann::json sidecar = header.at("manifest");
  sidecar["resolution"] = res;
  sidecar["packed_file"] = file.filename().string();
  sidecar["packed_sha256"] = sha256_file(file);
  write_file_atomic(folder / fmt::format("{}-{}.json", name, res), sidecar.dump(1) + "\n");
  return file;
}

}  // namespace

PrepareResult pack_images(const Recipe& r, const std::vector<EncodedImage>& images,
                          const std::vector<std::int64_t>& resolutions, const fs::path& output_folder,
                          const nlohmann::json& source_record, const PrepareProgress& progress,
                          const std::vector<std::string>& class_names) {
  fs::create_directories(output_folder);
  const fs::path scratch = output_folder / ".scratch";
  fs::create_directories(scratch);
  PrepareResult result;
  std::vector<std::vector<std::uint8_t>> packed(resolutions.size());
  nlohmann::json files = nlohmann::json::array(), names = nlohmann::json::array(), labels = nlohmann::json::array();
  std::vector<std::int64_t> per_class(class_names.size(), 0);
  std::int64_t upscaled = 0;
  const int channels = static_cast<int>(r.channels);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto& e = images[i];
    if (progress && (i % 25 == 0 || i + 1 == images.size()))
      progress(fmt::format("{}: decoding {}/{}", r.name, i + 1, images.size()));
    std::string problem;
    cv::Mat image = decode_image(r, e, scratch, problem);
    if (image.empty()) {
      result.problems.push_back({e.name, problem});
      continue;
    }
    if (channels == 3 && image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    if (channels == 1 && image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
    image = fit_to_square(r, image);
    for (std::size_t k = 0; k < resolutions.size(); ++k) append_planar(image, static_cast<int>(resolutions[k]), packed[k]);
    if (image.cols < resolutions.back()) ++upscaled;
    files.push_back({{"name", e.name}, {"sha256", sha256_bytes(e.bytes.data(), e.bytes.size())}});
    names.push_back(e.name);
    if (!class_names.empty()) {
      labels.push_back(e.label);
      ++per_class.at(static_cast<std::size_t>(e.label));
    }
    ++result.count;
  }
  fs::remove_all(scratch);
  if (result.count == 0)
    throw Error(fmt::format("{}: no usable images among {} files ({} problems)", r.name, images.size(),
                            result.problems.size()));
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : result.problems) problems.push_back({{"file", p.file}, {"reason", p.reason}});
  nlohmann::json manifest = {
      {"dataset", r.name},
      {"description", r.description},
      {"licence", r.licence},
      {"source", source_record},
      {"count", result.count},
      {"expected_count", r.expected_count},
      {"files", files},
      {"problems", problems},
      {"prepare",
       {{"background_rgb", r.background},
        {"fit", r.fit},
        {"svg_size", r.svg_size},
        {"channels", channels},
        {"resize", "OpenCV INTER_AREA when shrinking, INTER_LINEAR when enlarging"},
        {"alpha", "composited onto the background with integer rounding"},
        {"upscaled_images", upscaled},
        {"steps", r.steps}}},
  };
  if (!class_names.empty()) {  // per-class counts for people; labels and names in the header for training
    nlohmann::json classes = nlohmann::json::array();
    for (std::size_t k = 0; k < class_names.size(); ++k) classes.push_back({{"name", class_names[k]}, {"count", per_class[k]}});
    manifest["classes"] = classes;
    manifest["labels_from"] = r.labels.from;
  }
  result.manifest = manifest;
  for (std::size_t k = 0; k < resolutions.size(); ++k) {
    nlohmann::json header = {{"format", "GANRIGD1"}, {"count", result.count}, {"channels", channels},
                             {"resolution", resolutions[k]}, {"names", names}, {"manifest", manifest}};
    if (!class_names.empty()) {
      header["labels"] = labels;
      header["class_names"] = class_names;
    }
    result.outputs.push_back(write_packed(output_folder, r.name, header, packed[k]));
  }
  return result;
}

PrepareResult prepare_recipe(const Recipe& r, std::vector<std::int64_t> resolutions, const fs::path& cache_root,
                             const PrepareProgress& progress) {
  if (resolutions.empty()) resolutions = r.resolutions;
  if (resolutions.empty()) throw ConfigError(fmt::format("{}: no resolutions (pass --res 64,128)", r.name));
  std::sort(resolutions.begin(), resolutions.end());
  const fs::path folder = cache_root / "datasets" / r.name;
  nlohmann::json record;
  auto images = fetch_source(r, cache_root, folder, record, progress);
  const fs::path source = r.source.registry == "folder" ? fs::path(r.source.path) : folder / "source";
  const std::vector<std::string> class_names = assign_labels(r, source, images);
  PrepareResult result = pack_images(r, images, resolutions, folder, record, progress, class_names);
  fs::remove_all(folder / "source");  // the packed files and manifests are what stays
  return result;
}

Recipe folder_recipe(const fs::path& path, const std::string& name, const std::string& labels) {
  Recipe r;
  r.labels.from = checked_labels_option(labels);
  r.name = name.empty() ? fs::path(path).filename().replace_extension().string() : name;
  r.description = "user images from " + fs::absolute(path).string();
  r.licence = "as given by the user";
  r.source.registry = "folder";
  r.source.path = path.string();
  r.steps = {"decode every image file (folder searched recursively, or zip entries), sorted by name",
             "composite transparency onto the background", "letterbox to a square", "resize"};
  return r;
}

}  // namespace ganrig::data
