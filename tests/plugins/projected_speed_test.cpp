// The speed rewrites of the Projected GAN step, each against the straightforward version it
// replaces (issue 12): BatchNorm folded into the frozen projectors' convolutions, reals and fakes
// through the frozen part as one batch, DiffAugment without index tensors, the in-place EMA.
#include "catch_compat.hpp"

#include "ganrig/frozen_conv_bn.hpp"

#include <ATen/autocast_mode.h>
#include "ganrig/train/ema.hpp"
#include "ganrig/validate.hpp"
#include "support.hpp"

using namespace ganrig;

namespace {

Config projected_config(const std::string& projector) {
  Config c = test::config_from_text("[dataset]\ntype = \"synthetic\"\n[generator]\ntype = \"fastgan\"\nngf = 8\nlite = true\n"
                                    "[discriminator]\ntype = \"projected\"\n"
                                    "[loss]\ntype = \"hinge\"\n[augment]\ntype = \"diffaugment\"\n"
                                    "[projector]\n" + projector, "projected.toml");
  validate_experiment(c, test::plugin_registry());
  return c;
}

template <class I>
std::shared_ptr<I> build_from(const Config& c, const std::string& table, std::int64_t resolution, std::uint64_t seed = 0) {
  torch::manual_seed(seed);  // the same seed gives the same random weights
  BuildContext ctx(test::plugin_registry(), c, {3, resolution}, seed);
  return ctx.build<I>(table);
}

const char* random_lite0 = "type = \"efficientnet_lite0\"\nallow_random = true\n";
const char* random_mobilenet = "type = \"mobilenet_v2\"\nallow_random = true\nweights = \"/nonexistent.bin\"\n";

// Random but plausible BatchNorm statistics, so folding has something to fold.
void randomise_batchnorm(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (const auto& item : m.named_modules())
    if (auto* layer = dynamic_cast<FrozenConvBNImpl*>(item.value().get())) {
      layer->gamma.uniform_(0.5, 1.5);
      layer->beta.uniform_(-0.2, 0.2);
      layer->mean.uniform_(-0.1, 0.1);
      layer->var.uniform_(0.5, 2.0);
    }
}

void set_fused(torch::nn::Module& m, bool fused) {
  for (const auto& item : m.named_modules())
    if (auto* layer = dynamic_cast<FrozenConvBNImpl*>(item.value().get())) layer->set_fused(fused);
}

double max_relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item<double>();
}

}  // namespace

TEST_CASE("a folded frozen conv+BN equals conv, batch_norm, clamp", "[projected][speed]") {
  torch::manual_seed(1);
  for (const bool depthwise : {false, true})
    for (const std::int64_t stride : {1, 2})
      for (const bool same : {false, true}) {
        FrozenConvBNOptions o(16, 16, 3);
        o.stride(stride).depthwise(depthwise).relu6(true).tf_same_padding(same);
        if (!same) o.padding({0, 1, 0, 1});
        FrozenConvBN layer(o);
        randomise_batchnorm(*layer);
        const torch::Tensor x = torch::randn({2, 16, 15, 15}) * 3;
        const torch::Tensor plain = layer->forward_unfused(x);
        INFO("depthwise " << depthwise << " stride " << stride << " same " << same);
        CHECK(layer->forward(x).sizes() == plain.sizes());
        CHECK(torch::allclose(layer->forward(x), plain, 1e-4, 1e-5));
        CHECK(torch::allclose(layer->forward(x.contiguous(torch::MemoryFormat::ChannelsLast)), plain, 1e-4, 1e-5));
        // A changed statistic (a checkpoint load) is folded again.
        {
          torch::NoGradGuard no_grad;
          layer->var.mul_(4.0);
        }
        CHECK(torch::allclose(layer->forward(x), layer->forward_unfused(x), 1e-4, 1e-5));
      }
}

