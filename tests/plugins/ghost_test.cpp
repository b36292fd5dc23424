// The example plugin of docs/writing-a-plugin.md: block `ghost`.
#include "catch_compat.hpp"

#include "ganrig/build_context.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;

namespace {
std::shared_ptr<Block> ghost(const std::string& keys = "") {
  const auto table = test::component_table("block", "type = \"ghost\"\n" + keys);
  BuildContext ctx(test::plugin_registry(), table.config, {3, 32}, 0);
  return std::static_pointer_cast<Block>(build_component(test::plugin_registry(), "block", table.view(), ctx));
}
}  // namespace

TEST_CASE("ghost convolutions keep the requested shapes, cost less and pass gradients", "[plugins][ghost]") {
  auto block = ghost();
  auto conv = test::plugin_registry().find("block", "conv");
  REQUIRE(conv);
  const auto plain_table = test::component_table("block", "type = \"conv\"\n");
  BuildContext ctx(test::plugin_registry(), plain_table.config, {3, 32}, 0);
  auto plain = std::static_pointer_cast<Block>(build_component(test::plugin_registry(), "block", plain_table.view(), ctx));
  const auto same = ConvOptions(16, 31, 3).padding(1);
  const auto down = ConvOptions(16, 32, 4).stride(2).padding(1);
  const auto up = ConvOptions(16, 8, 4).stride(2).padding(1).transposed(true);
  auto x = torch::randn({2, 16, 8, 8}, torch::requires_grad());
  CHECK(block->make(same)->forward(x).sizes() == torch::IntArrayRef({2, 31, 8, 8}));  // odd count: cut to 31
  CHECK(block->make(down)->forward(x).sizes() == torch::IntArrayRef({2, 32, 4, 4}));
  auto layer = block->make(up);
  const auto y = layer->forward(x);
  CHECK(y.sizes() == torch::IntArrayRef({2, 8, 16, 16}));  // transposed, with spectral norm
  y.square().mean().backward();
  CHECK(torch::isfinite(x.grad()).all().item<bool>());
  CHECK(x.grad().abs().sum().item<double>() > 0);
  const auto ghost_params = count_parameters(*block->make(same), true);
  const auto conv_params = count_parameters(*plain->make(same), true);
  // 3x3x16x16 + 16 (primary) + 3x3x16 + 16 (cheap) = 2480 against 3x3x16x31 + 31 = 4495.
  CHECK(ghost_params == 2480);
  CHECK(conv_params == 4495);
  CHECK(count_parameters(*ghost("ratio = 1\n")->make(same), true) == conv_params);
}

TEST_CASE("ghost plugs into a generator by name or with keys", "[plugins][ghost]") {
  for (const std::string block : {"\"ghost\"", "{ type = \"ghost\", ratio = 4 }"}) {
    auto e = std::make_unique<Experiment>();
    test::add_build_plugins(e->registry);
    e->config = load_config_file(test::source_dir() / "experiments/dcgan/dcgan_fashion-mnist32.toml");
    apply_overrides(e->config, {"generator.block=" + block, "dataset.limit=32"});
    validate_experiment(e->config, e->registry);
    const Models m = build_models(*e);
    const auto images = m.generator->forward(torch::randn({2, m.generator->latent_dim()}));
    CHECK(images.sizes() == torch::IntArrayRef({2, 1, 32, 32}));
  }
}
