// Every block in every network that takes blocks keeps the scale of the standard convolution at
// initialisation: the network's output spread and the gradient reaching each block layer stay
// within a factor of 10 of the `conv` version's. Blocks and networks are read from the registry,
// so a block or network added later is covered (a network must name its small test settings
// below, or the test fails). A depthwise-separable DCGAN generator whose output layer drew both
// factors from N(0, 0.02) was ~50x off and never left flat grey (issue 23).
//
// The gradient reaching a layer is measured per unit of the layer's output spread,
// |dL/dy| * std(y): a layer followed by a normalisation (BatchNorm, PixelNorm) may have any output
// scale c, which divides dL/dy by c and changes neither the forward pass nor the relative update
// of its weights. The official separable convolution of Faster Projected GAN (spectral norm on
// both factors) has ~10x smaller outputs than the standard one ahead of BatchNorm and ~10x larger
// dL/dy; what reaches the layer per unit of output is within 1.3x (printed below). A layer whose
// gradient vanishes, or an output layer that shrinks the image, still fails.
#include "catch_compat.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include <fmt/ranges.h>

#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;

namespace {

// Every output of a probed block layer, in the order the network computes them.
std::vector<torch::Tensor> recorded;

// Wraps the layers of another block and records their outputs (with their gradients kept).
class ProbeLayer : public ConvLayer {
 public:
  explicit ProbeLayer(std::shared_ptr<ConvLayer> inner) : inner_(register_module("inner", std::move(inner))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor y = inner_->forward(x);
    if (y.requires_grad()) y.retain_grad();
    recorded.push_back(y);
    return y;
  }
  void init_normal(double std) override { inner_->init_normal(std); }

 private:
  std::shared_ptr<ConvLayer> inner_;
};

class ProbeBlock : public Block {
 public:
  explicit ProbeBlock(std::shared_ptr<Block> inner) : inner_(std::move(inner)) {}
  std::shared_ptr<ConvLayer> make(const ConvOptions& options) const override {
    return std::make_shared<ProbeLayer>(inner_->make(options));
  }
  std::shared_ptr<ConvLayer> make_down_block(std::int64_t in, std::int64_t out, bool sn) const override {
    return std::make_shared<ProbeLayer>(inner_->make_down_block(in, out, sn));
  }

