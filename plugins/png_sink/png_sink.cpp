// PNG sample grids through OpenCV's imgcodecs (kept out of the core: training builds without
// OpenCV use the core's "ppm" sink instead).
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

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

void register_png(ganrig::Registry& registry) {
  registry.add<ganrig::ImageSink>(
      "png", "PNG images written with OpenCV.", ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<PngSink>(); });
}

}  // namespace

GANRIG_PLUGIN("png_sink", "1.0.0", register_png)