TEST_CASE("under bf16 autocast the folded layer's once-cast weights give autocast's own result", "[projected][speed]") {
  // FrozenConvBN casts its folded weight and bias to autocast's dtype once per fold; autocast would
  // cast the fp32 folded tensors at every forward. The same cast, so the same bits.
  torch::manual_seed(2);
  FrozenConvBNOptions o(8, 16, 3);
  o.stride(2).relu6(true).tf_same_padding(true);
  FrozenConvBN layer(o);
  randomise_batchnorm(*layer);
  const torch::Tensor x = torch::randn({2, 8, 14, 14}).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::Tensor folded_weight, folded_bias;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor scale = layer->gamma * (layer->var + o.eps()).rsqrt();
    folded_weight = (layer->weight * scale.view({-1, 1, 1, 1})).contiguous();
    folded_bias = layer->beta - layer->mean * scale;
  }
  const auto [left, right, top, bottom] = layer->padding_for(x);
  at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
  at::autocast::set_cpu_enabled(true);
  const torch::Tensor ours = layer->forward(x);
  const torch::Tensor again = layer->forward(x);  // from the cache
  const torch::Tensor expected =
      torch::conv2d(torch::constant_pad_nd(x, {left, right, top, bottom}), folded_weight, folded_bias, 2).clamp(0.0, 6.0);
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  REQUIRE(ours.scalar_type() == torch::kBFloat16);
  CHECK(torch::equal(ours, expected));
  CHECK(torch::equal(again, expected));
  // A changed statistic is folded and cast again.
  {
    torch::NoGradGuard no_grad;
    layer->var.mul_(4.0);
  }
  at::autocast::set_cpu_enabled(true);
  const torch::Tensor refolded = layer->forward(x);
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  CHECK_FALSE(torch::equal(refolded, expected));
}

TEST_CASE("TF 'same' padding of a stride-2 depthwise layer inside the convolution equals the padded copy",
          "[projected][speed]") {
  // EfficientNet-lite0's stride-2 depthwise layers (3x3 and 5x5) on even maps pad one more row and
  // column below and right: FrozenConvBN convolves with the kernel one tap larger instead of a
  // padded copy. Odd maps (symmetric padding) and non-square ones (asymmetric in one direction)
  // take the other paths; all must give the padded copy's result.
  torch::manual_seed(3);
  for (const std::int64_t kernel : {3, 5})
    for (const auto& size : {std::array<std::int64_t, 2>{16, 16}, {14, 14}, {15, 15}, {16, 15}})
      for (const bool bf16 : {false, true}) {
        FrozenConvBNOptions o(8, 8, kernel);
        o.stride(2).depthwise(true).tf_same_padding(true);
        FrozenConvBN layer(o);
        randomise_batchnorm(*layer);
        torch::Tensor folded_weight, folded_bias;
        {
          torch::NoGradGuard no_grad;
          const torch::Tensor scale = layer->gamma * (layer->var + o.eps()).rsqrt();
          folded_weight = (layer->weight * scale.view({-1, 1, 1, 1})).contiguous();
          folded_bias = layer->beta - layer->mean * scale;
        }
        const torch::Tensor x = torch::randn({2, 8, size[0], size[1]}).contiguous(torch::MemoryFormat::ChannelsLast);
        const auto [left, right, top, bottom] = layer->padding_for(x);
        // Even square maps take the larger kernel; odd and non-square ones the other paths.
        CHECK(layer->uses_larger_kernel(x) == (size[0] % 2 == 0 && size[1] % 2 == 0));
        auto run = [&](bool ours) {
          torch::Tensor input = x.clone().requires_grad_(true);
          at::autocast::set_autocast_cpu_dtype(torch::kBFloat16);
          at::autocast::set_cpu_enabled(bf16);
          torch::Tensor y = ours ? layer->forward(input)
                                 : torch::conv2d(torch::constant_pad_nd(input, {left, right, top, bottom}), folded_weight,
                                                 folded_bias, torch::IntArrayRef{2, 2}, torch::IntArrayRef{0, 0},
                                                 torch::IntArrayRef{1, 1}, 8);
          at::autocast::set_cpu_enabled(false);
          at::autocast::clear_cache();
          y.backward(torch::linspace(-1, 1, y.numel()).view(y.sizes()).to(y.scalar_type()));
          return std::make_pair(y.detach(), input.grad());
        };
        const auto [ours, ours_grad] = run(true);
        const auto [plain, plain_grad] = run(false);
        INFO("kernel " << kernel << " input " << size[0] << "x" << size[1] << (bf16 ? " bf16" : " fp32"));
        CHECK(torch::equal(ours, plain));
        CHECK(max_relative(ours_grad, plain_grad) < 1e-6);
      }
}

