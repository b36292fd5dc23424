// PNG images and MP4 videos through OpenCV (imgcodecs, videoio), kept out of the core: training
// builds without OpenCV use the core's "ppm" sink instead and write no videos.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "ganrig/atomic_file.hpp"
#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"

namespace {

class PngSink : public ganrig::ImageSink {
 public:
  std::filesystem::path write(const std::filesystem::path& stem, const torch::Tensor& image) const override {
    TORCH_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8, "expected a uint8 [C, H, W] image");
    const int channels = static_cast<int>(image.size(0));
    TORCH_CHECK(channels == 1 || channels == 3, "PNG grids need 1 or 3 channels");
    const torch::Tensor hwc = image.permute({1, 2, 0}).contiguous().cpu();
    cv::Mat mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), channels == 3 ? CV_8UC3 : CV_8UC1,
                hwc.data_ptr<std::uint8_t>());
    cv::Mat out;
    if (channels == 3)
      cv::cvtColor(mat, out, cv::COLOR_RGB2BGR);
    else
      out = mat;
    std::filesystem::path file = stem;
    file += ".png";
    std::vector<unsigned char> png;
    if (!cv::imencode(".png", out, png)) throw ganrig::Error("cannot encode " + file.string() + " as PNG");
    // Atomically, with the system's reason on failure (a full disk says so).
    ganrig::write_file_atomic(file, std::string(png.begin(), png.end()));
    return file;
  }
};

cv::Mat bgr_frame(const torch::Tensor& chw) {
  const torch::Tensor hwc = (chw.size(0) == 1 ? chw.expand({3, chw.size(1), chw.size(2)}) : chw).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr<std::uint8_t>());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

// MPEG-4 video through OpenCV's FFmpeg backend: H.264 ("avc1", what browsers and slides play) when
// the FFmpeg build has an encoder for it, else MPEG-4 Part 2 ("mp4v"). Written under a temporary
// name, read back to count its frames, then renamed, so a failure never leaves half a video.
class Mp4Sink : public ganrig::VideoSink {
 public:
  std::filesystem::path write(const std::filesystem::path& stem, const torch::Tensor& frames, double fps) const override {
    TORCH_CHECK(frames.dim() == 4 && frames.scalar_type() == torch::kUInt8, "expected uint8 frames [N, C, H, W]");
    std::filesystem::path file = stem, temporary = stem;
    file += ".mp4";
    temporary += ".partial.mp4";
    const cv::Size size(static_cast<int>(frames.size(3)), static_cast<int>(frames.size(2)));
    cv::VideoWriter writer;
    for (const char* codec : {"avc1", "mp4v"})
      if (writer.open(temporary.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]),
                      fps, size))
        break;
    if (!writer.isOpened())
      throw ganrig::Error(fmt::format("cannot write {}: OpenCV's FFmpeg backend has no MPEG-4 encoder here", file.string()));
    const torch::Tensor cpu = frames.cpu();
    for (std::int64_t i = 0; i < cpu.size(0); ++i) writer.write(bgr_frame(cpu[i]));
    writer.release();
    cv::VideoCapture check(temporary.string(), cv::CAP_FFMPEG);
    const auto counted = static_cast<std::int64_t>(check.get(cv::CAP_PROP_FRAME_COUNT));
    if (!check.isOpened() || counted != cpu.size(0)) {
      std::filesystem::remove(temporary);
      throw ganrig::Error(fmt::format("writing {} failed: {} of {} frames readable (disk full?)", file.string(), counted,
                                      cpu.size(0)));
    }
    std::filesystem::rename(temporary, file);
    return file;
  }
};

void register_png(ganrig::Registry& registry) {
  registry.add<ganrig::VideoSink>(
      "mp4", "MPEG-4 video (H.264 when available, else MPEG-4 Part 2) written with OpenCV.", ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<Mp4Sink>(); });
  registry.add<ganrig::ImageSink>(
      "png", "PNG images written with OpenCV.", ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<PngSink>(); });
}

}  // namespace

GANRIG_PLUGIN("png_sink", "1.0.0", register_png)