 private:
  std::shared_ptr<Block> inner_;
};

const Registry& probe_registry() {
  static Registry registry = [] {
    Registry r;
    test::add_build_plugins(r);
    test::add_test_components(r);
    r.set_current_plugin("<block_scale_test>");
    Schema s;
    s.component("inner", "block", "conv", "the block whose layers are recorded");
    r.add<Block>("probe", "records the outputs of another block's layers", s,
                 [](const ConfigView& v, BuildContext& ctx) { return std::make_shared<ProbeBlock>(ctx.block(v, "inner")); });
    return r;
  }();
  return registry;
}

// Small but real settings per network (32x32 RGB images). A network that takes blocks and is not
// listed here fails the coverage check below.
const std::map<std::string, std::string> generator_settings = {
    {"dcgan", "ngf = 16\n"},
    {"fastgan", "ngf = 16\nlite = false\n"},
    {"pggan", "fmap_base = 512\nfmap_max = 64\nlatent_dim = 64\n"},
};
const std::map<std::string, std::string> discriminator_settings = {
    {"dcgan", "ndf = 16\n"},
    {"pggan", "fmap_base = 512\nfmap_max = 64\n"},
    {"projected", "cout = 16\n"},
};

std::vector<std::string> networks_taking_blocks(const std::string& kind) {
  std::vector<std::string> names;
  for (const auto& name : probe_registry().names(kind)) {
    const Field* field = probe_registry().get(kind, name, Origin{}).schema.find("block");
    if (field && field->type == ValueType::Component && field->component_kind == "block") names.push_back(name);
  }
  return names;
}

// What one network with one block does at initialisation on fixed inputs.
struct Scale {
  double output_std = 0;
  std::vector<double> layer_gradients;  // |d(loss)/d(layer output)| * std(layer output), per probed layer
};

// `redraw`, when given, re-initialises the built network before the measurement.
Scale measure(const std::string& kind, const std::string& network, const std::string& settings, const std::string& block,
              const std::function<void(torch::nn::Module&)>& redraw = {}) {
  const bool is_generator = kind == "generator";
  const std::string tested = fmt::format("[{}]\ntype = \"{}\"\n{}block = {{ type = \"probe\", inner = \"{}\" }}\n", kind,
                                         network, settings, block);
  const std::string partner = is_generator ? "[discriminator]\ntype = \"dcgan\"\n" : "[generator]\ntype = \"dcgan\"\n";
  Config config = test::config_from_text(
      "[dataset]\ntype = \"synthetic\"\nresolution = 32\nchannels = 3\n[loss]\ntype = \"hinge\"\n"
      "[projector]\ntype = \"efficientnet_lite0\"\nallow_random = true\n" + tested + partner,
      fmt::format("{}-{}-{}.toml", kind, network, block));
  validate_experiment(config, probe_registry());

  torch::manual_seed(11);  // the same weights draw order for every block, the same inputs below
  BuildContext ctx(probe_registry(), config, {3, 32}, 0);
  recorded.clear();
  torch::Tensor output;
  if (is_generator) {
    auto g = ctx.build<Generator>("generator");
    if (redraw) redraw(*g);
    torch::manual_seed(12);
    output = g->forward(torch::randn({8, g->latent_dim()}));
  } else {
    auto d = ctx.build<Discriminator>("discriminator");
    if (redraw) redraw(*d);
    torch::manual_seed(12);
    output = d->forward(torch::rand({8, 3, 32, 32}) * 2 - 1);
  }
  torch::manual_seed(13);
  (output * torch::randn_like(output)).sum().backward();  // a fixed random direction from the output

  Scale scale;
  scale.output_std = output.std().item<double>();
  for (const auto& y : recorded) {
    REQUIRE(y.grad().defined());
    scale.layer_gradients.push_back(y.grad().norm().item<double>() * y.std().item<double>());
  }
  return scale;
}

void check_within_10x(double value, double reference) {
  CHECK(value > reference / 10);
  CHECK(value < reference * 10);
}

void check_every_block(const std::string& kind, const std::map<std::string, std::string>& settings) {
  const auto networks = networks_taking_blocks(kind);
  REQUIRE(networks.size() >= 2);
  for (const auto& network : networks) {
    INFO(kind << " " << network << " takes blocks: give it small settings in block_scale_test.cpp");
    REQUIRE(settings.count(network));
  }
  const auto blocks = probe_registry().names("block");
  REQUIRE(std::count(blocks.begin(), blocks.end(), "dsc") == 1);
  REQUIRE(std::count(blocks.begin(), blocks.end(), "ghost") == 1);
  for (const auto& network : networks) {
    const Scale conv = measure(kind, network, settings.at(network), "conv");
    REQUIRE(conv.layer_gradients.size() >= 2);
    for (const auto& block : blocks) {
      if (block == "probe" || block == "conv") continue;
      INFO(kind << " " << network << " with block " << block);
      const Scale other = measure(kind, network, settings.at(network), block);
      INFO("output std " << other.output_std << " vs conv " << conv.output_std);
      check_within_10x(other.output_std, conv.output_std);
      REQUIRE(other.layer_gradients.size() == conv.layer_gradients.size());
      std::vector<double> ratios;
      for (std::size_t i = 0; i < conv.layer_gradients.size(); ++i)
        ratios.push_back(other.layer_gradients[i] / conv.layer_gradients[i]);
      std::cout << fmt::format("{} {} {}: output std / conv's {:.3g}, gradient per unit of output / conv's, per block layer: {:.3g}\n",
                               kind, network, block, other.output_std / conv.output_std, fmt::join(ratios, " "));
      for (std::size_t i = 0; i < conv.layer_gradients.size(); ++i) {
        INFO("block layer " << i << ": gradient per unit of output " << other.layer_gradients[i] << " vs conv "
                            << conv.layer_gradients[i]);
        check_within_10x(other.layer_gradients[i], conv.layer_gradients[i]);
      }
    }
  }
}

}  // namespace

TEST_CASE("every block keeps the standard convolution's scale in every generator that takes blocks", "[blocks]") {
  check_every_block("generator", generator_settings);
}

TEST_CASE("every block keeps the standard convolution's scale in every discriminator that takes blocks", "[blocks]") {
  check_every_block("discriminator", discriminator_settings);
}

TEST_CASE("dsc in DCGAN: N(0, 0.02) on both factors is what the scale check catches", "[blocks]") {
  // The check above must be able to fail: without BatchNorm, draw the separable generator's factors
  // the way DCGAN's init once did (every convolution weight N(0, 0.02)): each layer then shrinks
  // its input ~50x, and the output and the gradient reaching the layers collapse.
  const std::string settings = generator_settings.at("dcgan") + "batchnorm = false\n";
  const Scale conv = measure("generator", "dcgan", settings, "conv");
  const Scale old = measure("generator", "dcgan", settings, "dsc", [](torch::nn::Module& g) {
    torch::NoGradGuard no_grad;
    for (auto& item : g.named_parameters()) item.value().normal_(0.0, 0.02);
  });
  INFO("output std with the old separable init " << old.output_std << " vs conv " << conv.output_std);
  CHECK(old.output_std < conv.output_std / 10);
  double worst = 1;
  for (std::size_t i = 0; i < conv.layer_gradients.size(); ++i)
    worst = std::max(worst, conv.layer_gradients[i] / old.layer_gradients[i]);
  INFO("largest shortfall of the gradient per unit of output: " << worst << "x");
  CHECK(worst > 10);
}
