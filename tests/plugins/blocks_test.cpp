// Blocks conv and dsc: shapes, exact parameter counts, spectral-norm switch, gradients.
#include "catch_compat.hpp"

#include "ganrig/train/experiment.hpp"
#include "support.hpp"

using namespace ganrig;

namespace {
std::shared_ptr<Block> make_block(const std::string& name) {
  const auto table = test::component_table("block", "type = \"" + name + "\"\n");
  BuildContext ctx(test::plugin_registry(), table.config, {}, 0);
  return std::static_pointer_cast<Block>(build_component(test::plugin_registry(), "block", table.view(), ctx));
}
}  // namespace

TEST_CASE("conv and dsc: same output shape, parameter counts by formula", "[blocks]") {
  const auto spec = ConvOptions(16, 32, 3).padding(1);
  auto conv = make_block("conv")->make(spec);
  auto dsc = make_block("dsc")->make(spec);
  const auto x = torch::randn({2, 16, 8, 8});
  CHECK(conv->forward(x).sizes() == std::vector<std::int64_t>{2, 32, 8, 8});
  CHECK(dsc->forward(x).sizes() == std::vector<std::int64_t>{2, 32, 8, 8});
  CHECK(count_parameters(*conv, false) == 16 * 32 * 9 + 32);
  CHECK(count_parameters(*dsc, false) == 16 * 9 + 16 + 16 * 32 + 32);  // depthwise (+bias), pointwise (+bias)
}

TEST_CASE("strided, transposed and spectrally normalised variants", "[blocks]") {
  for (const char* name : {"conv", "dsc"}) {
    auto block = make_block(name);
    auto down = block->make(ConvOptions(8, 16, 4).stride(2).padding(1).bias(false).spectral_norm(true));
    auto up = block->make(ConvOptions(8, 4, 4).stride(2).padding(1).bias(false).transposed(true).spectral_norm(true));
    const auto x = torch::randn({3, 8, 16, 16});
    CHECK(down->forward(x).sizes() == std::vector<std::int64_t>{3, 16, 8, 8});
    CHECK(up->forward(x).sizes() == std::vector<std::int64_t>{3, 4, 32, 32});
    bool has_sn = false;
    for (const auto& item : down->named_buffers()) has_sn |= item.key().find("weight_u") != std::string::npos;
    CHECK(has_sn);
    up->forward(x).mean().backward();
    for (const auto& p : up->parameters()) {
      REQUIRE(p.grad().defined());
      CHECK(torch::isfinite(p.grad()).all().item<bool>());
    }
  }
  // Parameter counts do not change with spectral norm.
  const auto dsc_sn = make_block("dsc")->make(ConvOptions(8, 16, 3).padding(1).bias(false).spectral_norm(true));
  CHECK(count_parameters(*dsc_sn, false) == 8 * 9 + 8 * 16);
}
