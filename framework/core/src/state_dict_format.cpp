// The built-in weight format "state-dict": a generator's tensors under ganrig's own names (as
// named_parameters / named_buffers list them), for every generator; the experiment's [generator]
// table, written next to it by `ganrig export`, says how to build the network again.
#include <fmt/format.h>

#include "ganrig/build_context.hpp"
#include "ganrig/interfaces.hpp"
#include "ganrig/registry.hpp"
#include "ganrig/state_dict.hpp"

namespace ganrig {

namespace {
class GanrigStateDict : public WeightFormat {
 public:
  std::vector<std::pair<std::string, torch::Tensor>> export_state(Generator& generator) const override {
    return module_state(generator);
  }
  std::string constructor_json(Generator& generator) const override {
    return fmt::format(R"({{"names": "ganrig", "latent_dim": {}, "build": "the [generator] table of experiment"}})",
                       generator.latent_dim());
  }
  void import_state(const std::map<std::string, torch::Tensor>& state, Generator& generator) const override {
    load_module_state(generator, state, "state dict (ganrig names)");
  }
};
}  // namespace

void register_state_dict_format(Registry& registry) {
  registry.add<WeightFormat>("state-dict",
                             "Any generator's tensors under ganrig's own names (torch.load gives a dict of tensors).",
                             Schema{}, [](const ConfigView&, BuildContext&) { return std::make_shared<GanrigStateDict>(); });
}

}  // namespace ganrig
