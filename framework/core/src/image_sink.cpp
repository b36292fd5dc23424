// The built-in image sink: binary netpbm (PPM for colour, PGM for grey), which needs no library,
// so a training build without OpenCV still writes viewable sample grids.
#include <string>

#include "ganrig/atomic_file.hpp"
#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/registry.hpp"

namespace ganrig {

namespace {
class NetpbmSink : public ImageSink {
 public:
  std::filesystem::path write(const std::filesystem::path& stem, const torch::Tensor& image) const override {
    TORCH_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8, "expected a uint8 [C, H, W] image");
    const auto channels = image.size(0);
    TORCH_CHECK(channels == 1 || channels == 3, "netpbm needs 1 or 3 channels");
    std::filesystem::path file = stem;
    file += channels == 3 ? ".ppm" : ".pgm";
    const torch::Tensor hwc = image.permute({1, 2, 0}).contiguous().cpu();
    std::string bytes = std::string(channels == 3 ? "P6" : "P5") + "\n" + std::to_string(image.size(2)) + " " +
                        std::to_string(image.size(1)) + "\n255\n";
    bytes.append(reinterpret_cast<const char*>(hwc.data_ptr<std::uint8_t>()), static_cast<std::size_t>(hwc.numel()));
    write_file_atomic(file, bytes);  // a full disk is an error with its reason, never half an image
    return file;
  }
};
}  // namespace

void register_state_dict_format(Registry& registry);  // state_dict_format.cpp

void register_core_components(Registry& registry) {
  registry.set_current_plugin("<core>");
  register_state_dict_format(registry);
  registry.add<ImageSink>("ppm", "Binary PPM/PGM images; built into the core, no dependency.", Schema{},
                          [](const ConfigView&, BuildContext&) { return std::make_shared<NetpbmSink>(); });
}

}  // namespace ganrig
