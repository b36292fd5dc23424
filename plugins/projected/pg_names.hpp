#pragma once
// The projected discriminator under the official Projected GAN's names
// (pg_modules/discriminator.py ProjectedDiscriminator), for `ganrig export --format pg --what all`:
//   projector.*                 -> feature_network.pretrained.*  (the projector's own names_as("pg"))
//   ccm{i}.*                    -> feature_network.scratch.layer{i}_ccm.*
//   csm{i}.out_conv.*           -> feature_network.scratch.layer{i}_csm.out_conv.*
//   disc{i}.down{j}.conv.conv.* -> discriminator.mini_discs.{i}.main.{j}.main.0.*   (SN conv 4x4 s2)
//   disc{i}.down{j}.bn.*        -> discriminator.mini_discs.{i}.main.{j}.main.1.*   (BatchNorm)
//   disc{i}.logit.*             -> discriminator.mini_discs.{i}.main.{downs}.*      (SN conv 4x4)
//   conditional (SingleDiscCond):
//   disc{i}.cls.*               -> discriminator.mini_discs.{i}.cls.*               (SN conv 4x4 to cmap)
//   disc{i}.embed.weight        -> discriminator.mini_discs.{i}.embed.weight
//   disc{i}.embed_proj.*        -> discriminator.mini_discs.{i}.embed_proj.0.*      (Linear)
// Spectral norm keeps weight_orig, weight_u, weight_v, as torch.nn.utils.spectral_norm.
#include <fmt/format.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "ganrig/error.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/state_dict.hpp"

class PgNames {
 public:
  PgNames(std::string projector_type, std::vector<std::pair<std::string, std::string>> projector_names,
          std::vector<std::size_t> down_blocks)
      : projector_type_(std::move(projector_type)), down_blocks_(std::move(down_blocks)) {
    if (projector_names.empty())
      throw ganrig::Error(fmt::format("format pg: the official discriminator's feature network is timm's "
                                      "tf_efficientnet_lite0; this run's projector is `{}`, which has no names there",
                                      projector_type_));
    for (auto& [ganrig_name, official] : projector_names) {
      if (ganrig_name.empty())
        only_official_.push_back("feature_network." + official);
      else
        projector_[ganrig_name] = "feature_network." + official;
    }
  }

  ganrig::NamedTensors export_state(const torch::nn::Module& d) const {
    ganrig::NamedTensors out;
    for (auto& [name, tensor] : ganrig::module_state(d)) out.emplace_back(official(name), tensor);
    // Counters the official BatchNorms keep and ganrig's frozen (folded) ones do not: never read in eval mode.
    for (const auto& name : only_official_) out.emplace_back(name, torch::zeros({}, torch::kInt64));
    return out;
  }

  void import_state(torch::nn::Module& d, const std::map<std::string, torch::Tensor>& state) const {
    std::map<std::string, torch::Tensor> renamed;
    std::set<std::string> used(only_official_.begin(), only_official_.end());
    for (const auto& [name, tensor] : ganrig::module_state(d)) {
      const std::string o = official(name);
      const auto found = state.find(o);
      if (found == state.end())
        throw ganrig::Error(fmt::format("official state dict: no discriminator tensor '{}' (expected shape [{}])", o,
                                        fmt::join(tensor.sizes(), ", ")));
      renamed[name] = found->second;
      used.insert(o);
    }
    for (const auto& [name, tensor] : state)
      if (!used.count(name))
        throw ganrig::Error(fmt::format("official state dict: '{}' is not a tensor of this projected discriminator "
                                        "(another proj_type, num_discs, cout or projector?)", name));
    ganrig::load_module_state(d, renamed, "official discriminator state dict (pg names; shown as ganrig names)");
  }

 private:
  std::string official(const std::string& name) const {
    static const std::regex ccm(R"(ccm(\d)\.(\w+))"), csm(R"(csm(\d)\.out_conv\.(\w+))"),
        down(R"(disc(\d)\.down(\d+)\.(conv\.conv|bn)\.(\w+))"), logit(R"(disc(\d)\.logit\.(\w+))"),
        cond(R"(disc(\d)\.(cls|embed)\.(\w+))"), cond_proj(R"(disc(\d)\.embed_proj\.(\w+))");
    std::smatch m;
    if (name.rfind("projector.", 0) == 0) {
      const auto found = projector_.find(name.substr(10));
      if (found != projector_.end()) return found->second;
    } else if (std::regex_match(name, m, ccm)) {
      return fmt::format("feature_network.scratch.layer{}_ccm.{}", m[1].str(), m[2].str());
    } else if (std::regex_match(name, m, csm)) {
      return fmt::format("feature_network.scratch.layer{}_csm.out_conv.{}", m[1].str(), m[2].str());
    } else if (std::regex_match(name, m, down)) {
      return fmt::format("discriminator.mini_discs.{}.main.{}.main.{}.{}", m[1].str(), m[2].str(),
                         m[3] == "bn" ? 1 : 0, m[4].str());
    } else if (std::regex_match(name, m, logit)) {
      return fmt::format("discriminator.mini_discs.{}.main.{}.{}", m[1].str(), down_blocks_.at(std::stoul(m[1])),
                         m[2].str());
    } else if (std::regex_match(name, m, cond)) {
      return fmt::format("discriminator.mini_discs.{}.{}.{}", m[1].str(), m[2].str(), m[3].str());
    } else if (std::regex_match(name, m, cond_proj)) {
      return fmt::format("discriminator.mini_discs.{}.embed_proj.0.{}", m[1].str(), m[2].str());
    }
    throw ganrig::Error(fmt::format("format pg: the discriminator's '{}' has no counterpart in the official "
                                    "ProjectedDiscriminator, whose mini-discriminators use plain spectral-norm 4x4 "
                                    "convolutions (block = \"conv\")",
                                    name));
  }

  std::string projector_type_;
  std::vector<std::size_t> down_blocks_;
  std::map<std::string, std::string> projector_;
  std::vector<std::string> only_official_;
};
