// The FastGAN baseline (plugins/fastgan_pytorch): FastGAN-pytorch's discriminator with its
// parameter counts, the decoders' reconstructions and their targets, the loss's reconstruction
// term reaching the decoders, and the errors of a wrong setup.
#include "catch_compat.hpp"

#include <filesystem>

#include "ganrig/error.hpp"
#include "ganrig/reconstructing.hpp"
#include "ganrig/train/experiment.hpp"
#include "ganrig/train/stats.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {

template <class I>
std::shared_ptr<I> build(const std::string& kind, const std::string& toml, std::int64_t resolution) {
  const auto table = test::component_table(kind, toml);
  BuildContext ctx(test::plugin_registry(), table.config, {3, resolution}, 0);
  return std::static_pointer_cast<I>(build_component(test::plugin_registry(), kind, table.view(), ctx));
}

std::shared_ptr<Discriminator> fastgan_d(std::int64_t resolution, const std::string& extra = "") {
  return build<Discriminator>("discriminator", "type = \"fastgan\"\n" + extra, resolution);
}

// An experiment with the fastgan discriminator and loss; `loss` and `more` complete it.
Config experiment(const std::string& loss, const std::string& more = "") {
  Config c = test::config_from_text("[dataset]\ntype = \"synthetic\"\nresolution = 64\n[generator]\ntype = \"fastgan\"\n"
                                    "ngf = 8\nlite = true\n[discriminator]\ntype = \"fastgan\"\nndf = 16\n"
                                    "[loss]\ntype = \"fastgan\"\n" + loss + more,
                                    "fastgan_baseline.toml");
  validate_experiment(c, test::plugin_registry());
  return c;
}

std::string build_error(const Config& c) {
  try {
    BuildContext ctx(test::plugin_registry(), c, {3, 64}, 0);
    ctx.build<Loss>("loss");
  } catch (const ganrig::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the fastgan discriminator has FastGAN-pytorch's parameter counts", "[fastgan_pytorch]") {
  // models.py's Discriminator(ndf=64, nc=3, im_size=N) with its three SimpleDecoders:
  // sum(p.numel() for p in D.parameters()) of a transcription of its constructor run with
  // python3-torch 1.13 (the repository, odegeasslbc/FastGAN-pytorch, is not in the fetchable
  // snapshots; README.md of the plugin gives the layer list).
  CHECK(count_parameters(*fastgan_d(256), false) == 11526160);
  CHECK(count_parameters(*fastgan_d(512), false) == 11526496);
  CHECK(count_parameters(*fastgan_d(1024), false) == 11528192);
}

TEST_CASE("FastGAN's generator is the fastgan generator with FastGAN-pytorch's up blocks", "[fastgan_pytorch]") {
  // models.py's Generator(ngf=64, nz=256, im_size=256): 29127846 parameters, of which its to_128
  // (SN 1x1 conv 64 -> 3, no bias: 192) feeds only its own discriminator's small branch; ours has a
  // bias on to_big (3), as Projected GAN's.
  const auto g = build<Generator>("generator",
                                  "type = \"fastgan\"\nngf = 64\nnormalize_latent = false\nup_blocks = { 8 = \"big\", 16 = "
                                  "\"small\", 32 = \"big\", 64 = \"small\", 128 = \"big\", 256 = \"small\" }\n",
                                  256);
  CHECK(count_parameters(*g, false) == 29127846 - 192 + 3);
}

TEST_CASE("the fastgan discriminator judges two branches and reconstructs the reals", "[fastgan_pytorch]") {
  torch::manual_seed(1);
  const auto d = fastgan_d(64, "ndf = 16\n");
  d->eval();  // equal logits from the two calls (no batch statistics, no power iteration)
  const torch::Tensor x = torch::rand({2, 3, 64, 64}) * 2 - 1;
  const torch::Tensor logits = d->forward(x);
  CHECK(logits.sizes() == torch::IntArrayRef({2, 50}));  // two 5x5 maps per image
  auto* reconstructing = dynamic_cast<ReconstructingDiscriminator*>(d.get());
  REQUIRE(reconstructing != nullptr);
  const JudgedReals judged = reconstructing->judge_and_reconstruct(x);
  CHECK(torch::equal(judged.logits, logits));
  REQUIRE(judged.reconstructions.size() == 3);
  namespace F = torch::nn::functional;
  const auto nearest = [](const torch::Tensor& t) {
    return F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{32, 32}).mode(torch::kNearest));
  };
  for (const auto& r : judged.reconstructions) {
    CHECK(r.image.sizes() == torch::IntArrayRef({2, 3, 32, 32}));  // the small branch's input size
    CHECK(r.target.sizes() == r.image.sizes());
    CHECK(r.image.abs().max().item<float>() <= 1.0f);  // tanh
  }
  CHECK(torch::equal(judged.reconstructions[0].target, nearest(x)));  // big: the whole image
  CHECK(torch::equal(judged.reconstructions[1].target, nearest(x)));  // small: the small branch's input
  // part: one of the four quarters of the image.
  bool quarter = false;
  for (int row = 0; row < 2; ++row)
    for (int col = 0; col < 2; ++col)
      quarter |= torch::equal(judged.reconstructions[2].target, nearest(x.narrow(2, row * 32, 32).narrow(3, col * 32, 32)));
  CHECK(quarter);
}

