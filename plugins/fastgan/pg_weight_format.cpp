// Weight format "pg": the fastgan generator under the names of the official Projected GAN code
// (autonomousvision/projected-gan, pg_modules/networks_fastgan.py Generator and blocks.py), so
// `Generator(**kwargs).load_state_dict(torch.load("G.pt"))` works there, and the reverse.
//
// The official modules are nn.Sequential, so names carry layer indices: InitLayer.init = [SN
// ConvTranspose, BN, GLU]; UpBlockBig = [Upsample, SN conv, Noise, BN, GLU, SN conv, Noise, BN,
// GLU]; UpBlockSmall = [Upsample, SN conv, BN, GLU]; SEBlock.main = [Pool, SN conv, Swish, SN conv,
// Sigmoid]. Spectral norm keeps weight_orig, weight_u, weight_v as here.
// The conditional generator (cond = true) is FastganSynthesisCond, whose up blocks are modules with
// named layers: UpBlockBigCond {conv1, conv2, bn1, bn2 (CCBN), noise}, UpBlockSmallCond {conv, bn},
// and the class embedding `embed`.
#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <set>

#include "fastgan_layout.hpp"
#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/plugin_api.hpp"
#include "ganrig/state_dict.hpp"

namespace ganrig_fastgan {

namespace {

using Tensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The official constructor builds feat_8 ... feat_256 and se_64 ... se_256 whatever the resolution
// (and uses feat_256 / se_256 only from 256 up), plus feat_512 / se_512 above 256 and feat_1024 above 512.
std::int64_t official_top(std::int64_t resolution) { return std::max<std::int64_t>(resolution, 256); }

const FastganLayout& layout_of(ganrig::Generator& generator) {
  const auto* has = dynamic_cast<HasFastganLayout*>(&generator);
  if (!has)
    throw ganrig::Error("format pg: the official Projected GAN Generator is FastGAN's; this run's generator is not "
                        "`fastgan` (use --format state-dict)");
  const FastganLayout& l = has->layout();
  const auto refuse = [](const std::string& why) {
    throw ganrig::Error(fmt::format("format pg: the official Generator cannot express this one: {} (use --format "
                                    "state-dict)", why));
  };
  if (l.resolution < 128)
    refuse(fmt::format("resolution {}; its forward needs 128 or more (projected-gan issue #37)", l.resolution));
  if (!l.normalize_latent) refuse("normalize_latent = false; it always normalizes z");
  if (l.tanh) refuse("tanh = true; its output is linear");
  if (!l.skip_excitation) refuse("skip_excitation = false; it always has the SLE blocks");
  if (l.classes && l.resolution > 256)
    refuse(fmt::format("cond = true at resolution {}; its FastganSynthesisCond builds feat_512 without the class "
                       "embedding's size and fails above 256", l.resolution));
  for (const auto& [r, big] : l.big)
    if (big != l.big.begin()->second) refuse("up blocks mix big and small; it has all big (fastgan) or all small (fastgan_lite)");
  return l;
}

bool lite(const FastganLayout& l) { return !l.big.begin()->second; }

// The up blocks and embedding of the conditional generator (FastganSynthesisCond).
std::string official_conditional_name(const std::string& name, const FastganLayout& l) {
  static const std::regex up(R"(feat_(\d+)\.(conv1\.conv|conv2\.conv|noise|bn1|bn2)\.(.+))"), embed(R"(embed\.weight)");
  std::smatch m;
  if (std::regex_match(name, m, embed)) return "synthesis.embed.weight";
  if (!std::regex_match(name, m, up)) return {};
  const bool big = l.big.at(std::stoll(m[1]));
  std::string layer = m[2].str();
  if (layer == "conv1.conv" || layer == "conv2.conv") layer = layer.substr(0, 5);
  if (!big) layer = layer == "conv1" ? "conv" : layer == "bn1" ? "bn" : layer;
  return fmt::format("synthesis.feat_{}.{}.{}", m[1].str(), layer, m[3].str());
}

// ganrig name -> official name, or empty when the tensor has no counterpart (another conv block).
std::string official_name(const std::string& name, const FastganLayout& l) {
  static const std::regex init(R"(init\.(weight_orig|weight_u|weight_v))"), init_bn(R"(init_bn\.(\w+))"),
      up(R"(feat_(\d+)\.(conv1\.conv|noise1|bn1|conv2\.conv|noise2|bn2)\.(\w+))"), se(R"(se_(\d+)\.conv([12])\.(\w+))"),
      out(R"(to_big\.(\w+))");
  std::smatch m;
  if (std::regex_match(name, m, init)) return "synthesis.init.init.0." + m[1].str();
  if (std::regex_match(name, m, init_bn)) return "synthesis.init.init.1." + m[1].str();
  if (std::regex_match(name, m, se)) return fmt::format("synthesis.se_{}.main.{}.{}", m[1].str(), m[2] == "1" ? 1 : 3, m[3].str());
  if (std::regex_match(name, m, out)) return "synthesis.to_big." + m[1].str();
  if (l.classes) return official_conditional_name(name, l);
  if (!std::regex_match(name, m, up)) return {};
  const bool big = l.big.at(std::stoll(m[1]));
  const std::map<std::string, int> index = {{"conv1.conv", 1}, {"noise1", 2}, {"bn1", big ? 3 : 2},
                                            {"conv2.conv", 5}, {"noise2", 6}, {"bn2", 7}};
  return fmt::format("synthesis.feat_{}.{}.{}", m[1].str(), index.at(m[2]), m[3].str());
}

// Tensors of an SN conv / a BatchNorm as PyTorch initialises their buffers; weights zero.
void add_sn_conv(Tensors& t, const std::string& p, std::int64_t out, std::int64_t in, std::int64_t k) {
  t.emplace_back(p + ".weight_orig", torch::zeros({out, in, k, k}));
  t.emplace_back(p + ".weight_u", torch::full({out}, 1.0 / std::sqrt(static_cast<double>(out))));
  t.emplace_back(p + ".weight_v", torch::full({in * k * k}, 1.0 / std::sqrt(static_cast<double>(in * k * k))));
}
void add_batch_norm(Tensors& t, const std::string& p, std::int64_t c) {
  t.emplace_back(p + ".weight", torch::ones({c}));
  t.emplace_back(p + ".bias", torch::zeros({c}));
  t.emplace_back(p + ".running_mean", torch::zeros({c}));
  t.emplace_back(p + ".running_var", torch::ones({c}));
  t.emplace_back(p + ".num_batches_tracked", torch::zeros({}, torch::kInt64));
}

// A spectral-norm linear layer and a CCBN (blocks.py CCBN) as PyTorch initialises their buffers; weights zero.
void add_sn_linear(Tensors& t, const std::string& p, std::int64_t out, std::int64_t in) {
  t.emplace_back(p + ".bias", torch::zeros({out}));
  t.emplace_back(p + ".weight_orig", torch::zeros({out, in}));
  t.emplace_back(p + ".weight_u", torch::full({out}, 1.0 / std::sqrt(static_cast<double>(out))));
  t.emplace_back(p + ".weight_v", torch::full({in}, 1.0 / std::sqrt(static_cast<double>(in))));
}
void add_conditional_batch_norm(Tensors& t, const std::string& p, std::int64_t c, std::int64_t embedding_dim) {
  add_sn_linear(t, p + ".gain", c, embedding_dim);
  add_sn_linear(t, p + ".bias", c, embedding_dim);
  t.emplace_back(p + ".stored_mean", torch::zeros({c}));
  t.emplace_back(p + ".stored_var", torch::ones({c}));
}

std::int64_t nfc(const FastganLayout& l, std::int64_t r) {
  static const std::map<std::int64_t, double> multiplier = {{4, 16},  {8, 8},    {16, 4},     {32, 2},      {64, 2},
                                                            {128, 1}, {256, 0.5}, {512, 0.25}, {1024, 0.125}};
  return static_cast<std::int64_t>(multiplier.at(r) * static_cast<double>(l.ngf));
}

// The stages the official constructor builds that this generator has no use for (below 256):
// placeholders of the right shapes, never used by the official forward at this resolution.
Tensors unused_stages(const FastganLayout& l) {
  Tensors t;
  const bool big = !lite(l);
  for (std::int64_t r = l.resolution * 2; r <= official_top(l.resolution); r *= 2) {
    const std::string p = fmt::format("synthesis.feat_{}", r);
    if (l.classes) {  // UpBlockBigCond / UpBlockSmallCond
      add_sn_conv(t, p + (big ? ".conv1" : ".conv"), 2 * nfc(l, r), nfc(l, r / 2), 3);
      add_conditional_batch_norm(t, p + (big ? ".bn1" : ".bn"), 2 * nfc(l, r), l.latent_dim);
      if (!big) continue;
      add_sn_conv(t, p + ".conv2", 2 * nfc(l, r), nfc(l, r), 3);
      add_conditional_batch_norm(t, p + ".bn2", 2 * nfc(l, r), l.latent_dim);
      t.emplace_back(p + ".noise.weight", torch::zeros({1}));
      continue;
    }
    add_sn_conv(t, p + ".1", 2 * nfc(l, r), nfc(l, r / 2), 3);
    if (big) t.emplace_back(p + ".2.weight", torch::zeros({1}));
    add_batch_norm(t, p + (big ? ".3" : ".2"), 2 * nfc(l, r));
    if (!big) continue;
    add_sn_conv(t, p + ".5", 2 * nfc(l, r), nfc(l, r), 3);
    t.emplace_back(p + ".6.weight", torch::zeros({1}));
    add_batch_norm(t, p + ".7", 2 * nfc(l, r));
  }
  for (std::int64_t r = l.resolution * 2; r <= official_top(l.resolution) && r <= 512; r *= 2) {
    add_sn_conv(t, fmt::format("synthesis.se_{}.main.1", r), nfc(l, r), nfc(l, r / 16), 4);
    add_sn_conv(t, fmt::format("synthesis.se_{}.main.3", r), nfc(l, r), nfc(l, r), 1);
  }
  return t;
}

class PgWeightFormat : public ganrig::WeightFormat {
 public:
  Tensors export_state(ganrig::Generator& generator) const override {
    const FastganLayout& l = layout_of(generator);
    Tensors official;
    for (auto& [name, tensor] : ganrig::module_state(generator)) {
      const std::string renamed = official_name(name, l);
      if (renamed.empty())
        throw ganrig::Error(fmt::format("format pg: '{}' has no counterpart in the official Generator, whose up blocks "
                                        "use plain spectral-norm 3x3 convolutions (block = \"conv\")", name));
      official.emplace_back(renamed, tensor);
    }
    for (auto& item : unused_stages(l)) official.push_back(std::move(item));
    return official;
  }

