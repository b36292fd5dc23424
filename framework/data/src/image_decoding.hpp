#pragma once
// One encoded file of a dataset to an 8-bit image: decoded (PNG, JPEG, WebP, ..., SVG through
// rsvg-convert, raw IDX), transparency composited onto the recipe's background, then fitted to a
// square (letterbox or centre crop).
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "ganrig/data/encoded_images.hpp"
#include "ganrig/data/recipe.hpp"

namespace ganrig::data {

// BGR or grey; empty with `problem` set when the file cannot be used.
cv::Mat decode_image(const Recipe& r, const EncodedImage& e, const std::filesystem::path& scratch, std::string& problem);
cv::Mat fit_to_square(const Recipe& r, const cv::Mat& image);

}  // namespace ganrig::data
