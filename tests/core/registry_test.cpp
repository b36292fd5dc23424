// Registry: duplicates name both registrants; unknown names list the known ones with a suggestion.
#include "catch_compat.hpp"

#include "ganrig/build_context.hpp"
#include "ganrig/error.hpp"
#include "ganrig/text.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
class NullLoss : public Loss {
 public:
  torch::Tensor generator_loss(const LossInputs&) override { return {}; }
  torch::Tensor discriminator_loss(const LossInputs&) override { return {}; }
};
auto null_loss = [](const ConfigView&, BuildContext&) { return std::make_shared<NullLoss>(); };
}  // namespace

TEST_CASE("registering the same kind and name twice names both plugin files", "[registry]") {
  Registry r;
  r.set_current_plugin("/plugins/a.so");
  r.add<Loss>("hinge", "", Schema{}, null_loss);
  r.add<Loss>("logistic", "", Schema{}, null_loss);
  r.set_current_plugin("/plugins/b.so");
  r.add<Generator>("hinge", "", Schema{}, [](const ConfigView&, BuildContext&) { return std::shared_ptr<Generator>(); });
  REQUIRE_THROWS_WITH(r.add<Loss>("hinge", "", Schema{}, null_loss),
                      contains("loss 'hinge' is registered twice: by /plugins/a.so and by /plugins/b.so"));
  CHECK(r.names("loss") == std::vector<std::string>{"hinge", "logistic"});
  CHECK(r.find("generator", "hinge") != nullptr);  // kinds are separate namespaces
}

TEST_CASE("an unknown name lists the known names and the closest match", "[registry]") {
  Registry r;
  r.add<Loss>("hinge", "", Schema{}, null_loss);
  r.add<Loss>("nonsaturating", "", Schema{}, null_loss);
  REQUIRE_THROWS_WITH(r.get("loss", "hnige", Origin::file("exp.toml", 3, 8)),
                      contains("exp.toml:3:8: unknown loss 'hnige' (did you mean 'hinge'?)") &&
                          contains("known loss names: hinge, nonsaturating"));
  REQUIRE_THROWS_WITH(r.get("loss", "wasserstein", Origin{}), !contains("did you mean"));
}

TEST_CASE("closest match and edit distance", "[registry]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(closest_match("dcs", {"conv", "dsc"}) == "dsc");
  CHECK(closest_match("completely_different", {"conv", "dsc"}).empty());
}

TEST_CASE("schemas reject a key declared twice", "[registry]") {
  Schema s;
  s.integer("ngf", 64, "");
  REQUIRE_THROWS_AS(s.real("ngf", 1.0, ""), Error);
}
