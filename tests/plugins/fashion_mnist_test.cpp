// Fashion-MNIST from Debian's package: sizes, class filter, resize, error without the files.
#include "catch_compat.hpp"

#include "support.hpp"

using namespace ganrig;
using ganrig_test::contains;

namespace {
std::shared_ptr<Dataset> load(const std::string& toml) {
  const auto table = test::component_table("dataset", "type = \"fashion_mnist\"\n" + toml);
  BuildContext ctx(test::plugin_registry(), table.config, {}, 0);
  return std::static_pointer_cast<Dataset>(build_component(test::plugin_registry(), "dataset", table.view(), ctx));
}
}  // namespace

TEST_CASE("fashion_mnist test split, resized to 32", "[fashion_mnist]") {
  auto data = load("split = \"test\"\nresolution = 32\n");
  CHECK(data->images().sizes() == std::vector<std::int64_t>{10000, 1, 32, 32});
  CHECK(data->images().scalar_type() == torch::kUInt8);
  CHECK(data->images().max().item<int>() == 255);
  CHECK(data->images().min().item<int>() == 0);
  // Clothes sit in the centre on a black background: the centre is much brighter than the corners.
  const auto f = data->images().to(torch::kFloat);
  const double centre = f.narrow(2, 12, 8).narrow(3, 12, 8).mean().item<double>();
  const double corner = f.narrow(2, 0, 3).narrow(3, 0, 3).mean().item<double>();
  CHECK(centre > 60.0);
  CHECK(corner < 10.0);
  CHECK(centre > 5 * corner);
}

TEST_CASE("fashion_mnist class filter and limit", "[fashion_mnist]") {
  CHECK(load("split = \"test\"\nclasses = [0]\n")->size() == 1000);  // 1,000 per class in the test split
  CHECK(load("split = \"test\"\nclasses = [0, 9]\nlimit = 300\nresolution = 16\n")->images().sizes() ==
        std::vector<std::int64_t>{300, 1, 16, 16});
}

TEST_CASE("fashion_mnist without its files says how to get them", "[fashion_mnist]") {
  REQUIRE_THROWS_WITH(load("path = \"/no/such/folder\"\n"),
                      contains("apt-get install dataset-fashion-mnist") && contains("[dataset] path"));
}