TEST_CASE("folded projectors equal their plain networks, with gradients to the input", "[projected][speed]") {
  // In float64: the input gradient passes every ReLU6 gate, and in float32 an activation within
  // rounding of 0 or 6 may be gated one way in the folded network and the other in the plain one
  // (with timm's random init some are), which moves single gradient elements by whole units.
  struct DefaultDouble {
    DefaultDouble() { torch::set_default_dtype(caffe2::TypeMeta::Make<double>()); }
    ~DefaultDouble() { torch::set_default_dtype(caffe2::TypeMeta::Make<float>()); }
  } in_float64;
  for (const char* projector : {random_lite0, random_mobilenet}) {
    INFO(projector);
    auto p = build_from<Projector>(projected_config(projector), "projector", 64);
    randomise_batchnorm(*p);
    const torch::Tensor x = torch::randn({2, 3, 96, 96});
    auto run = [&](bool fused, bool channels_last) {
      set_fused(*p, fused);
      torch::Tensor input = (channels_last ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x.clone()).requires_grad_(true);
      const auto taps = p->forward(input);
      torch::Tensor sum = torch::zeros({});
      for (std::size_t i = 0; i < taps.size(); ++i) sum = sum + taps[i].square().mean() * static_cast<double>(i + 1);
      sum.backward();
      std::vector<torch::Tensor> out(taps.begin(), taps.end());
      out.push_back(input.grad());
      return out;
    };
    const auto plain = run(false, false);
    const auto fused = run(true, true);
    for (std::size_t i = 0; i < plain.size(); ++i) {
      INFO("output " << i << " (4 = input gradient)");
      CHECK(max_relative(fused[i], plain[i]) < 1e-4);
    }
  }
}

TEST_CASE("D(fake) and D(real) as one projector batch equal two forwards", "[projected][speed]") {
  const Config c = projected_config(random_lite0);
  auto d = build_from<Discriminator>(c, "discriminator", 32, 7);
  auto twin = build_from<Discriminator>(c, "discriminator", 32, 7);  // same seed: same weights
  d->train();
  twin->train();
  const torch::Tensor fake = torch::randn({3, 3, 32, 32}), real = torch::randn({3, 3, 32, 32});

  torch::manual_seed(11);  // the same augmentation draws for both
  const auto [fake_pair, real_pair] = d->forward_pair(fake, real);
  torch::manual_seed(11);
  const torch::Tensor fake_two = twin->forward(fake);
  const torch::Tensor real_two = twin->forward(real);
  CHECK(max_relative(fake_pair, fake_two) < 1e-4);
  CHECK(max_relative(real_pair, real_two) < 1e-4);
  // Train-mode BatchNorm of the mini-discriminators saw the two kinds separately: same running stats.
  const auto a = d->named_buffers(), b = twin->named_buffers();
  for (const auto& item : a) {
    INFO(item.key());
    CHECK(torch::allclose(item.value().to(torch::kDouble), b[item.key()].to(torch::kDouble), 1e-4, 1e-5));
  }
  // And the gradients of D's trainable parameters agree.
  (torch::relu(1.0 + fake_pair).mean() + torch::relu(1.0 - real_pair).mean()).backward();
  (torch::relu(1.0 + fake_two).mean() + torch::relu(1.0 - real_two).mean()).backward();
  const auto pa = d->named_parameters(), pb = twin->named_parameters();
  for (const auto& item : pa) {
    if (!item.value().requires_grad()) continue;
    INFO(item.key());
    REQUIRE(item.value().grad().defined());
    CHECK(max_relative(item.value().grad(), pb[item.key()].grad()) < 1e-3);
  }
}

TEST_CASE("the in-place EMA equals lerp then copy", "[train][speed]") {
  torch::nn::Linear g(4, 3), ema(4, 3), reference(4, 3);
  copy_module_state(*ema, *g);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : g->parameters()) p.add_(torch::randn_like(p));
  }
  copy_module_state(*reference, *ema);
  update_ema(*ema, *g, 0.97);
  torch::NoGradGuard no_grad;
  auto pr = reference->parameters(), pg = g->parameters(), pe = ema->parameters();
  for (std::size_t i = 0; i < pr.size(); ++i) CHECK(torch::equal(pe[i], pg[i].lerp(pr[i], 0.97)));
}

