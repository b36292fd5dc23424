// Registers block "conv" again: loading it beside the blocks plugin must fail naming both files.
#include "ganrig/build_context.hpp"
#include "ganrig/plugin_api.hpp"

namespace {
class NoBlock : public ganrig::Block {
 public:
  std::shared_ptr<ganrig::ConvLayer> make(const ganrig::ConvOptions&) const override { return nullptr; }
};
void register_duplicate(ganrig::Registry& registry) {
  registry.add<ganrig::Block>("conv", "a second conv", ganrig::Schema{},
                              [](const ganrig::ConfigView&, ganrig::BuildContext&) { return std::make_shared<NoBlock>(); });
}
}  // namespace

GANRIG_PLUGIN("duplicate_block", "0.0.1", register_duplicate)
