// FastGAN generator: parameter counts equal to Projected GAN's code at 256, shapes at other
// resolutions, per-resolution blocks, errors.
#include "catch_compat.hpp"

#include "ganrig/train/experiment.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
std::shared_ptr<Generator> fastgan(const std::string& toml, std::int64_t resolution) {
  const auto table = test::component_table("generator", "type = \"fastgan\"\n" + toml);
  BuildContext ctx(test::plugin_registry(), table.config, {3, resolution}, 0);
  return std::static_pointer_cast<Generator>(build_component(test::plugin_registry(), "generator", table.view(), ctx));
}
}  // namespace

TEST_CASE("fastgan parameter counts equal the official code at 256", "[fastgan]") {
  // From pg_modules/networks_fastgan.py with ngf 128, z 256 (computed from its layer definitions:
  // InitLayer 256*4096*16 + BN, up blocks 18*in*out + 18*out^2 + 8*out + 2 (big) or 18*in*out +
  // 4*out (small), SLE 16*in*out + out^2, to_big 64*3*9 + 3; dsc: in*9 + in*2*out per 3x3 conv).
  CHECK(count_parameters(*fastgan("lite = false\n", 256), false) == 105684175);
  CHECK(count_parameters(*fastgan("lite = true\n", 256), false) == 79354307);
  CHECK(count_parameters(*fastgan("lite = false\nblock = \"dsc\"\n", 256), false) == 36601871);
  CHECK(count_parameters(*fastgan("lite = true\nblock = \"dsc\"\n", 256), false) == 33648195);
}

TEST_CASE("fastgan output shapes from 16 to 512", "[fastgan]") {
  for (std::int64_t r : {16, 64, 128, 512}) {
    auto g = fastgan("ngf = 8\nlite = true\n", r);
    g->eval();
    CHECK(g->forward(torch::randn({2, 256})).sizes() == std::vector<std::int64_t>{2, 3, r, r});
  }
  auto big = fastgan("ngf = 8\n", 64);
  const auto out = big->forward(torch::randn({3, 256}));
  CHECK(out.sizes() == std::vector<std::int64_t>{3, 3, 64, 64});
  CHECK(torch::isfinite(out).all().item<bool>());
}

TEST_CASE("fastgan per-resolution blocks and up blocks", "[fastgan]") {
  const auto conv = count_parameters(*fastgan("ngf = 16\nlite = true\n", 64), false);
  const auto dsc = count_parameters(*fastgan("ngf = 16\nlite = true\nblock = \"dsc\"\n", 64), false);
  const auto mixed = count_parameters(*fastgan("ngf = 16\nlite = true\nblocks = { 32 = \"dsc\", 64 = \"dsc\" }\n", 64), false);
  CHECK(dsc < mixed);
  CHECK(mixed < conv);
  // feat_64 small vs big: a big block adds a second conv (32*64*9), its BN and two noise weights.
  const auto one_big = count_parameters(*fastgan("ngf = 16\nlite = true\nup_blocks = { 64 = \"big\" }\n", 64), false);
  CHECK(one_big - conv == 32 * 64 * 9 + 2 * 64 + 2);
  // Per-size tables: a key that is no image size fails validation; a size this generator never
  // builds fails at build; both name the key's position.
  REQUIRE_THROWS_WITH(fastgan("blocks = { 48 = \"dsc\" }\n", 64), contains("expected an image size as key"));
  REQUIRE_THROWS_WITH(fastgan("blocks = { 128 = \"dsc\" }\n", 64), contains("\"128\" is not an up-block resolution"));
  REQUIRE_THROWS_WITH(fastgan("up_blocks = { 48 = \"big\" }\n", 64), contains("\"48\" is not an up-block resolution"));
  REQUIRE_THROWS_WITH(fastgan("blocks = { 32 = \"dscc\" }\n", 64), contains("dscc"));
}

TEST_CASE("fastgan per-resolution blocks may carry the block's own keys", "[fastgan]") {
  const auto conv = count_parameters(*fastgan("ngf = 16\nlite = true\n", 64), false);
  const auto ghost2 = count_parameters(*fastgan("ngf = 16\nlite = true\nblocks = { 64 = \"ghost\" }\n", 64), false);
  const auto ghost4 =
      count_parameters(*fastgan("ngf = 16\nlite = true\nblocks = { 64 = { type = \"ghost\", ratio = 4 } }\n", 64), false);
  CHECK(ghost2 < conv);
  CHECK(ghost4 < ghost2);  // ratio 4: a quarter of the primary channels
  REQUIRE_THROWS_WITH(fastgan("blocks = { 64 = { type = \"ghost\", ratoi = 4 } }\n", 64),
                      contains("unknown key") && contains("did you mean 'ratio'"));
  REQUIRE_THROWS_WITH(fastgan("", 96), contains("2^k from 16 to 1024, got 96"));
}

TEST_CASE("fastgan gradients are finite and noise weights start at zero", "[fastgan]") {
  auto g = fastgan("ngf = 8\n", 32);
  for (const auto& p : g->named_parameters())
    if (p.key().find("noise") != std::string::npos) CHECK(p.value().abs().sum().item<double>() == 0.0);
  g->forward(torch::randn({2, 256})).square().mean().backward();
  for (const auto& p : g->named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
    CHECK(torch::isfinite(p.value().grad()).all().item<bool>());
  }
}

TEST_CASE("the generator's GLU (torch::glu) equals the official a * sigmoid(b) of the channel halves",
          "[fastgan][speed]") {
  // plugins/fastgan uses torch::glu for the official GLU module's x[:, :n] * sigmoid(x[:, n:]):
  // the same forward bit for bit, the same gradient up to rounding, without the sliced backward.
  torch::manual_seed(7);
  const auto x = torch::randn({3, 16, 9, 9}, torch::requires_grad());
  const auto plain = x.narrow(1, 0, 8) * torch::sigmoid(x.narrow(1, 8, 8));
  const auto fused = torch::glu(x, 1);
  CHECK(torch::equal(plain, fused));
  const auto g = torch::randn_like(plain);
  const auto plain_grad = torch::autograd::grad({plain}, {x}, {g})[0];
  const auto fused_grad = torch::autograd::grad({fused}, {x}, {g})[0];
  CHECK(torch::allclose(fused_grad, plain_grad, 1e-6, 1e-7));
}