namespace {
// The official DiffAugment translation and cutout (pg_modules/diffaug.py), with [B, H, W] index
// grids: the plain versions the plugin's rewrites must equal.
torch::Tensor grid_translation(const torch::Tensor& x, double ratio) {
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  const auto sx = static_cast<std::int64_t>(h * ratio + 0.5), sy = static_cast<std::int64_t>(w * ratio + 0.5);
  const auto tx = torch::randint(-sx, sx + 1, {b, 1, 1}, torch::kLong);
  const auto ty = torch::randint(-sy, sy + 1, {b, 1, 1}, torch::kLong);
  auto grids = torch::meshgrid({torch::arange(b), torch::arange(h), torch::arange(w)}, "ij");
  const auto gx = torch::clamp(grids[1] + tx + 1, 0, h + 1);
  const auto gy = torch::clamp(grids[2] + ty + 1, 0, w + 1);
  const auto padded = torch::constant_pad_nd(x, {1, 1, 1, 1}).permute({0, 2, 3, 1}).contiguous();
  return padded.index({grids[0], gx, gy}).permute({0, 3, 1, 2});
}

torch::Tensor grid_cutout(const torch::Tensor& x, double ratio) {
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  const auto cx = static_cast<std::int64_t>(h * ratio + 0.5), cy = static_cast<std::int64_t>(w * ratio + 0.5);
  const auto ox = torch::randint(0, h + (1 - cx % 2), {b, 1, 1}, torch::kLong);
  const auto oy = torch::randint(0, w + (1 - cy % 2), {b, 1, 1}, torch::kLong);
  auto grids = torch::meshgrid({torch::arange(b), torch::arange(cx), torch::arange(cy)}, "ij");
  const auto gx = torch::clamp(grids[1] + ox - cx / 2, 0, h - 1);
  const auto gy = torch::clamp(grids[2] + oy - cy / 2, 0, w - 1);
  auto mask = torch::ones({b, h, w}, x.options());
  mask.index_put_({grids[0], gx, gy}, torch::zeros({}, x.options()));
  return x * mask.unsqueeze(1);
}

std::shared_ptr<Augment> augment_only(const std::string& keys, std::int64_t resolution) {
  auto table = test::component_table("augment", "type = \"diffaugment\"\ncolor = false\n" + keys);
  BuildContext ctx(test::plugin_registry(), table.config, {3, resolution}, 0);
  return std::static_pointer_cast<Augment>(build_component(test::plugin_registry(), "augment", table.view(), ctx));
}
}  // namespace

TEST_CASE("DiffAugment translation and cutout equal the index-grid versions, values and gradients", "[projected][augment][speed]") {
  for (const std::int64_t resolution : {7, 32, 64}) {
    for (const double ratio : {0.125, 0.2, 0.5}) {
      const std::string r = std::to_string(ratio);
      auto translate = augment_only("cutout = false\ntranslation_ratio = " + r + "\n", resolution);
      auto cut = augment_only("translation = false\ncutout_ratio = " + r + "\n", resolution);
      for (std::uint64_t seed = 0; seed < 8; ++seed) {
        INFO("resolution " << resolution << " ratio " << ratio << " seed " << seed);
        const auto x = torch::randn({6, 3, resolution, resolution});
        const auto weights = torch::randn_like(x);
        auto run = [&](auto fn) {
          auto input = x.clone().requires_grad_(true);
          torch::manual_seed(seed);
          const auto y = fn(input);
          (y * weights).sum().backward();
          return std::make_pair(y.detach(), input.grad());
        };
        const auto [t_new, tg_new] = run([&](const torch::Tensor& in) { return translate->forward(in); });
        const auto [t_ref, tg_ref] = run([&](const torch::Tensor& in) { return grid_translation(in, ratio); });
        CHECK(torch::equal(t_new, t_ref));
        CHECK(torch::equal(tg_new, tg_ref));
        const auto [c_new, cg_new] = run([&](const torch::Tensor& in) { return cut->forward(in); });
        const auto [c_ref, cg_ref] = run([&](const torch::Tensor& in) { return grid_cutout(in, ratio); });
        CHECK(torch::equal(c_new, c_ref));
        CHECK(torch::equal(cg_new, cg_ref));
      }
    }
  }
}