TEST_CASE("the fastgan loss trains the decoders and names what is missing", "[fastgan_pytorch]") {
  torch::manual_seed(2);
  const Config c = experiment("perceptual = \"l1\"\n");
  BuildContext ctx(test::plugin_registry(), c, {3, 64}, 0);
  auto g = ctx.build<Generator>("generator");
  auto d = ctx.build<Discriminator>("discriminator");
  auto loss = ctx.build<Loss>("loss");
  const torch::Tensor real = torch::rand({2, 3, 64, 64}) * 2 - 1, z = torch::randn({2, g->latent_dim()});
  TickStats stats;
  const Condition none;
  const LossInputs in{*g, *d, real, z, stats, none, none};
  loss->discriminator_loss(in).backward();
  const auto params = d->named_parameters();
  for (const char* decoder : {"decoder_big", "decoder_part", "decoder_small"}) {
    const torch::Tensor& grad = params[std::string(decoder) + ".main_3.weight_orig"].grad();  // the output conv
    INFO(decoder);
    CHECK(grad.defined());
    CHECK(grad.abs().sum().item<double>() > 0);
  }

  // Wrong setups: errors that say where and what.
  CHECK_THAT(build_error(experiment("perceptual = \"projector\"\n")), contains("needs a [projector] table"));
  CHECK_THAT(build_error(experiment("perceptual = \"torchscript\"\n")), contains("needs lpips_file"));
  const std::string missing = build_error(experiment("perceptual = \"torchscript\"\nlpips_file = \"/nonexistent/lpips.pt\"\n"));
  CHECK_THAT(missing, contains("fastgan_baseline.toml:"));
  CHECK_THAT(missing, contains("no such file: /nonexistent/lpips.pt"));
  Config hinge_d = test::config_from_text(
      "[dataset]\ntype = \"synthetic\"\nresolution = 64\n[generator]\ntype = \"fastgan\"\nngf = 8\nlite = true\n"
      "[discriminator]\ntype = \"dcgan\"\n[loss]\ntype = \"fastgan\"\nperceptual = \"l1\"\n",
      "no_decoders.toml");
  validate_experiment(hinge_d, test::plugin_registry());
  BuildContext other(test::plugin_registry(), hinge_d, {3, 64}, 0);
  auto plain_d = other.build<Discriminator>("discriminator");
  const LossInputs plain{*g, *plain_d, real, z, stats, none, none};
  try {
    other.build<Loss>("loss")->discriminator_loss(plain);
    FAIL("no error");
  } catch (const ganrig::Error& e) {
    CHECK_THAT(std::string(e.what()), contains("this discriminator has none"));
  }
  CHECK_THROWS_WITH(fastgan_d(32), contains("resolution 2^k from 64 to 1024"));
}
