// DCGAN generator and discriminator: shapes at several resolutions, exact parameter counts,
// finite gradients, state round trip, error on a bad resolution.
#include "catch_compat.hpp"

#include <sstream>

#include "ganrig/error.hpp"
#include "ganrig/train/experiment.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
template <class I>
std::shared_ptr<I> build(const std::string& toml, ImageShape shape) {
  const auto table = test::component_table(I::kind, "type = \"dcgan\"\n" + toml);
  BuildContext ctx(test::plugin_registry(), table.config, shape, 0);
  return std::static_pointer_cast<I>(build_component(test::plugin_registry(), I::kind, table.view(), ctx));
}
}  // namespace

TEST_CASE("dcgan output shapes at 8, 32 and 64", "[dcgan]") {
  for (std::int64_t r : {8, 32, 64}) {
    auto g = build<Generator>("ngf = 8\n", {3, r});
    auto d = build<Discriminator>("ndf = 8\n", {3, r});
    const auto images = g->forward(torch::randn({2, g->latent_dim()}));
    CHECK(images.sizes() == std::vector<std::int64_t>{2, 3, r, r});
    CHECK(images.abs().max().item<double>() <= 1.0);  // tanh
    CHECK(d->forward(images).sizes() == std::vector<std::int64_t>{2, 1});
  }
}

TEST_CASE("dcgan parameter counts: exact for conv, fewer for dsc", "[dcgan]") {
  // G at 32x32x1, latent 100, ngf 64: projection 100*256*16 + BN 512, up 256->128 (4x4) + BN 256,
  // up 128->64 + BN 128, to_image 64->1: 409600+512+524288+256+131072+128+1024.
  CHECK(count_parameters(*build<Generator>("", {1, 32}), false) == 1066880);
  // dsc: depthwise 4x4 + pointwise 1x1 in the hidden layers: 256*16+256*128, 128*16+128*64; the
  // projection and to_image stay standard.
  CHECK(count_parameters(*build<Generator>("block = \"dsc\"\n", {1, 32}), false) ==
        409600 + 512 + (4096 + 32768) + 256 + (2048 + 8192) + 128 + 1024);
  // D at 32x32x1, ndf 64: 1*64*16, 64*128*16 + BN 256, 128*256*16 + BN 512, logit 256*16.
  CHECK(count_parameters(*build<Discriminator>("", {1, 32}), false) == 661248);
  // dsc: down0 and the logit stay standard; 64->128 and 128->256 become depthwise 4x4 + pointwise.
  CHECK(count_parameters(*build<Discriminator>("block = \"dsc\"\n", {1, 32}), false) ==
        1024 + (64 * 16 + 64 * 128) + 256 + (128 * 16 + 128 * 256) + 512 + 4096);
}

TEST_CASE("dcgan gradients are finite and reach every parameter", "[dcgan]") {
  auto g = build<Generator>("ngf = 8\nspectral_norm = true\n", {1, 16});
  auto d = build<Discriminator>("ndf = 8\nspectral_norm = true\nblock = \"dsc\"\n", {1, 16});
  d->forward(g->forward(torch::randn({4, 100}))).mean().backward();
  for (auto* net : std::vector<torch::nn::Module*>{g.get(), d.get()})
    for (const auto& p : net->named_parameters()) {
      INFO(p.key());
      REQUIRE(p.value().grad().defined());
      CHECK(torch::isfinite(p.value().grad()).all().item<bool>());
    }
}

TEST_CASE("dcgan state save and load round trip", "[dcgan]") {
  torch::manual_seed(1);
  auto a = build<Generator>("ngf = 8\nspectral_norm = true\n", {3, 16});
  torch::manual_seed(2);
  auto b = build<Generator>("ngf = 8\nspectral_norm = true\n", {3, 16});
  a->train();
  a->forward(torch::randn({4, 100}));  // moves BN statistics and u/v away from their initial values
  std::stringstream stream;
  {
    torch::serialize::OutputArchive archive;
    a->save(archive);
    archive.save_to(stream);
  }
  torch::serialize::InputArchive archive;
  archive.load_from(stream);
  b->load(archive);
  a->eval();
  b->eval();
  const auto z = torch::randn({3, 100});
  CHECK(torch::equal(a->forward(z), b->forward(z)));
}

TEST_CASE("dcgan refuses a resolution that is not a power of two", "[dcgan]") {
  REQUIRE_THROWS_WITH(build<Generator>("", {3, 24}), contains("power of two >= 8, got 24"));
}
