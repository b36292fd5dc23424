// Turning one encoded file into a square 8-bit image (see image_decoding.hpp).
#include "image_decoding.hpp"

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

#include "ganrig/child_process.hpp"

namespace fs = std::filesystem;

namespace ganrig::data {

// Decodes one file to 8-bit BGR or grey with alpha composited onto the background.
cv::Mat decode_image(const Recipe& r, const EncodedImage& e, const fs::path& scratch, std::string& problem) {
  if (e.raw_height > 0)
    return cv::Mat(e.raw_height, e.raw_width, CV_8UC1, const_cast<std::uint8_t*>(e.bytes.data())).clone();
  if (e.bytes.empty()) {
    problem = "unreadable or empty file";
    return {};
  }
  cv::Mat image;
  if (fs::path(e.name).extension() == ".svg" || fs::path(e.name).extension() == ".SVG") {
    const fs::path in = scratch / "input.svg", out = scratch / "output.png";
    std::ofstream(in, std::ios::binary).write(reinterpret_cast<const char*>(e.bytes.data()),
                                              static_cast<std::streamsize>(e.bytes.size()));
    const std::string size = std::to_string(r.svg_size);
    const ProcessResult converted =
        run_process({"rsvg-convert", "-w", size, "-h", size, "--keep-aspect-ratio", in.string(), "-o", out.string()});
    if (converted.exit_code != 0) {
      problem = converted.started ? fmt::format("SVG not rasterised: rsvg-convert failed with exit code {}",
                                                converted.exit_code)
                                  : "SVG not rasterised: rsvg-convert is not installed (tools/setup.sh installs it)";
      return {};
    }
    image = cv::imread(out.string(), cv::IMREAD_UNCHANGED);
  } else {
    image = cv::imdecode(e.bytes, cv::IMREAD_UNCHANGED);
  }
  if (image.empty()) {
    problem = "cannot decode (corrupt or unsupported format)";
    return {};
  }
  if (image.depth() == CV_16U) image.convertTo(image, CV_8U, 1.0 / 257.0);
  if (image.depth() != CV_8U) {
    problem = fmt::format("unsupported pixel depth (OpenCV depth {})", image.depth());
    return {};
  }
  if (image.channels() == 1) return image;
  if (image.channels() == 3) return image;
  if (image.channels() != 4) {
    problem = fmt::format("unsupported channel count {}", image.channels());
    return {};
  }
  // Integer compositing: out = (fg * a + bg * (255 - a) + 127) / 255, exact and deterministic.
  cv::Mat out(image.rows, image.cols, CV_8UC3);
  const int bg[3] = {r.background[2], r.background[1], r.background[0]};  // BGR
  for (int y = 0; y < image.rows; ++y) {
    const auto* src = image.ptr<cv::Vec4b>(y);
    auto* dst = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.cols; ++x) {
      const int a = src[x][3];
      for (int c = 0; c < 3; ++c) dst[x][c] = static_cast<std::uint8_t>((src[x][c] * a + bg[c] * (255 - a) + 127) / 255);
    }
  }
  return out;
}

cv::Mat fit_to_square(const Recipe& r, const cv::Mat& image) {
  const int side_max = std::max(image.cols, image.rows), side_min = std::min(image.cols, image.rows);
  if (image.cols == image.rows) return image;
  if (r.fit == "crop")
    return image(cv::Rect((image.cols - side_min) / 2, (image.rows - side_min) / 2, side_min, side_min)).clone();
  cv::Mat out;
  const int top = (side_max - image.rows) / 2, left = (side_max - image.cols) / 2;
  const cv::Scalar bg = image.channels() == 1 ? cv::Scalar(r.background[0])
                                              : cv::Scalar(r.background[2], r.background[1], r.background[0]);
  cv::copyMakeBorder(image, out, top, side_max - image.rows - top, left, side_max - image.cols - left,
                     cv::BORDER_CONSTANT, bg);
  return out;
}

}  // namespace ganrig::data
