#include "ganrig/train/data_feed.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ganrig/error.hpp"

namespace ganrig {

DataFeed::DataFeed(const Dataset& dataset, std::uint64_t seed)
    : dataset_(dataset), rng_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

torch::Tensor DataFeed::next_uint8(std::int64_t batch, std::int64_t first, std::int64_t count) {
  const std::int64_t n = dataset_.size();
  std::vector<torch::Tensor> parts;
  std::int64_t needed = batch;
  while (needed > 0) {
    if (!order_.defined() || cursor_ >= n) {
      order_ = torch::randperm(n, rng_, torch::kLong);
      cursor_ = 0;
    }
    const std::int64_t take = std::min(needed, n - cursor_);
    parts.push_back(order_.slice(0, cursor_, cursor_ + take));
    cursor_ += take;
    needed -= take;
  }
  const torch::Tensor index = torch::cat(parts).narrow(0, first, count);
  torch::Tensor images = dataset_.images().index_select(0, index);
  last_labels_ = dataset_.labels().defined() ? dataset_.labels().index_select(0, index) : torch::Tensor();
  if (dataset_.xflip()) {  // drawn for the whole batch, so the stream does not depend on the share
    const torch::Tensor flip = (torch::rand({batch}, rng_) < 0.5).narrow(0, first, count).view({count, 1, 1, 1});
    images = torch::where(flip, images.flip({3}), images);
  }
  return images;
}

void DataFeed::save(std::map<std::string, torch::Tensor>& state) const {
  state["data_rng"] = rng_.get_state();
  state["data_order"] = order_.defined() ? order_ : torch::empty({0}, torch::kLong);
  state["data_cursor"] = torch::tensor(cursor_, torch::kLong);
  save_class_names(state, dataset_.class_names());
}

void save_class_names(std::map<std::string, torch::Tensor>& state, const std::vector<std::string>& names) {
  if (names.empty()) return;
  const std::string text = nlohmann::json(names).dump();
  state["class_names"] = torch::tensor(std::vector<std::uint8_t>(text.begin(), text.end()), torch::kUInt8);
}

std::vector<std::string> checkpoint_class_names(const std::map<std::string, torch::Tensor>& state) {
  const auto found = state.find("class_names");
  if (found == state.end()) return {};
  const torch::Tensor bytes = found->second.to(torch::kCPU).contiguous();
  const auto* data = bytes.data_ptr<std::uint8_t>();
  return nlohmann::json::parse(std::string(data, data + bytes.numel())).get<std::vector<std::string>>();
}

torch::Tensor one_hot_condition(const torch::Tensor& labels, std::int64_t classes) {
  return torch::one_hot(labels, classes).to(c10::typeMetaToScalarType(torch::get_default_dtype()));
}

void DataFeed::load(const std::map<std::string, torch::Tensor>& state) {
  rng_.set_state(state.at("data_rng"));
  order_ = state.at("data_order").numel() ? state.at("data_order").clone() : torch::Tensor();
  cursor_ = state.at("data_cursor").item<std::int64_t>();
  const auto saved = checkpoint_class_names(state);
  if (!saved.empty() && saved != dataset_.class_names())
    throw Error(fmt::format("the checkpoint was trained on a dataset with the classes [{}]; this dataset has [{}]",
                            fmt::join(saved, ", "), fmt::join(dataset_.class_names(), ", ")));
}

torch::Tensor to_signed_float(const torch::Tensor& images_uint8) {
  return images_uint8.to(c10::typeMetaToScalarType(torch::get_default_dtype())).div_(127.5).sub_(1.0);
}

torch::Tensor make_grid(const torch::Tensor& images, std::int64_t rows, std::int64_t cols) {
  const auto n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  TORCH_CHECK(n == rows * cols, "grid needs rows * cols images");
  const torch::Tensor u8 = images.detach().to(torch::kCPU).mul(127.5).add(128).clamp(0, 255).to(torch::kUInt8);
  // [rows, cols, C, H, W] -> [C, rows, H, cols, W] -> [C, rows*H, cols*W]
  return u8.view({rows, cols, c, h, w}).permute({2, 0, 3, 1, 4}).reshape({c, rows * h, cols * w}).contiguous();
}

}  // namespace ganrig