  std::string constructor_json(ganrig::Generator& generator) const override {
    const FastganLayout& l = layout_of(generator);
    return fmt::format(
        R"j({{"class": "pg_modules.networks_fastgan.Generator", "kwargs": {{"z_dim": {}, "c_dim": {}, "w_dim": 0, )j"
        R"j("img_resolution": {}, "img_channels": {}, "ngf": {}, "cond": {}, "synthesis_kwargs": {{"lite": {}{}}}}}, )j"
        R"j("cfg": "{}", "unused_stages_below_256": "zero placeholders (the official forward does not use them at this resolution)", )j"
        R"j("usage": "{}"}})j",
        l.latent_dim, l.classes, l.resolution, l.channels, l.ngf, l.classes ? 1 : 0, lite(l) ? "true" : "false",
        l.classes ? fmt::format(R"(, "num_classes": {})", l.class_embeddings) : std::string(),
        lite(l) ? "fastgan_lite" : "fastgan",
        l.classes ? "G = Generator(**kwargs); G.load_state_dict(torch.load(path)); G.eval(); img = G(z, c) with c "
                    "one-hot [N, c_dim] (class order: class_names in this file)"
                  : "G = Generator(**kwargs); G.load_state_dict(torch.load(path)); G.eval(); img = G(z, c=None)");
  }

  void import_state(const std::map<std::string, torch::Tensor>& state, ganrig::Generator& generator) const override {
    const FastganLayout& l = layout_of(generator);
    std::map<std::string, torch::Tensor> renamed;
    std::set<std::string> used;
    for (const auto& [name, tensor] : ganrig::module_state(generator)) {
      const std::string official = official_name(name, l);
      if (official.empty())
        throw ganrig::Error(fmt::format("format pg: '{}' has no counterpart in the official Generator (block = \"conv\" only)", name));
      const auto found = state.find(official);
      if (found == state.end())
        throw ganrig::Error(fmt::format("official state dict: no tensor '{}' (expected shape [{}])", official,
                                        fmt::join(tensor.sizes(), ", ")));
      if (found->second.sizes() != tensor.sizes())
        throw ganrig::Error(fmt::format("official state dict: '{}' has shape [{}], this fastgan{} at {}x{}, ngf {}, "
                                        "latent_dim {} needs [{}]", official, fmt::join(found->second.sizes(), ", "),
                                        lite(l) ? "_lite" : "", l.resolution, l.resolution, l.ngf, l.latent_dim,
                                        fmt::join(tensor.sizes(), ", ")));
      renamed[name] = found->second;
      used.insert(official);
    }
    for (const auto& [name, tensor] : unused_stages(l)) used.insert(name);
    for (const auto& [name, tensor] : state)
      if (!used.count(name))
        throw ganrig::Error(fmt::format("official state dict: '{}' is not a tensor of the fastgan{} generator at {}x{}, "
                                        "ngf {} (another cfg, resolution or ngf?)",
                                        name, lite(l) ? "_lite" : "", l.resolution, l.resolution, l.ngf));
    ganrig::load_module_state(generator, renamed, "official state dict (pg names; shown as ganrig names)");
  }
};

}  // namespace

void register_pg_weight_format(ganrig::Registry& registry) {
  registry.add<ganrig::WeightFormat>(
      "pg",
      "The fastgan generator under the official Projected GAN names (pg_modules.networks_fastgan.Generator), "
      "for torch.load + load_state_dict there; block \"conv\", one up-block size, resolution >= 128.",
      ganrig::Schema{},
      [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<PgWeightFormat>(); });
}

}  // namespace ganrig_fastgan
